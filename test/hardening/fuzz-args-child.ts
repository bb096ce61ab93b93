// Child of fuzz-native.test.ts: random bad arguments for every exported native call, for a given
// time. Each call must throw a TypeError or RangeError, or reject with a ShapcaError (or one of
// those), or succeed; anything else is printed as a finding. A crash or a hang is seen by the parent.
import { ShapcaError } from '../../lib/errors.js';
import { addon } from '../../lib/native/addon.js';
import { type Args, NATIVE_CALLS } from './native-calls.js';
import { Rng } from './rng.js';

const [seedArg, secondsArg] = process.argv.slice(2);
const rng = new Rng(Number(seedArg));
const deadline = Date.now() + Number(secondsArg) * 1000;
const native = addon();

const BAD_NUMBERS = [-1, 0, 1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 2 ** 63, 1e9, '3', null, {}, true];
function badArray(v: ArrayBufferView, args: Args): unknown {
  const n = (v as Float32Array).length;
  switch (rng.int(9)) {
    case 0: return (v as Float32Array).subarray(0, rng.int(n + 1));
    case 1: return new Float64Array(n);
    case 2: return new Int32Array(n);
    case 3: return Array.from({ length: Math.min(n, 8) }, () => 1);
    case 4: {
      const Ctor = v.constructor as Float32ArrayConstructor;
      return new Ctor(new ArrayBuffer(n * Ctor.BYTES_PER_ELEMENT, { maxByteLength: n * Ctor.BYTES_PER_ELEMENT * 2 } as never));
    }
    case 5: {
      // Another array of the call in its place: outputs aliasing inputs.
      const others = Object.values(args).filter((x) => ArrayBuffer.isView(x) && x.constructor === v.constructor && x !== v);
      return others.length ? rng.pick(others) : v;
    }
    case 6: {
      const copy = (v as Float32Array).slice();
      if (copy instanceof Float32Array || copy instanceof Float64Array) copy[rng.int(Math.max(1, n))] = rng.pick([Number.NaN, Number.POSITIVE_INFINITY]);
      else if (copy instanceof Int32Array) copy[rng.int(Math.max(1, n))] = rng.pick([-1, 2 ** 31 - 1, -(2 ** 31)]);
      return copy;
    }
    case 7: return new (v.constructor as Float32ArrayConstructor)(0);
    default: return undefined;
  }
}

function mutate(args: Args): Args {
  const out: Args = { ...args };
  const keys = Object.keys(out);
  for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
    const key = rng.pick(keys);
    const v = out[key];
    if (rng.next() < 0.1) delete out[key];
    else if (ArrayBuffer.isView(v)) out[key] = badArray(v, out);
    else out[key] = rng.pick(BAD_NUMBERS);
  }
  return out;
}

const ok = (err: unknown) => err instanceof ShapcaError || err instanceof TypeError || err instanceof RangeError;
let cases = 0;
let findings = 0;
const outcomes: Record<string, number> = {};
while (Date.now() < deadline) {
  const call = rng.pick(NATIVE_CALLS);
  native.setAsyncWork({ work: rng.next() < 0.5 ? 0 : 2 ** 26 });
  const args = rng.next() < 0.03 ? (rng.pick([undefined, null, 3, 'x']) as unknown as Args) : mutate(call.args());
  let outcome: string;
  try {
    await call.start(native, args);
    outcome = 'ok';
  } catch (err) {
    outcome = ok(err) ? (err as Error).name : 'bad';
    if (!ok(err)) {
      findings++;
      process.stdout.write(`FINDING ${call.name}: ${(err as Error)?.constructor?.name} ${(err as Error)?.message ?? String(err)}\n`);
    }
  }
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  cases++;
}
// The model calls: configs with sizes from a corrupt checkpoint.
for (let i = 0; i < 40; i++) {
  const pickSize = () => rng.pick([0, 1, 4, 64, 2 ** 20, 1e9, 2 ** 31 - 1, -3, 2.5]);
  const cfg = { vocabSize: pickSize(), hiddenSize: pickSize(), numLayers: pickSize(), numHeads: rng.pick([1, 2, 4, 0]), intermediateSize: pickSize(), maxPositions: pickSize(), typeVocabSize: rng.pick([1, 2, 1e9]) };
  try {
    const m = new native.BertModel(cfg);
    const total = m.table().total;
    if (!(total <= 2 ** 34)) {
      findings++;
      process.stdout.write(`FINDING BertModel: a table of ${total} parameters was accepted for ${JSON.stringify(cfg)}\n`);
    }
    m.dispose();
    outcomes.modelOk = (outcomes.modelOk ?? 0) + 1;
  } catch (err) {
    if (!ok(err)) {
      findings++;
      process.stdout.write(`FINDING BertModel ${JSON.stringify(cfg)}: ${(err as Error).message}\n`);
    }
    outcomes.modelRefused = (outcomes.modelRefused ?? 0) + 1;
  }
  cases++;
}
process.stdout.write(`${JSON.stringify({ cases, findings, outcomes })}\n`);
