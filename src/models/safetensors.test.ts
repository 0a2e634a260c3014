import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

const tensors = {
  b: { dtype: 'I32' as const, shape: [3], data: Int32Array.from([1, -2, 3]) },
  a: { dtype: 'F32' as const, shape: [2, 2], data: Float32Array.from([0.5, 1.5, -2, 4]) },
};

function withHeader(header: unknown, data = Buffer.alloc(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

describe('safetensors', () => {
  it('round-trips tensors and metadata, lays data out by name, 8-byte aligned and deterministic', () => {
    const file = encodeSafetensors(tensors, { source: 'test' });
    expect(encodeSafetensors(tensors, { source: 'test' })).toEqual(file);
    const headerLength = Number(file.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(file.subarray(8, 8 + headerLength).toString()) as Record<
      string,
      { data_offsets: number[] }
    >;
    expect(header.a?.data_offsets).toEqual([0, 16]);
    expect(header.b?.data_offsets).toEqual([16, 28]);
    const decoded = decodeSafetensors(file);
    expect(decoded.metadata).toEqual({ source: 'test' });
    expect(decoded.tensors.a).toEqual(tensors.a);
    expect(decoded.tensors.b).toEqual(tensors.b);
  });

  it('refuses a shape that does not match the data when writing', () => {
    expect(() => encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      'tensor x has 2 values but shape [3] needs 3',
    );
  });

  it('refuses damaged files with a message saying what is wrong', () => {
    const valid = encodeSafetensors(tensors);
    const cases: [Buffer, RegExp][] = [
      [Buffer.alloc(4), /shorter than its 8-byte header length/],
      [
        Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), Buffer.alloc(8)]),
        /header length \d+ exceeds the file/,
      ],
      [
        Buffer.concat([
          valid.subarray(0, 8),
          Buffer.from('{not json'.padEnd(Number(valid.readBigUInt64LE(0)))),
        ]),
        /header is not JSON/,
      ],
      [
        withHeader({ x: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, Buffer.alloc(2)),
        /unsupported dtype BF16/,
      ],
      [
        withHeader({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, Buffer.alloc(4)),
        /invalid shape/,
      ],
      [
        withHeader({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, Buffer.alloc(8)),
        /do not match its shape or the file/,
      ],
      [
        withHeader({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(4)),
        /do not match its shape or the file/,
      ],
      [valid.subarray(0, valid.length - 4), /do not match its shape or the file/],
    ];
    for (const [file, message] of cases) {
      expect(() => decodeSafetensors(file, 'm.safetensors')).toThrow(message);
      try {
        decodeSafetensors(file, 'm.safetensors');
      } catch (error) {
        expect((error as { code?: string }).code).toBe('MLOPS_ERR_MODEL_ARTIFACT_INVALID');
        expect((error as Error).message).toMatch(/^m\.safetensors is not a valid safetensors file: /);
      }
    }
  });
});
