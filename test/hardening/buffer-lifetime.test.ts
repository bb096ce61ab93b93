// Arrays detached while an asynchronous native call uses them (issue 13, item 2): every async
// export, each of its arrays in turn, transferred right after the call starts and the garbage
// collected. The call must end with a clear error (or a correct result), never a crash; the child
// runs under a memory and a time cap. A model whose bound parameters were detached refuses to run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { describeEnd, rssBound, runCapped } from './capped-child.js';
import { NATIVE_CALLS } from './native-calls.js';

const test = suite('native: arrays detached during async calls');

test('every async call, every array: a clear error, never a crash', async () => {
  const r = await runCapped('test/hardening/detach-child.ts', [], { timeoutMs: 120_000, memoryBytes: 8 * 2 ** 30, nodeArgs: ['--expose-gc'] });
  const last = /@case (.*)\n(?![\s\S]*@case)/.exec(r.stdout)?.[1];
  assert.ok(r.status === 0 && r.signal === null && !r.timedOut, `child: ${describeEnd(r)}; last case started: ${last}`);
  assert.match(r.stdout, /@done/);
  const results = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { call: string; array: string; outcome: string; detached: boolean });
  const calls = new Set(results.map((x) => x.call));
  for (const c of NATIVE_CALLS) {
    const hasArrays = Object.values(c.args()).some((v) => ArrayBuffer.isView(v));
    if (hasArrays) assert.ok(calls.has(c.name), `${c.name} was exercised`);
  }
  assert.ok(results.length > 100, `${results.length} cases`);
  for (const x of results) {
    assert.ok(x.detached, `${x.call}/${x.array} was detached`);
    if (x.call.includes('setBuffers')) {
      assert.match(x.outcome, /TypeError: initRandom: a buffer given to setBuffers was detached \(transferred\) since; call setBuffers again/);
    } else {
      assert.match(x.outcome, /^ShapcaError SHAPCA_INVALID_ARGUMENT: an argument array was detached \(transferred by structuredClone or postMessage\) while the native call was running/, `${x.call}/${x.array}: ${x.outcome}`);
    }
  }
  assert.ok(r.maxRss !== undefined && r.maxRss < rssBound(2 * 2 ** 30), `peak RSS ${r.maxRss}`);
});

test.run();
