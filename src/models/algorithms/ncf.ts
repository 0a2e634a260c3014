import { z } from 'zod';
import { SeededRandom } from '../../data/index.js';
import {
  checkAborted,
  cosineToAll,
  f32,
  type Recommender,
  type Tensor,
  type TrainingContext,
  type TrainingData,
  type UserHistory,
} from '../model.js';
import { contains, rowOfEachSlot } from './bpr.js';

export const ncfParams = z.object({
  /** Embedding size of the GMF (generalised matrix factorisation) branch. */
  factors: z.number().int().min(1).max(1024).default(64),
  /** Embedding size of the MLP branch; its hidden layers are this and half of it. */
  mlp_factors: z.number().int().min(2).max(512).default(16),
  /** Epochs, or the most epochs when `patience` > 0 (early stopping picks the count). */
  epochs: z.number().int().min(1).max(1000).default(20),
  /** Adam's step size. */
  learning_rate: z.number().finite().positive().default(0.001),
  reg: z.number().finite().min(0).default(0.01),
  /** Unwatched movies sampled per watched one. */
  negatives: z.number().int().min(1).max(100).default(3),
  /** Early stopping: epochs without a better validation NDCG@10 before training stops; 0 = exactly `epochs`. */
  patience: z.number().int().min(0).max(1000).default(3),
  seed: z.number().int().default(42),
});
export type NcfParams = z.infer<typeof ncfParams>;

interface NcfWeights {
  userGmf: Float32Array;
  itemGmf: Float32Array;
  userMlp: Float32Array;
  itemMlp: Float32Array;
  /** Hidden layer 1: m outputs × 2m inputs (user half, then item half). */
  w1: Float32Array;
  b1: Float32Array;
  /** Hidden layer 2: m/2 outputs × m inputs. */
  w2: Float32Array;
  b2: Float32Array;
  /** Output over [GMF product (f), hidden 2 (m/2)]. */
  wOut: Float32Array;
  bOut: Float32Array;
}

/**
 * Neural collaborative filtering (NeuMF, He et al. 2017): a GMF branch (element-wise product of user and
 * movie embeddings) and an MLP branch over both embeddings, joined by a logistic output. Written by hand
 * on typed arrays: the network is small, and per-sample Adam needs no tensor library.
 */
export class NcfModel implements Recommender {
  readonly algorithm = 'ncf';
  private itemHidden: Float32Array | undefined;

  constructor(
    readonly weights: NcfWeights,
    readonly factors: number,
    readonly mlpFactors: number,
  ) {}

  get itemCount(): number {
    return this.weights.itemGmf.length / this.factors;
  }

  /** Logits for every movie. The item half of layer 1 is the same for every user, so it is computed once. */
  scoreUser(user: number, _history: UserHistory, out: Float32Array): void {
    const { factors: f, mlpFactors: m, weights: w } = this;
    const half = m >> 1;
    this.itemHidden ??= this.itemLayerOne();
    const userGmf = user >= 0 ? w.userGmf.subarray(user * f, (user + 1) * f) : meanRow(w.userGmf, f);
    const userMlp = user >= 0 ? w.userMlp.subarray(user * m, (user + 1) * m) : meanRow(w.userMlp, m);
    const userHidden = new Float64Array(m);
    for (let o = 0; o < m; o++) {
      let sum = w.b1[o] as number;
      for (let k = 0; k < m; k++) sum += (w.w1[o * 2 * m + k] as number) * (userMlp[k] as number);
      userHidden[o] = sum;
    }
    // The GMF part of the output: Σ_d wOut_d · pᵤd · qᵢd = qᵢ · (wOut ⊙ pᵤ).
    const gmfWeights = new Float64Array(f);
    for (let d = 0; d < f; d++) gmfWeights[d] = (w.wOut[d] as number) * (userGmf[d] as number);
    const z1 = new Float64Array(m);
    for (let i = 0; i < this.itemCount; i++) {
      let logit = w.bOut[0] as number;
      for (let d = 0; d < f; d++) logit += (gmfWeights[d] as number) * (w.itemGmf[i * f + d] as number);
      for (let o = 0; o < m; o++)
        z1[o] = Math.max(0, (userHidden[o] as number) + (this.itemHidden[i * m + o] as number));
      for (let o = 0; o < half; o++) {
        let sum = w.b2[o] as number;
        for (let k = 0; k < m; k++) sum += (w.w2[o * m + k] as number) * (z1[k] as number);
        if (sum > 0) logit += (w.wOut[f + o] as number) * sum;
      }
      out[i] = logit;
    }
  }

  similarItems(item: number, out: Float32Array): void {
    cosineToAll(this.weights.itemGmf, this.factors, item, out);
  }

