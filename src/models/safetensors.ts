import { MlopsError } from '../errors/index.js';
import type { Tensor } from './model.js';

const BYTES = { F32: 4, F64: 8, I32: 4 } as const;
const ARRAYS = { F32: Float32Array, F64: Float64Array, I32: Int32Array } as const;
// Any header larger than this is a damaged or hostile file, not a model.
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * Encodes tensors in the safetensors format (an 8-byte little-endian header length, a JSON header of
 * dtype/shape/offsets, then the raw little-endian bytes), readable by Python's `safetensors` and numpy.
 * Tensors are laid out in name order, so the same tensors always give the same bytes.
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Buffer {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const tensor = tensors[name] as Tensor;
    const expected = tensor.shape.reduce((product, size) => product * size, 1);
    if (expected !== tensor.data.length)
      throw new Error(
        `tensor ${name} has ${tensor.data.length} values but shape [${tensor.shape}] needs ${expected}`,
      );
    const size = tensor.data.length * BYTES[tensor.dtype];
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keeps the data 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const file = Buffer.alloc(8 + headerBytes.length + offset);
  file.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(file, 8);
  let position = 8 + headerBytes.length;
  for (const name of names) {
    const data = (tensors[name] as Tensor).data;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    bytes.copy(file, position);
    position += bytes.length;
  }
  return file;
}

/** Decodes a safetensors file, checking every offset; `source` names the file in errors. */
export function decodeSafetensors(
  file: Buffer,
  source = 'model.safetensors',
): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const fail = (reason: string) =>
    new MlopsError(
      'MLOPS_ERR_MODEL_ARTIFACT_INVALID',
      `${source} is not a valid safetensors file: ${reason}`,
    );
  if (file.length < 8) throw fail('shorter than its 8-byte header length');
  const headerLength = Number(file.readBigUInt64LE(0));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > file.length)
    throw fail(`header length ${headerLength} exceeds the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw fail('the header is not JSON');
  }
  const dataStart = 8 + headerLength;
  const dataLength = file.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = entry.dtype as keyof typeof BYTES;
    if (!(dtype in BYTES)) throw fail(`tensor ${name} has unsupported dtype ${String(entry.dtype)}`);
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    if (!Array.isArray(shape) || !shape.every((size) => Number.isInteger(size) && size >= 0))
      throw fail(`tensor ${name} has an invalid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2)
      throw fail(`tensor ${name} has invalid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((product, size) => product * size, 1);
    if (
      !(
        Number.isInteger(begin) &&
        Number.isInteger(end) &&
        begin >= 0 &&
        end <= dataLength &&
        end - begin === count * BYTES[dtype]
      )
    )
      throw fail(`tensor ${name}'s data_offsets [${begin}, ${end}] do not match its shape or the file`);
    // Copy into an aligned buffer: typed arrays cannot view unaligned bytes.
    const bytes = new Uint8Array(end - begin);
    bytes.set(file.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { dtype, shape: shape as number[], data: new ARRAYS[dtype](bytes.buffer) } as Tensor;
  }
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  return { tensors, metadata };
}
