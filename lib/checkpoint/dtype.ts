// Element types of safetensors files that load as float32, and the conversions.
export type FloatDtype = 'F32' | 'F16' | 'BF16';

export const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, U16: 2, U32: 4, U64: 8,
  F8_E4M3: 1, F8_E5M2: 1,
};

export function isFloatDtype(d: string): d is FloatDtype {
  return d === 'F32' || d === 'F16' || d === 'BF16';
}

let halfTable: Float32Array | undefined;

/** All 65536 half-precision values as float32 (IEEE 754 binary16, subnormals included). */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

/** Converts raw little-endian F16 / BF16 values to float32 into out. */
export function toFloat32(dtype: 'F16' | 'BF16', raw: Uint16Array, out: Float32Array): void {
  if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < raw.length; i++) bits[i] = (raw[i] as number) << 16;
    return;
  }
  const t = halfToFloatTable();
  for (let i = 0; i < raw.length; i++) out[i] = t[raw[i] as number] as number;
}

/** float32 → BF16 / F16 bits, rounding to nearest even (what torch's .to() does). */
export function fromFloat32(dtype: 'F16' | 'BF16', data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  if (dtype === 'BF16') {
    for (let i = 0; i < data.length; i++) {
      const b = bits[i] as number;
      if ((b & 0x7fffffff) > 0x7f800000) out[i] = (b >>> 16) | 0x40;  // NaN stays NaN
      else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    }
    return out;
  }
  for (let i = 0; i < data.length; i++) out[i] = floatToHalf(bits[i] as number);
  return out;
}

function floatToHalf(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rounded = mant + half - 1 + ((mant >>> shift) & 1);
    return sign | (rounded >>> shift);
  }
  const rounded = mant + 0xfff + ((mant >>> 13) & 1);
  if (rounded & 0x800000) return e + 1 >= 31 ? sign | 0x7c00 : sign | ((e + 1) << 10);
  return sign | (e << 10) | (rounded >>> 13);
}
