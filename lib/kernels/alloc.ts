/**
 * A zeroed Float32Array of `n` elements when n is a valid length; otherwise an empty one, so that
 * the native argument check reports the bad size precisely instead of a generic JS error.
 */
export function zeros(n: number): Float32Array {
  return Number.isSafeInteger(n) && n >= 0 && n <= 2 ** 31 ? new Float32Array(n) : new Float32Array(0);
}
