import type { z } from 'zod';
import type { AlgorithmName, Recommender, Tensor, TrainingContext, TrainingData } from '../model.js';
import { AlsModel, alsParams, trainAls } from './als.js';
import { BprModel, bprParams, trainBpr } from './bpr.js';
import { EaseModel, easeParams, trainEase } from './ease.js';
import { ItemKnnModel, itemKnnParams, trainItemKnn } from './item-knn.js';
import { NcfModel, ncfParams, trainNcf } from './ncf.js';
import { PopularityModel, popularityParams, trainPopularity } from './popularity.js';

/** How to train and reload one algorithm; hyperparameters are validated by its schema. */
export interface AlgorithmSpec {
  description: string;
  params: z.ZodObject;
  train(data: TrainingData, params: Record<string, unknown>, context: TrainingContext): Promise<Recommender>;
  load(tensors: Record<string, Tensor>, params: Record<string, unknown>): Recommender;
}

export const ALGORITHM_SPECS: Record<AlgorithmName, AlgorithmSpec> = {
  popularity: {
    description: 'most watched movies (optionally time-decayed); the baseline',
    params: popularityParams,
    train: async (data, params) => trainPopularity(data, popularityParams.parse(params)),
    load: (tensors) => PopularityModel.load(tensors),
  },
  'item-knn': {
    description: 'item-based collaborative filtering, cosine similarity, top-N neighbours',
    params: itemKnnParams,
    train: (data, params, context) => trainItemKnn(data, itemKnnParams.parse(params), context),
    load: (tensors) => ItemKnnModel.load(tensors),
  },
  ease: {
    description: 'EASE: closed-form item-item model from one regularised Gram-matrix inverse (items² memory)',
    params: easeParams,
    train: (data, params, context) => trainEase(data, easeParams.parse(params), context),
    load: (tensors) => EaseModel.load(tensors),
  },
  als: {
    description: 'alternating least squares for implicit feedback (conjugate gradient, worker threads)',
    params: alsParams,
    train: (data, params, context) => trainAls(data, alsParams.parse(params), context),
    load: (tensors, params) => AlsModel.load(tensors, alsParams.parse(params)),
  },
  bpr: {
    description:
      'Bayesian personalised ranking matrix factorization (SGD, negative sampling, early stopping)',
    params: bprParams,
    train: (data, params, context) => trainBpr(data, bprParams.parse(params), context),
    load: (tensors) => BprModel.load(tensors),
  },
  ncf: {
    description: 'neural collaborative filtering (GMF + MLP), Adam, early stopping on a validation split',
    params: ncfParams,
    train: (data, params, context) => trainNcf(data, ncfParams.parse(params), context),
    load: (tensors) => NcfModel.load(tensors),
  },
};

export { AlsModel } from './als.js';
