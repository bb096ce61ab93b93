// Hidden-state agreement of the bf16 / int8 encoders with fp32 (the README's precision table):
// BERT-base (32 × 64 tokens, with padding) and ViT-B/16 (8 × 224²) with random HF-initialised
// weights (N(0, 0.02²), LayerNorm 1/0, biases 0), the benchmark's inputs. Prints, per model and
// precision, the per-token cosine (min and mean, padding excluded) and the largest error relative
// to the largest fp32 value, as a Markdown table (or JSON lines with --json).
//   npx tsx scripts/experiments/precision-agreement.ts [--json]
import { bertInputs, hashed } from '../../bench/inputs.js';
import { agreement } from '../../lib/bench/agreement.js';
import { BertEncoder, VitEncoder } from '../../lib/encoders/index.js';
import { availablePrecisions, type Precision } from '../../lib/precision.js';

interface Row {
  model: string;
  precision: Precision;
  minCos: number;
  meanCos: number;
  maxRelErr: number;
}

function compare(model: string, precision: Precision, got: Float32Array, ref: Float32Array, width: number, keep: (row: number) => boolean): Row {
  return { model, precision, ...agreement(got, ref, width, keep) };
}

const rows: Row[] = [];
const lows = (['bf16', 'int8'] as const).filter((p) => availablePrecisions().includes(p));
if (lows.length < 2) process.stderr.write(`note: this CPU lacks the kernels of ${(['bf16', 'int8'] as const).filter((p) => !lows.includes(p)).join(', ')}\n`);

const bert = await BertEncoder.random({}, 1, { pooler: false });
const x = bertInputs(32, 64, bert.config.vocab_size);
const bertRef = (await bert.forward(x)).lastHiddenState;
for (const p of lows) {
  const got = (await bert.forward({ ...x, precision: p })).lastHiddenState;
  rows.push(compare('BERT-base, 32 × 64 tokens', p, got, bertRef, 768, (r) => x.attentionMask[r] === 1));
}
bert.dispose();

const vit = await VitEncoder.random({}, 2);
const pixels = hashed(8 * 3 * 224 * 224);
const vitRef = (await vit.forward({ pixels, batch: 8 })).lastHiddenState;
for (const p of lows) {
  const got = (await vit.forward({ pixels, batch: 8, precision: p })).lastHiddenState;
  rows.push(compare('ViT-B/16, 8 × 224²', p, got, vitRef, 768, () => true));
}
vit.dispose();

if (process.argv.includes('--json')) {
  for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  const out = ['| model | precision | min cosine | mean cosine | max rel. error |', '|---|---|---:|---:|---:|'];
  for (const r of rows) out.push(`| ${r.model} | ${r.precision} | ${r.minCos.toFixed(6)} | ${r.meanCos.toFixed(6)} | ${r.maxRelErr.toExponential(2)} |`);
  process.stdout.write(`${out.join('\n')}\n`);
}
