// safetensors, read and written by hand: u64 little-endian header length N, N bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}), then the raw data
// (offsets relative to the end of the header).
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

import { DTYPE_BYTES, type FloatDtype, fromFloat32, isFloatDtype, toFloat32 } from './dtype.js';
import { CheckpointError } from './errors.js';

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

const MAX_HEADER = 100 * 1024 * 1024;
/** More dimensions than any model tensor has: a shape longer than this is corrupt. */
const MAX_NDIM = 8;

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The product of sizes, or undefined when it passes 2^53 (no file holds that many bytes). */
export function checkedProduct(sizes: readonly number[]): number | undefined {
  let n = 1;
  for (const x of sizes) {
    n *= x;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

/** An open safetensors file: its tensor table, read lazily one tensor at a time. */
export class SafetensorsFile {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly tensors: Map<string, TensorInfo>,
    readonly metadata: Record<string, string>,
  ) {}

  static async open(path: string): Promise<SafetensorsFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw new CheckpointError(`${path}: cannot open (${(err as Error).message})`, 'SHAPCA_CHECKPOINT_NOT_FOUND', path);
    }
    try {
      const { tensors, metadata } = await readHeader(path, fh);
      return new SafetensorsFile(path, fh, tensors, metadata);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Reads one tensor as float32 (F16 and BF16 converted) into out (allocated when absent). */
  async read(name: string, out?: Float32Array): Promise<Float32Array> {
    const t = this.tensors.get(name);
    if (!t) throw new CheckpointError(`${this.path}: no tensor ${name}`, 'SHAPCA_CHECKPOINT_MISSING_TENSOR', this.path, name);
    if (!isFloatDtype(t.dtype)) {
      throw new CheckpointError(
        `${this.path}: expected F32, F16 or BF16 for tensor ${name} but it is ${t.dtype}`,
        'SHAPCA_CHECKPOINT_DTYPE', this.path, name,
      );
    }
    const numel = (t.end - t.begin) / (DTYPE_BYTES[t.dtype] as number);  // checked against the shape when the header was read
    const target = out ?? new Float32Array(numel);
    if (target.length !== numel) throw new RangeError(`read ${name}: expected a Float32Array of ${numel} elements`);
    if (t.dtype === 'F32') {
      await this.readBytes(new Uint8Array(target.buffer, target.byteOffset, numel * 4), t.begin, name);
    } else {
      const raw = new Uint16Array(numel);
      await this.readBytes(new Uint8Array(raw.buffer), t.begin, name);
      toFloat32(t.dtype as 'F16' | 'BF16', raw, target);
    }
    return target;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  private async readBytes(into: Uint8Array, position: number, name: string): Promise<void> {
    let done = 0;
    while (done < into.length) {
      const { bytesRead } = await this.fh.read(into, done, into.length - done, position + done);
      if (bytesRead === 0) {
        throw new CheckpointError(`${this.path}: file truncated inside tensor ${name}`, 'SHAPCA_CHECKPOINT_TRUNCATED', this.path, name);
      }
      done += bytesRead;
    }
  }
}

async function readHeader(
  path: string,
  fh: FileHandle,
): Promise<{ tensors: Map<string, TensorInfo>; metadata: Record<string, string> }> {
  const size = (await fh.stat()).size;
  const bad = (msg: string, tensor?: string) => new CheckpointError(`${path}: ${msg}`, 'SHAPCA_CHECKPOINT_HEADER', path, tensor);
  if (size < 8) {
    throw new CheckpointError(`${path}: file is ${size} bytes, too short for a safetensors header`, 'SHAPCA_CHECKPOINT_TRUNCATED', path);
  }
  const lenBuf = Buffer.alloc(8);
  await fh.read(lenBuf, 0, 8, 0);
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen > MAX_HEADER || headerLen < 2) throw bad(`header length ${headerLen} is not a safetensors header (file of ${size} bytes)`);
  if (8 + headerLen > size) {
    throw new CheckpointError(
      `${path}: header of ${headerLen} bytes runs past the end of the file (${size} bytes): truncated file`,
      'SHAPCA_CHECKPOINT_TRUNCATED', path,
    );
  }
  const headerBuf = Buffer.alloc(headerLen);
  await fh.read(headerBuf, 0, headerLen, 8);
  let header: unknown;
  try {
    header = JSON.parse(headerBuf.toString('utf8'));
  } catch (err) {
    throw bad(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataSize = size - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw bad(`entry of tensor ${name} is not an object`, name);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) {
      throw bad(`tensor ${name} has unknown dtype ${JSON.stringify(e.dtype)}`, name);
    }
    if (!Array.isArray(e.shape) || e.shape.length > MAX_NDIM || !e.shape.every(isSize)) throw bad(`tensor ${name} has a malformed shape ${JSON.stringify(e.shape)}`, name);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !isSize(offs[0]) || !isSize(offs[1]) || offs[1] < offs[0]) {
      throw bad(`tensor ${name} has malformed data_offsets ${JSON.stringify(offs)}`, name);
    }
    const shape = e.shape as number[];
    const [b, en] = offs as [number, number];
    const expected = checkedProduct([...shape, DTYPE_BYTES[e.dtype] as number]);
    if (expected === undefined) throw bad(`tensor ${name} has a shape [${shape.join(', ')}] too large for any file`, name);
    if (en - b !== expected) {
      throw bad(`tensor ${name} (${e.dtype} [${shape.join(', ')}]) needs ${expected} bytes but data_offsets span ${en - b}`, name);
    }
    if (en > dataSize) {
      throw new CheckpointError(
        `${path}: tensor ${name} needs bytes [${b}, ${en}) of the data section but the file holds only ${dataSize}: truncated file`,
        'SHAPCA_CHECKPOINT_TRUNCATED', path, name,
      );
    }
    tensors.set(name, { name, dtype: e.dtype, shape, begin: dataStart + b, end: dataStart + en });
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) {
    throw bad('__metadata__ is not an object of strings');
  }
  checkTiling(path, [...tensors.values()], dataStart, dataSize);
  return { tensors, metadata };
}

