// Reader for the fixtures that tools/reference/*.py writes (format in tools/reference/fixture_io.py).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type FixtureArray = Float32Array | Int32Array | Uint8Array | Float64Array;
export interface FixtureTensor {
  shape: number[];
  data: FixtureArray;
}

const FIXTURE_VERSION = 1;
const here = dirname(fileURLToPath(import.meta.url));

export function readFixture(name: string): Map<string, FixtureTensor> {
  const path = join(here, 'fixtures', name);
  const buf = readFileSync(path);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.subarray(0, 4).toString('latin1') !== 'SHFX') throw new Error(`${path}: not a SHFX fixture`);
  const version = view.getUint32(4, true);
  if (version !== FIXTURE_VERSION) throw new Error(`${path}: fixture version ${version}, expected ${FIXTURE_VERSION}`);
  const count = view.getUint32(8, true);
  let at = 12;
  const tensors = new Map<string, FixtureTensor>();
  for (let i = 0; i < count; i++) {
    const nameLen = view.getUint16(at, true);
    const tensorName = buf.subarray(at + 2, at + 2 + nameLen).toString('utf8');
    at += 2 + nameLen;
    const dtype = view.getUint8(at);
    const ndim = view.getUint8(at + 1);
    at += 2;
    const shape: number[] = [];
    for (let d = 0; d < ndim; d++, at += 4) shape.push(view.getUint32(at, true));
    const numel = shape.reduce((a, b) => a * b, 1);
    const ctor = [Float32Array, Int32Array, Uint8Array, Float64Array][dtype];
    if (!ctor) throw new Error(`${path}: ${tensorName} has unknown dtype ${dtype}`);
    const bytes = numel * ctor.BYTES_PER_ELEMENT;
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(at, at + bytes));
    at += bytes;
    tensors.set(tensorName, { shape, data: new ctor(copy.buffer) });
  }
  return tensors;
}

/** A tensor of a fixture as Float32Array (throws naming it when absent or of another type). */
export function f32(fx: Map<string, FixtureTensor>, name: string): Float32Array {
  const t = fx.get(name);
  if (!t || !(t.data instanceof Float32Array)) throw new Error(`fixture tensor ${name} missing or not float32`);
  return t.data.slice();
}

export function tensor(fx: Map<string, FixtureTensor>, name: string): FixtureTensor {
  const t = fx.get(name);
  if (!t) throw new Error(`fixture tensor ${name} missing`);
  return t;
}
