import { sqlString, withDuckDb } from '../data/index.js';
import { ValidationError } from '../errors/index.js';

/**
 * The watch log reduced to one entry per (user, movie) pair: implicit feedback for recommenders. Rows are
 * grouped by user (pairs of a user are contiguous, in the order of their first watch).
 */
export interface InteractionPairs {
  length: number;
  userId: Int32Array;
  movieId: Int32Array;
  /** How many times the user watched the movie: the implicit-feedback strength. */
  count: Float32Array;
  /** First and last watch, ms since the epoch. */
  firstAt: Float64Array;
  lastAt: Float64Array;
}

/** `length` pairs, every field zero: to be filled in place. */
export function pairsOfLength(length: number): InteractionPairs {
  return {
    length,
    userId: new Int32Array(length),
    movieId: new Int32Array(length),
    count: new Float32Array(length),
    firstAt: new Float64Array(length),
    lastAt: new Float64Array(length),
  };
}

/**
 * Reads a watch-log Parquet file into pairs, aggregated by DuckDB. A user's movies started at the same
 * moment keep the order of the file (the importer keeps the source's line order), never the movie id's:
 * on ml-100k-like data most of a user's ratings share one second, and an id order would push the
 * higher-id, less popular movies into the time split's hold-out.
 */
export async function readInteractionPairs(file: string): Promise<InteractionPairs> {
  return withDuckDb(async (connection) => {
    // Streamed chunk by chunk into typed arrays: at 20M watches a materialized result plus JavaScript
    // arrays of numbers held several gigabytes.
    const result = await connection.stream(
      `select user_id, content_id, count(*)::DOUBLE as n,
         epoch_ms(min("timestamp"))::DOUBLE as first_at, epoch_ms(max("timestamp"))::DOUBLE as last_at
       from read_parquet(${sqlString(file)}, file_row_number = true)
       where user_id is not null and content_id is not null and "timestamp" is not null
       group by user_id, content_id
       order by user_id, first_at, min(file_row_number)`,
    );
    const chunks: {
      users: Int32Array;
      movies: Int32Array;
      counts: Float32Array;
      firsts: Float64Array;
      lasts: Float64Array;
    }[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const column = (index: number) => chunk.getColumnValues(index) as number[];
      chunks.push({
        users: Int32Array.from(column(0)),
        movies: Int32Array.from(column(1)),
        counts: Float32Array.from(column(2)),
        firsts: Float64Array.from(column(3)),
        lasts: Float64Array.from(column(4)),
      });
    }
    const length = chunks.reduce((sum, chunk) => sum + chunk.users.length, 0);
    const pairs: InteractionPairs = pairsOfLength(length);
    let offset = 0;
    for (const chunk of chunks) {
      pairs.userId.set(chunk.users, offset);
      pairs.movieId.set(chunk.movies, offset);
      pairs.count.set(chunk.counts, offset);
      pairs.firstAt.set(chunk.firsts, offset);
      pairs.lastAt.set(chunk.lasts, offset);
      offset += chunk.users.length;
    }
    return pairs;
  });
}

/** Builds pairs from rows (tests, small inputs); duplicates are summed and ties ordered like the Parquet reader does. */
export function pairsFromRows(
  rows: readonly { userId: number; movieId: number; at: number; count?: number }[],
): InteractionPairs {
  const merged = new Map<
    string,
    { userId: number; movieId: number; count: number; first: number; last: number; order: number }
  >();
  for (const row of rows) {
    const key = `${row.userId}:${row.movieId}`;
    const entry = merged.get(key);
    if (entry === undefined) {
      merged.set(key, {
        userId: row.userId,
        movieId: row.movieId,
        count: row.count ?? 1,
        first: row.at,
        last: row.at,
        order: merged.size,
      });
    } else {
      entry.count += row.count ?? 1;
      entry.first = Math.min(entry.first, row.at);
      entry.last = Math.max(entry.last, row.at);
    }
  }
  const sorted = [...merged.values()].sort(
    (a, b) => a.userId - b.userId || a.first - b.first || a.order - b.order,
  );
  return {
    length: sorted.length,
    userId: Int32Array.from(sorted, (entry) => entry.userId),
    movieId: Int32Array.from(sorted, (entry) => entry.movieId),
    count: Float32Array.from(sorted, (entry) => entry.count),
    firstAt: Float64Array.from(sorted, (entry) => entry.first),
    lastAt: Float64Array.from(sorted, (entry) => entry.last),
  };
}

/** Maps external ids (user_id, movie_id) to dense indices 0..n-1 and back. */
export class IdMap {
  private readonly indexOf: Map<number, number>;

  constructor(readonly ids: Int32Array) {
    this.indexOf = new Map();
    ids.forEach((id, index) => {
      this.indexOf.set(id, index);
    });
  }

  static fromValues(values: Int32Array): IdMap {
    return new IdMap(Int32Array.from(new Set(values)).sort());
  }

  get size(): number {
    return this.ids.length;
  }

  index(id: number): number | undefined {
    return this.indexOf.get(id);
  }
}