  private itemLayerOne(): Float32Array {
    const { mlpFactors: m, weights: w } = this;
    const hidden = new Float32Array(this.itemCount * m);
    for (let i = 0; i < this.itemCount; i++) {
      for (let o = 0; o < m; o++) {
        let sum = 0;
        for (let k = 0; k < m; k++)
          sum += (w.w1[o * 2 * m + m + k] as number) * (w.itemMlp[i * m + k] as number);
        hidden[i * m + o] = sum;
      }
    }
    return hidden;
  }

  tensors(): Record<string, Tensor> {
    const { factors: f, mlpFactors: m, weights: w } = this;
    const users = w.userGmf.length / f;
    return {
      user_gmf: f32([users, f], w.userGmf),
      item_gmf: f32([this.itemCount, f], w.itemGmf),
      user_mlp: f32([users, m], w.userMlp),
      item_mlp: f32([this.itemCount, m], w.itemMlp),
      w1: f32([m, 2 * m], w.w1),
      b1: f32([m], w.b1),
      w2: f32([m >> 1, m], w.w2),
      b2: f32([m >> 1], w.b2),
      w_out: f32([f + (m >> 1)], w.wOut),
      b_out: f32([1], w.bOut),
    };
  }

  static load(tensors: Record<string, Tensor>): NcfModel {
    const data = (name: string) => tensors[name]?.data as Float32Array;
    return new NcfModel(
      {
        userGmf: data('user_gmf'),
        itemGmf: data('item_gmf'),
        userMlp: data('user_mlp'),
        itemMlp: data('item_mlp'),
        w1: data('w1'),
        b1: data('b1'),
        w2: data('w2'),
        b2: data('b2'),
        wOut: data('w_out'),
        bOut: data('b_out'),
      },
      tensors.item_gmf?.shape[1] ?? 0,
      tensors.item_mlp?.shape[1] ?? 0,
    );
  }
}

