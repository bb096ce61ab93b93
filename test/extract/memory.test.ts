// Bounded memory on a large input: 20 000 short posts pulled lazily from a generator, each
// carrying a 16 KiB payload. Were the pipeline to read ahead without bound (or keep records or
// results), resident memory would grow by ≥ 20 000 × 16 KiB ≈ 320 MiB; bounded to two windows
// (2 × 256 records ≈ 8 MiB of payloads) it stays flat. The bound, 96 MiB over the level reached
// after the first 2 000 posts, leaves room for allocator and GC slack while being a third of
// what an unbounded pipeline would add.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { Extractor, extract } from '../../lib/index.js';
import { tiny } from './tiny.js';

const test = suite('extract: memory');
const N = 20_000;
const PAYLOAD = 16 * 1024;
const MiB = 1024 * 1024;

test('20 000 posts through extract() keep resident memory bounded', async () => {
  const t = await tiny();
  const words = ['Paris', 'meets', 'Aurora', 'Chelsea', 'wins', 'today', '!', 'RT', '@fan', '#tbt'];
  let produced = 0;
  async function* posts() {
    for (let i = 0; i < N; i++) {
      produced++;
      yield { id: `m${i}`, tokens: words.slice(i % 5, (i % 5) + 2 + (i % 4)), payload: Buffer.alloc(PAYLOAD, i % 251) };
    }
  }
  const ex = new Extractor(extract.nerExtractionModel(t.model));
  let n = 0;
  let base = 0;
  let peak = 0;
  let maxAhead = 0;
  for await (const r of ex.extract(posts(), { batchSize: 32 })) {
    if (r.id !== `m${n}`) assert.unreachable(`result ${n} has id ${r.id}`);
    n++;
    maxAhead = Math.max(maxAhead, produced - n);
    if (n % 256 === 0) {
      const rss = process.memoryUsage().rss;
      if (n === 2048) base = rss;
      if (n > 2048) peak = Math.max(peak, rss);
    }
  }
  assert.is(n, N);
  assert.ok(maxAhead <= 2 * 256, `read at most two windows ahead of the output, read ${maxAhead}`);
  assert.ok(peak - base < 96 * MiB, `rss grew by ${((peak - base) / MiB).toFixed(1)} MiB after the first 2048 posts`);
});

test.run();
