// onnxruntime-node peer of bench/precision.ts, in a process of its own (its thread pool must not
// share ours): loads one ONNX graph (tools/reference/export_onnx.py), builds the benchmark's
// inputs by the same formulas, warms up, times, and prints one JSON line
// {"ms", "threads", "sample"} with the first 256 outputs for validation.
//
// usage: tsx bench/peers/ort-encoder.ts {bert|vit} MODEL.onnx THREADS REPS BATCH SEQ_OR_SIZE VOCAB
import * as ort from 'onnxruntime-node';

import { kTimedMs, kWarmupMs, median } from '../harness.js';
import { bertInputs, hashed } from '../inputs.js';

const [kind, file, threadsArg, repsArg, batchArg, nArg, vocabArg] = process.argv.slice(2);
const [threads, reps, batch, n, vocab] = [threadsArg, repsArg, batchArg, nArg, vocabArg].map(Number) as [number, number, number, number, number];

const session = await ort.InferenceSession.create(file!, {
  intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
});
const i64 = (x: Int32Array) => BigInt64Array.from(x, (v) => BigInt(v));
let feeds: Record<string, ort.Tensor>;
if (kind === 'bert') {
  const x = bertInputs(batch, n, vocab);
  feeds = {
    input_ids: new ort.Tensor('int64', i64(x.inputIds), [batch, n]),
    attention_mask: new ort.Tensor('int64', i64(x.attentionMask), [batch, n]),
    token_type_ids: new ort.Tensor('int64', i64(x.tokenTypeIds), [batch, n]),
  };
} else {
  feeds = { pixel_values: new ort.Tensor('float32', hashed(batch * 3 * n * n), [batch, 3, n, n]) };
}
const run = async () => (await session.run(feeds)).last_hidden_state!.data as Float32Array;

let out = await run();
const start = performance.now();
for (let i = 0; i < 1 || performance.now() - start < kWarmupMs; i++) out = await run();
const times: number[] = [];
const t1 = performance.now();
while (times.length < reps || performance.now() - t1 < kTimedMs) {
  const t0 = performance.now();
  out = await run();
  times.push(performance.now() - t0);
}
process.stdout.write(`${JSON.stringify({ ms: median(times), threads, sample: Array.from(out.subarray(0, 256)) })}\n`);
