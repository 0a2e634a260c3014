import { z } from 'zod';
import { f32, type Recommender, type Tensor, type TrainingData } from '../model.js';

export const popularityParams = z.object({
  /** Weight each watch by 0.5^(age / half-life), age measured from the newest watch; 0 = no decay. */
  half_life_days: z.number().finite().min(0).default(0),
});
export type PopularityParams = z.infer<typeof popularityParams>;

/** The baseline: everyone gets the most watched movies (optionally favouring recent watches). */
export class PopularityModel implements Recommender {
  readonly algorithm = 'popularity';

  constructor(readonly popularity: Float32Array) {}

  get itemCount(): number {
    return this.popularity.length;
  }

  scoreUser(_user: number, _history: unknown, out: Float32Array): void {
    out.set(this.popularity);
  }

  tensors(): Record<string, Tensor> {
    return { popularity: f32([this.popularity.length], this.popularity) };
  }

  static load(tensors: Record<string, Tensor>): PopularityModel {
    return new PopularityModel(tensors.popularity?.data as Float32Array);
  }
}

export function trainPopularity(data: TrainingData, params: PopularityParams): PopularityModel {
  const { pairs, matrix } = data;
  const scores = new Float64Array(matrix.items.size);
  let newest = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < pairs.length; p++) newest = Math.max(newest, pairs.lastAt[p] as number);
  const halfLife = params.half_life_days * 86_400_000;
  for (let p = 0; p < pairs.length; p++) {
    const item = matrix.items.index(pairs.movieId[p] as number);
    if (item === undefined) continue;
    const weight = halfLife > 0 ? 0.5 ** ((newest - (pairs.lastAt[p] as number)) / halfLife) : 1;
    scores[item] = (scores[item] as number) + (pairs.count[p] as number) * weight;
  }
  return new PopularityModel(Float32Array.from(scores));
}
