// Softmax cross-entropy kernel: loss, probabilities and accumulated gradients against a float64
// reference written from the definition, ignored rows, large logits, and bad targets.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { crossEntropyBackward, crossEntropyForward } from '../lib/kernels/cross-entropy.js';
import { ShapcaError } from '../lib/index.js';
import { assertClose, randomArray, rejects } from './helpers.js';

const test = suite('cross-entropy');

function reference(logits: Float32Array, targets: Int32Array, rows: number, cols: number, dloss: Float32Array) {
  const loss = new Float64Array(rows), probs = new Float64Array(rows * cols), dlogits = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(logits.subarray(r * cols, (r + 1) * cols));
    const mx = Math.max(...row);
    const z = row.reduce((s, x) => s + Math.exp(x - mx), 0);
    row.forEach((x, c) => (probs[r * cols + c] = Math.exp(x - mx) / z));
    const t = targets[r]!;
    if (t < 0) continue;
    loss[r] = Math.log(z) + mx - row[t]!;
    for (let c = 0; c < cols; c++) dlogits[r * cols + c] = dloss[r]! * (probs[r * cols + c]! - (c === t ? 1 : 0));
  }
  return { loss, probs, dlogits };
}

test('loss, probabilities and gradients equal the float64 definition; -1 rows are ignored', async () => {
  const rows = 9, cols = 23;
  const logits = randomArray(rows * cols, 4, 5);
  logits[2 * cols + 7] = 90; // exp would overflow without the max shift
  const targets = Int32Array.from([0, 22, 7, -1, 3, 3, 0, 11, 5]);
  const dloss = randomArray(rows, 9, 2);
  const ref = reference(logits, targets, rows, cols, dloss);
  const { loss, probs } = await crossEntropyForward(logits, targets, rows, cols);
  assertClose(loss, ref.loss, 1e-5, 1e-5, 'loss');
  assertClose(probs, ref.probs, 1e-7, 1e-5, 'probs');
  assert.is(loss[3], 0);
  const dlogits = new Float32Array(rows * cols).fill(0.5);
  await crossEntropyBackward({ dloss, probs, targets, rows, cols, dlogits });
  assertClose(dlogits, Array.from(ref.dlogits, (d) => d + 0.5), 1e-6, 1e-5, 'dlogits (accumulated)');
});

test('a target outside [-1, cols) is a ShapcaError naming it; NaN logits a RangeError', async () => {
  const logits = new Float32Array(6);
  await rejects(crossEntropyForward(logits, Int32Array.from([1, 3]), 2, 3), ShapcaError, /targets\[1\] = 3/);
  await rejects(crossEntropyBackward({ dloss: new Float32Array(1), probs: new Float32Array(3), targets: Int32Array.from([-2]), rows: 1, cols: 3 }), ShapcaError, /targets\[0\] = -2/);
  await rejects(crossEntropyForward(Float32Array.from([0, NaN, 0]), Int32Array.from([0]), 1, 3), RangeError, /logits\[1\] is NaN/);
});

test.run();
