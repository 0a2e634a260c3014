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
  learning_rate: z.number().finite().positive().default(0.0003),
  reg: z.number().finite().min(0).default(0.01),
  /** Adam's step size is multiplied by this after every epoch (1 = constant). */
  lr_decay: z.number().finite().positive().max(1).default(1),
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
  /** Per-movie bias added to the output logit (absent from artifacts written before it: zeros). */
  itemBias: Float32Array;
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
      let logit = (w.bOut[0] as number) + (w.itemBias[i] as number);
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
      item_bias: f32([this.itemCount], w.itemBias),
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
        itemBias: data('item_bias') ?? new Float32Array(tensors.item_gmf?.shape[0] ?? 0),
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
    itemBias: new Float32Array(byUser.cols),
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
  // touches move), the shared layers every sample. First and second moments sit in one flat array per
  // tensor, so an update is plain typed-array arithmetic.
  const adam = new Map<Float32Array, Adam>();
  for (const array of Object.values(w) as Float32Array[]) adam.set(array, new Adam(array));
  const at = (array: Float32Array) => adam.get(array) as Adam;
  const [aUserGmf, aItemGmf, aUserMlp, aItemMlp] = [w.userGmf, w.itemGmf, w.userMlp, w.itemMlp].map(at) as [
    Adam,
    Adam,
    Adam,
    Adam,
  ];
  const [aW1, aB1, aW2, aB2, aOut, aBOut, aItemBias] = [
    w.w1,
    w.b1,
    w.w2,
    w.b2,
    w.wOut,
    w.bOut,
    w.itemBias,
  ].map(at) as [Adam, Adam, Adam, Adam, Adam, Adam, Adam];
  let beta1Power = 1;
  let beta2Power = 1;
  let learningRate = params.learning_rate;

  const step = (u: number, i: number, label: number): number => {
    beta1Power *= BETA1;
    beta2Power *= BETA2;
    const size = (learningRate * Math.sqrt(1 - beta2Power)) / (1 - beta1Power);
    const ub = u * f;
    const ib = i * f;
    const um = u * m;
    const im = i * m;
    const { userGmf, itemGmf, userMlp, itemMlp, w1, b1, w2, b2, wOut } = w;
    for (let k = 0; k < m; k++) {
      z0[k] = userMlp[um + k] as number;
      z0[m + k] = itemMlp[im + k] as number;
    }
    for (let o = 0; o < m; o++) {
      let sum = b1[o] as number;
      const row = o * 2 * m;
      for (let k = 0; k < 2 * m; k++) sum += (w1[row + k] as number) * (z0[k] as number);
      z1[o] = sum > 0 ? sum : 0;
    }
    let logit = (w.bOut[0] as number) + (w.itemBias[i] as number);
    for (let o = 0; o < half; o++) {
      let sum = b2[o] as number;
      for (let k = 0; k < m; k++) sum += (w2[o * m + k] as number) * (z1[k] as number);
      z2[o] = sum > 0 ? sum : 0;
      logit += (wOut[f + o] as number) * (z2[o] as number);
    }
    for (let d = 0; d < f; d++)
      logit += (wOut[d] as number) * (userGmf[ub + d] as number) * (itemGmf[ib + d] as number);
    const probability = 1 / (1 + Math.exp(-logit));
    const g = probability - label; // ∂ BCE / ∂ logit
    // Backward, updating as we go (each weight's gradient is taken before it changes).
    for (let o = 0; o < half; o++) {
      g2[o] = (z2[o] as number) > 0 ? g * (wOut[f + o] as number) : 0;
      aOut.update(f + o, g * (z2[o] as number), size);
    }
    for (let d = 0; d < f; d++) {
      const p = userGmf[ub + d] as number;
      const q = itemGmf[ib + d] as number;
      const out = wOut[d] as number;
      aOut.update(d, g * p * q, size);
      aUserGmf.update(ub + d, g * out * q + reg * p, size);
      aItemGmf.update(ib + d, g * out * p + reg * q, size);
    }
    aBOut.update(0, g, size);
    aItemBias.update(i, g, size);
    g1.fill(0);
    for (let o = 0; o < half; o++) {
      const go = g2[o] as number;
      if (go === 0) continue;
      for (let k = 0; k < m; k++) {
        g1[k] = (g1[k] as number) + go * (w2[o * m + k] as number);
        aW2.update(o * m + k, go * (z1[k] as number), size);
      }
      aB2.update(o, go, size);
    }
    for (let o = 0; o < m; o++) {
      const go = (z1[o] as number) > 0 ? (g1[o] as number) : 0;
      if (go === 0) continue;
      const row = o * 2 * m;
      for (let k = 0; k < m; k++) {
        const weightUser = w1[row + k] as number;
        const weightItem = w1[row + m + k] as number;
        aUserMlp.update(um + k, go * weightUser + reg * (userMlp[um + k] as number), size);
        aItemMlp.update(im + k, go * weightItem + reg * (itemMlp[im + k] as number), size);
        aW1.update(row + k, go * (z0[k] as number), size);
        aW1.update(row + m + k, go * (z0[m + k] as number), size);
      }
      aB1.update(o, go, size);
    }
    return label === 1
      ? -Math.log(Math.max(probability, 1e-12))
      : -Math.log(Math.max(1 - probability, 1e-12));
  };

  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    checkAborted(context.signal);
    learningRate = params.learning_rate * params.lr_decay ** (epoch - 1);
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
        // Resample a watched movie (at most a few times) so each positive gets its full share of negatives.
        let j = Math.floor(random.next() * byUser.cols);
        for (let attempt = 0; attempt < 8 && contains(byUser, u, j); attempt++)
          j = Math.floor(random.next() * byUser.cols);
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

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** Adam's moments for one tensor; `update` applies one bias-corrected step of the given size. */
class Adam {
  private readonly first: Float32Array;
  private readonly second: Float32Array;
  constructor(private readonly param: Float32Array) {
    this.first = new Float32Array(param.length);
    this.second = new Float32Array(param.length);
  }
  update(index: number, gradient: number, size: number): void {
    const m1 = BETA1 * (this.first[index] as number) + (1 - BETA1) * gradient;
    const v1 = BETA2 * (this.second[index] as number) + (1 - BETA2) * gradient * gradient;
    this.first[index] = m1;
    this.second[index] = v1;
    this.param[index] = (this.param[index] as number) - (size * m1) / (Math.sqrt(v1) + EPSILON);
  }
}

function meanRow(rows: Float32Array, width: number): Float64Array {
  const mean = new Float64Array(width);
  const count = rows.length / width;
  for (let r = 0; r < count; r++)
    for (let d = 0; d < width; d++) mean[d] = (mean[d] as number) + (rows[r * width + d] as number);
  for (let d = 0; d < width; d++) mean[d] = (mean[d] as number) / Math.max(1, count);
  return mean;
}
