// The transition constraints a CRF decodes BIO tags under: I-X may only follow B-X or I-X, and a
// sentence may not start with I-X. (Training does not impose them: gold data has orphan I- tags,
// 374 in Twitter-2015, and their paths must keep a finite likelihood.)
import { parseTag } from '../data/bio.js';
import type { CrfConstraints } from '../kernels/crf.js';

export function bioConstraints(tags: readonly string[]): Required<CrfConstraints> {
  const L = tags.length;
  const parsed = tags.map(parseTag);
  const allowed = new Uint8Array(L * L);
  const allowedStart = new Uint8Array(L);
  const allowedEnd = new Uint8Array(L).fill(1);
  parsed.forEach((to, j) => {
    allowedStart[j] = to.prefix === 'I' ? 0 : 1;
    parsed.forEach((from, i) => {
      const ok = to.prefix !== 'I' || (from.prefix !== 'O' && from.type === to.type);
      allowed[i * L + j] = ok ? 1 : 0;
    });
  });
  return { allowed, allowedStart, allowedEnd };
}