export async function trainNcf(
  data: TrainingData,
  params: NcfParams,
  context: TrainingContext,
): Promise<NcfModel> {
  const { byUser } = data.matrix;
  const f = params.factors;
  const m = params.mlp_factors - (params.mlp_factors % 2);
  const half = m >> 1;
  const random = new SeededRandom(params.seed);
  const normal = (scale: number) => () => random.normal() * scale;
  const w: NcfWeights = {
    userGmf: Float32Array.from({ length: byUser.rows * f }, normal(0.01)),
    itemGmf: Float32Array.from({ length: byUser.cols * f }, normal(0.01)),
    userMlp: Float32Array.from({ length: byUser.rows * m }, normal(0.01)),
    itemMlp: Float32Array.from({ length: byUser.cols * m }, normal(0.01)),
    w1: Float32Array.from({ length: m * 2 * m }, normal(Math.sqrt(2 / (2 * m)))),
    b1: new Float32Array(m),
    w2: Float32Array.from({ length: half * m }, normal(Math.sqrt(2 / m))),
    b2: new Float32Array(half),
    wOut: Float32Array.from({ length: f + half }, normal(Math.sqrt(1 / (f + half)))),
    bOut: new Float32Array(1),
  };
  const userOfSlot = rowOfEachSlot(byUser);
  const positives = byUser.indices.length;
  const order = Int32Array.from({ length: positives }, (_, slot) => slot);
  // Scratch space for one forward/backward pass.
  const z0 = new Float64Array(2 * m);
  const z1 = new Float64Array(m);
  const z2 = new Float64Array(half);
  const g1 = new Float64Array(m);
  const g2 = new Float64Array(half);
  const reg = params.reg;
  // Adam (Kingma & Ba 2015), one update per sample; embeddings are updated lazily (only the rows a sample
  // touches move), the shared layers every sample. Bias-corrected step size, computed once per sample.
  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-8;
  const moments = new Map<Float32Array, { m: Float32Array; v: Float32Array }>();
  for (const array of Object.values(w) as Float32Array[])
    moments.set(array, { m: new Float32Array(array.length), v: new Float32Array(array.length) });
  let beta1Power = 1;
  let beta2Power = 1;
  let stepSize = params.learning_rate;
  const update = (param: Float32Array, index: number, gradient: number): void => {
    const moment = moments.get(param) as { m: Float32Array; v: Float32Array };
    const m1 = beta1 * (moment.m[index] as number) + (1 - beta1) * gradient;
    const v1 = beta2 * (moment.v[index] as number) + (1 - beta2) * gradient * gradient;
    moment.m[index] = m1;
    moment.v[index] = v1;
    param[index] = (param[index] as number) - (stepSize * m1) / (Math.sqrt(v1) + epsilon);
  };

  const step = (u: number, i: number, label: number): number => {
    beta1Power *= beta1;
    beta2Power *= beta2;
    stepSize = (params.learning_rate * Math.sqrt(1 - beta2Power)) / (1 - beta1Power);
    const ub = u * f;
    const ib = i * f;
    const um = u * m;
    const im = i * m;
    for (let k = 0; k < m; k++) {
      z0[k] = w.userMlp[um + k] as number;
      z0[m + k] = w.itemMlp[im + k] as number;
    }
    for (let o = 0; o < m; o++) {
      let sum = w.b1[o] as number;
      const row = o * 2 * m;
      for (let k = 0; k < 2 * m; k++) sum += (w.w1[row + k] as number) * (z0[k] as number);
      z1[o] = sum > 0 ? sum : 0;
    }
    let logit = w.bOut[0] as number;
    for (let o = 0; o < half; o++) {
      let sum = w.b2[o] as number;
      for (let k = 0; k < m; k++) sum += (w.w2[o * m + k] as number) * (z1[k] as number);
      z2[o] = sum > 0 ? sum : 0;
      logit += (w.wOut[f + o] as number) * (z2[o] as number);
    }
    for (let d = 0; d < f; d++)
      logit += (w.wOut[d] as number) * (w.userGmf[ub + d] as number) * (w.itemGmf[ib + d] as number);
    const probability = 1 / (1 + Math.exp(-logit));
    const g = probability - label; // ∂ BCE / ∂ logit
    // Backward, updating as we go (each weight's gradient is taken before it changes).
    for (let o = 0; o < half; o++) {
      g2[o] = (z2[o] as number) > 0 ? g * (w.wOut[f + o] as number) : 0;
      update(w.wOut, f + o, g * (z2[o] as number));
    }
    for (let d = 0; d < f; d++) {
      const p = w.userGmf[ub + d] as number;
      const q = w.itemGmf[ib + d] as number;
      const out = w.wOut[d] as number;
      update(w.wOut, d, g * p * q);
      update(w.userGmf, ub + d, g * out * q + reg * p);
      update(w.itemGmf, ib + d, g * out * p + reg * q);
    }
    update(w.bOut, 0, g);
    g1.fill(0);
    for (let o = 0; o < half; o++) {
      const go = g2[o] as number;
      if (go === 0) continue;
      for (let k = 0; k < m; k++) {
        g1[k] = (g1[k] as number) + go * (w.w2[o * m + k] as number);
        update(w.w2, o * m + k, go * (z1[k] as number));
      }
      update(w.b2, o, go);
    }
    for (let o = 0; o < m; o++) {
      const go = (z1[o] as number) > 0 ? (g1[o] as number) : 0;
      if (go === 0) continue;
      const row = o * 2 * m;
      for (let k = 0; k < m; k++) {
        const weightUser = w.w1[row + k] as number;
        const weightItem = w.w1[row + m + k] as number;
        update(w.userMlp, um + k, go * weightUser + reg * (w.userMlp[um + k] as number));
        update(w.itemMlp, im + k, go * weightItem + reg * (w.itemMlp[im + k] as number));
        update(w.w1, row + k, go * (z0[k] as number));
        update(w.w1, row + m + k, go * (z0[m + k] as number));
      }
      update(w.b1, o, go);
    }
    return label === 1
      ? -Math.log(Math.max(probability, 1e-12))
      : -Math.log(Math.max(1 - probability, 1e-12));
  };

  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    checkAborted(context.signal);
    for (let slot = positives - 1; slot > 0; slot--) {
      const other = Math.floor(random.next() * (slot + 1));
      const swap = order[slot] as number;
      order[slot] = order[other] as number;
      order[other] = swap;
    }
    let loss = 0;
    let count = 0;
    for (let n = 0; n < positives; n++) {
      const slot = order[n] as number;
      const u = userOfSlot[slot] as number;
      loss += step(u, byUser.indices[slot] as number, 1);
      count++;
      for (let k = 0; k < params.negatives; k++) {
        const j = Math.floor(random.next() * byUser.cols);
        if (contains(byUser, u, j)) continue;
        loss += step(u, j, 0);
        count++;
      }
    }
    await context.onProgress({ iteration: epoch, total: params.epochs, metrics: { loss: loss / count } });
    if (context.validate !== undefined && !(await context.validate(new NcfModel(w, f, m), epoch))) break;
  }
  return new NcfModel(w, f, m);
}

function meanRow(rows: Float32Array, width: number): Float64Array {
  const mean = new Float64Array(width);
  const count = rows.length / width;
  for (let r = 0; r < count; r++)
    for (let d = 0; d < width; d++) mean[d] = (mean[d] as number) + (rows[r * width + d] as number);
  for (let d = 0; d < width; d++) mean[d] = (mean[d] as number) / Math.max(1, count);
  return mean;
}
