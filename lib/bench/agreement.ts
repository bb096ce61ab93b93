// How close a low-precision output is to its fp32 reference, row by row (a row = one token's
// hidden state): the smallest and mean cosine, and the largest error relative to the largest
// reference value. Used by the precision tests, benchmark and README figures alike.

export interface Agreement {
  minCos: number;
  meanCos: number;
  /** max |got − ref| / max |ref| */
  maxRelErr: number;
}

/** got and ref hold rows of `width` values; `keep(row)` false skips a row (padding). */
export function agreement(got: ArrayLike<number>, ref: ArrayLike<number>, width: number, keep: (row: number) => boolean = () => true): Agreement {
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!));
  let minCos = 1, sumCos = 0, rows = 0, maxRelErr = 0;
  for (let r = 0; (r + 1) * width <= Math.min(got.length, ref.length); r++) {
    if (!keep(r)) continue;
    let dot = 0, na = 0, nb = 0;
    for (let j = r * width; j < (r + 1) * width; j++) {
      dot += got[j]! * ref[j]!;
      na += got[j]! ** 2;
      nb += ref[j]! ** 2;
      maxRelErr = Math.max(maxRelErr, Math.abs(got[j]! - ref[j]!) / scale);
    }
    if (na === 0 && nb === 0) continue; // a padded position: 0 in both (inference does not compute it)
    const c = na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
    minCos = Math.min(minCos, c);
    sumCos += c;
    rows++;
  }
  return { minCos, meanCos: rows ? sumCos / rows : 1, maxRelErr };
}
