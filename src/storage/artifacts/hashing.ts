import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactBody } from './artifact-store.js';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function isInMemoryBody(body: ArtifactBody): body is Buffer | Uint8Array | string {
  return typeof body === 'string' || body instanceof Uint8Array;
}

export function toBuffer(body: Buffer | Uint8Array | string): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** Streams `body` into `file` (fsynced), hashing on the way; resolves with size and SHA-256. */
export async function writeHashed(
  body: ArtifactBody,
  file: string,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const source = isInMemoryBody(body) ? Readable.from([toBuffer(body)]) : body;
  const sink = createWriteStream(file, { flush: true });
  await pipeline(source, meter, sink);
  return { size, sha256: hash.digest('hex') };
}

/** SHA-256 of a file or stream, read in chunks. */
export async function hashStream(source: Readable | string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of typeof source === 'string' ? createReadStream(source) : source)
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}
