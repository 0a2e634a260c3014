import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { type InteractionPairs, pairsOfLength } from './interactions.js';

/**
 * A watch-log version's interaction pairs as raw typed arrays beside its cached Parquet file. A version's
 * content never changes (its id is its hash), so the pairs DuckDB aggregated once are read back at every
 * later serving start or training in milliseconds instead of aggregating the file again. Layout: an
 * 8-byte tag, the pair count as a float64, then userId (int32), movieId (int32), count (float32), firstAt
 * and lastAt (float64), each `count` long. A file of any other size is ignored (and rewritten).
 */
const TAG = Buffer.from('MLPAIRS1');
const HEADER_BYTES = 16;
const BYTES_PER_PAIR = 4 + 4 + 4 + 8 + 8;

function columnsOf(pairs: InteractionPairs): ArrayBufferView[] {
  return [pairs.userId, pairs.movieId, pairs.count, pairs.firstAt, pairs.lastAt];
}

/** The cached pairs, or undefined when the file is missing, of another format or cut short. */
export async function readCachedPairs(file: string): Promise<InteractionPairs | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    await readFully(handle, header, 0);
    const length = header.readDoubleLE(8);
    const { size } = await handle.stat();
    if (
      !header.subarray(0, 8).equals(TAG) ||
      !Number.isSafeInteger(length) ||
      length < 0 ||
      size !== HEADER_BYTES + length * BYTES_PER_PAIR
    )
      return undefined;
    const pairs: InteractionPairs = pairsOfLength(length);
    let position = HEADER_BYTES;
    for (const column of columnsOf(pairs)) {
      await readFully(handle, new Uint8Array(column.buffer, column.byteOffset, column.byteLength), position);
      position += column.byteLength;
    }
    return pairs;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Writes the pairs (to a temporary file renamed into place: a reader never sees half a file). */
export async function writeCachedPairs(file: string, pairs: InteractionPairs): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}-${randomUUID()}`;
  const handle = await open(temporary, 'w');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    TAG.copy(header);
    header.writeDoubleLE(pairs.length, 8);
    await handle.write(header);
    for (const column of columnsOf(pairs))
      await handle.write(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

async function readFully(
  handle: Awaited<ReturnType<typeof open>>,
  into: Uint8Array,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await handle.read(into, done, into.byteLength - done, position + done);
    if (bytesRead === 0) throw new Error('the cached pairs end early');
    done += bytesRead;
  }
}