/**
 * A sparse user × item matrix in compressed-row form (and its transpose), the input of every algorithm.
 * Row u lists the items of user u in `indices[indptr[u]..indptr[u+1]]`, sorted, with their counts.
 */
export interface SparseMatrix {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export interface InteractionMatrix {
  users: IdMap;
  items: IdMap;
  /** Users × items. */
  byUser: SparseMatrix;
  /** Items × users. */
  byItem: SparseMatrix;
}

/** The matrix of `pairs` over the given id maps (pairs whose ids are not in the maps are dropped). */
export function buildMatrix(pairs: InteractionPairs, users: IdMap, items: IdMap): InteractionMatrix {
  const rowOf = new Int32Array(pairs.length);
  const colOf = new Int32Array(pairs.length);
  let kept = 0;
  for (let p = 0; p < pairs.length; p++) {
    const user = users.index(pairs.userId[p] as number);
    const item = items.index(pairs.movieId[p] as number);
    if (user === undefined || item === undefined) {
      rowOf[p] = -1;
      continue;
    }
    rowOf[p] = user;
    colOf[p] = item;
    kept++;
  }
  const byUser = compress(users.size, items.size, kept, pairs, rowOf, colOf);
  return { users, items, byUser, byItem: transpose(byUser) };
}

/** A matrix over every user and movie that appears in `pairs`. */
export function matrixOf(pairs: InteractionPairs): InteractionMatrix {
  if (pairs.length === 0) {
    throw new ValidationError('the interaction dataset is empty: there is nothing to train on', {
      field: 'dataset',
    });
  }
  return buildMatrix(pairs, IdMap.fromValues(pairs.userId), IdMap.fromValues(pairs.movieId));
}

function compress(
  rows: number,
  cols: number,
  nonZeros: number,
  pairs: InteractionPairs,
  rowOf: Int32Array,
  colOf: Int32Array,
): SparseMatrix {
  const indptr = new Int32Array(rows + 1);
  for (let p = 0; p < pairs.length; p++) {
    const row = rowOf[p] as number;
    if (row >= 0) indptr[row + 1] = (indptr[row + 1] as number) + 1;
  }
  for (let row = 0; row < rows; row++)
    indptr[row + 1] = (indptr[row + 1] as number) + (indptr[row] as number);
  const indices = new Int32Array(nonZeros);
  const values = new Float32Array(nonZeros);
  const next = indptr.slice(0, rows);
  for (let p = 0; p < pairs.length; p++) {
    const row = rowOf[p] as number;
    if (row < 0) continue;
    const slot = next[row] as number;
    indices[slot] = colOf[p] as number;
    values[slot] = pairs.count[p] as number;
    next[row] = slot + 1;
  }
  const matrix = { rows, cols, indptr, indices, values };
  sortRows(matrix);
  return matrix;
}

/** Sorts each row's entries by column, so lookups can binary-search and results are deterministic. */
function sortRows(matrix: SparseMatrix): void {
  for (let row = 0; row < matrix.rows; row++) {
    const start = matrix.indptr[row] as number;
    const end = matrix.indptr[row + 1] as number;
    if (end - start < 2) continue;
    const order = Array.from({ length: end - start }, (_, offset) => start + offset).sort(
      (a, b) => (matrix.indices[a] as number) - (matrix.indices[b] as number),
    );
    const columns = order.map((slot) => matrix.indices[slot] as number);
    const values = order.map((slot) => matrix.values[slot] as number);
    matrix.indices.set(columns, start);
    matrix.values.set(values, start);
  }
}

export function transpose(matrix: SparseMatrix): SparseMatrix {
  const indptr = new Int32Array(matrix.cols + 1);
  for (const column of matrix.indices) indptr[column + 1] = (indptr[column + 1] as number) + 1;
  for (let column = 0; column < matrix.cols; column++)
    indptr[column + 1] = (indptr[column + 1] as number) + (indptr[column] as number);
  const indices = new Int32Array(matrix.indices.length);
  const values = new Float32Array(matrix.indices.length);
  const next = indptr.slice(0, matrix.cols);
  // Rows are visited in order, so each transposed row comes out sorted.
  for (let row = 0; row < matrix.rows; row++) {
    for (let slot = matrix.indptr[row] as number; slot < (matrix.indptr[row + 1] as number); slot++) {
      const column = matrix.indices[slot] as number;
      const target = next[column] as number;
      indices[target] = row;
      values[target] = matrix.values[slot] as number;
      next[column] = target + 1;
    }
  }
  return { rows: matrix.cols, cols: matrix.rows, indptr, indices, values };
}

/** Item indices of one row (a view, not a copy). */
export function rowItems(matrix: SparseMatrix, row: number): Int32Array {
  return matrix.indices.subarray(matrix.indptr[row], matrix.indptr[row + 1]);
}

export function rowValues(matrix: SparseMatrix, row: number): Float32Array {
  return matrix.values.subarray(matrix.indptr[row], matrix.indptr[row + 1]);
}
