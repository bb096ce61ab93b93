// Child of buffer-lifetime.test.ts (run with --expose-gc): starts each asynchronous native call,
// detaches one of its arrays right after the start (structuredClone with a transfer list, as
// postMessage does), collects garbage so the transferred memory would be freed, and prints how the
// call ended, one JSON line per case. A crash shows as the parent seeing a signal.
import { ShapcaError } from '../../lib/errors.js';
import { addon } from '../../lib/native/addon.js';
import { NATIVE_CALLS } from './native-calls.js';

const only = process.argv[2] ? new RegExp(process.argv[2]) : null;
const native = addon();
native.setAsyncWork({ work: 0 }); // every call on the libuv pool, however small
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

for (const call of NATIVE_CALLS) {
  if (only && !only.test(call.name)) continue;
  const arrays = Object.entries(call.args()).filter(([, v]) => ArrayBuffer.isView(v)).map(([k]) => k);
  for (const name of arrays) {
    const args = call.args();
    const view = args[name] as Float32Array;
    process.stdout.write(`@case ${call.name} ${name}\n`);
    const pending = call.start(native, args);
    structuredClone(view.buffer, { transfer: [view.buffer] }); // detached now; the clone is garbage at once
    gc();
    let outcome: string;
    try {
      await pending;
      outcome = 'resolved';
    } catch (err) {
      outcome = err instanceof ShapcaError ? `ShapcaError ${err.code}: ${err.message}` : `${(err as Error).name}: ${(err as Error).message}`;
    }
    process.stdout.write(`${JSON.stringify({ call: call.name, array: name, outcome, detached: view.length === 0 })}\n`);
  }
}

// A model's bound parameters detached between calls: the next call is refused, not run on freed memory.
{
  const model = new native.BertModel({ vocabSize: 64, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 16, typeVocabSize: 2 });
  const params = new Float32Array(model.table().total);
  model.setBuffers({ params });
  structuredClone(params.buffer, { transfer: [params.buffer] });
  gc();
  let outcome = 'resolved';
  try {
    await model.initRandom({ seed: 1 });
  } catch (err) {
    outcome = `${(err as Error).name}: ${(err as Error).message}`;
  }
  process.stdout.write(`${JSON.stringify({ call: 'BertModel.setBuffers then detach', array: 'params', outcome, detached: true })}\n`);
  model.dispose();
}
process.stdout.write('@done\n');
