/**
 * A zeroed Float32Array of `n` elements when n is a valid length; otherwise an empty one, so that
 * the native argument check reports the bad size precisely instead of a generic JS error.
 */
export function zeros(n: number): Float32Array {
  return Number.isSafeInteger(n) && n >= 0 && n <= 2 ** 31 ? new Float32Array(n) : new Float32Array(0);
}

/**
 * An uninitialised Float32Array of `n` elements (Node's Buffer.allocUnsafe underneath: no
 * zero-fill, which for the large gradient buffers of the losses cost as much as a tenth of the
 * call), for outputs the native call writes in full; `zeros(n)` semantics for a bad n.
 */
export function uninitialized(n: number): Float32Array {
  if (!(Number.isSafeInteger(n) && n >= 0 && n <= 2 ** 31)) return new Float32Array(0);
  const bytes = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, n);
}
