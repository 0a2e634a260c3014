import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../data/index.js';
import { invertSpdInPlace } from './spd-inverse.js';

function randomSpd(n: number, seed: number): Float64Array {
  const random = new SeededRandom(seed);
  const x = Float64Array.from({ length: n * n }, () => random.next() - 0.5);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let sum = i === j ? 0.5 : 0;
      for (let k = 0; k < n; k++) sum += (x[i * n + k] as number) * (x[j * n + k] as number);
      a[i * n + j] = sum;
    }
  return a;
}

describe('invertSpdInPlace', () => {
  it.each([1, 2, 5, 37])('inverts an n×n symmetric positive-definite matrix, n = %i', async (n) => {
    const original = randomSpd(n, n);
    const inverse = original.slice();
    const reports: number[] = [];
    await invertSpdInPlace(inverse, n, (done) => void reports.push(done), 4);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += (original[i * n + k] as number) * (inverse[k * n + j] as number);
        expect(sum).toBeCloseTo(i === j ? 1 : 0, 8);
        expect(inverse[i * n + j]).toBe(inverse[j * n + i]);
      }
    expect(reports.at(-1)).toBe(3 * n);
  });

  it('refuses a matrix that is not positive definite', async () => {
    await expect(invertSpdInPlace(Float64Array.from([1, 2, 2, 1]), 2)).rejects.toThrow(
      'not positive definite',
    );
  });
});
