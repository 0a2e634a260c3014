/**
 * Scoring alone, in process, for bench/serving.ts: one user's top 10 unseen movies over the served
 * model's catalogue, three ways — exact (every movie scored by the SIMD kernel), the serving's own
 * approximate index (`ItemIndex`, inverted file scanned by the same kernel), and a maintained HNSW library
 * (usearch, inner-product metric) — each with its build time, time per query and recall of the exact top 10.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Index as UsearchIndex } from 'usearch';
import { decodeSafetensors, FactorScorer, topK } from '../src/models/index.js';
import { ItemIndex } from '../src/serving/item-index.js';

export interface ScoringMethod {
  name: string;
  build_seconds: number;
  ms_per_query: number;
  recall_at_10: number;
}

const QUERIES = 2000;
const K = 10;

/** Reads the reference peer's copy of the model (`model.safetensors`, `seen.safetensors`) and compares. */
export async function compareScoring(
  referenceDir: string,
): Promise<{ queries: number; methods: ScoringMethod[] }> {
  const model = decodeSafetensors(readFileSync(path.join(referenceDir, 'model.safetensors'))).tensors;
  const seen = decodeSafetensors(readFileSync(path.join(referenceDir, 'seen.safetensors'))).tensors;
  const items = model.item_factors?.data as Float32Array;
  const users = model.user_factors?.data as Float32Array;
  const f = model.item_factors?.shape[1] as number;
  const itemCount = items.length / f;
  const userCount = users.length / f;
  const indptr = seen.indptr?.data as Int32Array;
  const indices = seen.indices?.data as Int32Array;
  const userOf = (query: number) => (query * 7_919) % userCount;
  const vectorOf = (user: number) => users.subarray(user * f, (user + 1) * f);
  const seenOf = (user: number) => indices.subarray(indptr[user], indptr[user + 1]);

  const timed = (search: (user: number) => ArrayLike<number>) => {
    const answers: ArrayLike<number>[] = [];
    const started = performance.now();
    for (let query = 0; query < QUERIES; query++) answers.push(search(userOf(query)));
    return { answers, ms: (performance.now() - started) / QUERIES };
  };
  const recall = (answers: ArrayLike<number>[], truth: ArrayLike<number>[]) => {
    let found = 0;
    let wanted = 0;
    truth.forEach((list, query) => {
      const got = new Set(Array.from(answers[query] ?? []));
      wanted += list.length;
      for (const item of Array.from(list)) if (got.has(item)) found++;
    });
    return found / wanted;
  };

  let started = performance.now();
  const exactScorer = await FactorScorer.create(items, f);
  const exactBuild = (performance.now() - started) / 1000;
  const scores = new Float32Array(itemCount);
  const exact = timed((user) => {
    exactScorer.score(vectorOf(user), scores);
    return topK(scores, K, seenOf(user)).indices;
  });

  started = performance.now();
  const index = await ItemIndex.build(items, f, {
    recallTarget: 0.97,
    sampleQueries: Array.from({ length: 256 }, (_, slot) => {
      const user = Math.floor((slot * userCount) / 256);
      return { vector: vectorOf(user), excluded: seenOf(user) };
    }),
  });
  const indexBuild = (performance.now() - started) / 1000;
  const ours =
    index === undefined
      ? undefined
      : timed((user) => index.search(vectorOf(user), K, seenOf(user))?.indices ?? new Int32Array(0));

  started = performance.now();
  const hnsw = new UsearchIndex({
    dimensions: f,
    metric: 'ip',
    quantization: 'f32',
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 64,
  } as ConstructorParameters<typeof UsearchIndex>[0]);
  hnsw.add(
    BigUint64Array.from({ length: itemCount }, (_, item) => BigInt(item)),
    items,
    2,
  );
  const hnswBuild = (performance.now() - started) / 1000;
  const seenMark = new Uint8Array(itemCount);
  const library = timed((user) => {
    const watched = seenOf(user);
    // No filter in the library's JavaScript API: ask for enough to drop the seen movies afterwards.
    const matches = hnsw.search(vectorOf(user), K + watched.length, 1);
    for (const item of watched) seenMark[item] = 1;
    const kept: number[] = [];
    for (const key of matches.keys) {
      const item = Number(key);
      if (seenMark[item] === 0) kept.push(item);
      if (kept.length === K) break;
    }
    for (const item of watched) seenMark[item] = 0;
    return kept;
  });

  const methods: ScoringMethod[] = [
    {
      name: 'exact (SIMD kernel, every movie)',
      build_seconds: exactBuild,
      ms_per_query: exact.ms,
      recall_at_10: 1,
    },
  ];
  if (ours !== undefined && index !== undefined)
    methods.push({
      name: `movie-mlops index (IVF, ${index.summary.lists} lists, ${index.summary.probes} probed)`,
      build_seconds: indexBuild,
      ms_per_query: ours.ms,
      recall_at_10: recall(ours.answers, exact.answers),
    });
  methods.push({
    name: 'usearch 2.25 HNSW (M 16, ef 64, inner product)',
    build_seconds: hnswBuild,
    ms_per_query: library.ms,
    recall_at_10: recall(library.answers, exact.answers),
  });
  return { queries: QUERIES, methods };
}