/**
 * The tensors must cover the data section exactly, in order of their offsets: no byte read by two
 * tensors (one write would change the other), no gap (bytes nobody accounts for), nothing after
 * the last one. This is what the safetensors format requires of writers.
 */
function checkTiling(path: string, tensors: TensorInfo[], dataStart: number, dataSize: number): void {
  const sorted = tensors.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  let at = dataStart;
  for (const t of sorted) {
    if (t.begin < at) {
      const other = sorted.find((u) => u !== t && u.begin < t.end && t.begin < u.end);
      throw new CheckpointError(`${path}: tensor ${t.name} overlaps tensor ${other?.name ?? '?'} in the data section`, 'SHAPCA_CHECKPOINT_HEADER', path, t.name);
    }
    if (t.begin > at) {
      throw new CheckpointError(`${path}: ${t.begin - at} bytes of the data section before tensor ${t.name} belong to no tensor`, 'SHAPCA_CHECKPOINT_HEADER', path, t.name);
    }
    at = t.end;
  }
  if (at !== dataStart + dataSize) {
    throw new CheckpointError(`${path}: the last ${dataStart + dataSize - at} bytes of the file belong to no tensor`, 'SHAPCA_CHECKPOINT_HEADER', path);
  }
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * Writes tensors to a safetensors file atomically (a temporary file renamed into place), as
 * F32 (default) or converted to F16 / BF16.
 */
export async function writeSafetensors(
  path: string,
  tensors: TensorToWrite[],
  o: { dtype?: FloatDtype; metadata?: Record<string, string> } = {},
): Promise<void> {
  const dtype = o.dtype ?? 'F32';
  const itemBytes = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: o.metadata ?? { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) throw new RangeError(`writeSafetensors: tensor ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + numel * itemBytes] };
    offset += numel * itemBytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);  // data section 8-byte aligned
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(head);
    await fh.write(Buffer.from(json, 'utf8'));
    for (const t of tensors) {
      const bytes = dtype === 'F32' ? new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) : new Uint8Array(fromFloat32(dtype, t.data).buffer);
      await fh.write(bytes);
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}
