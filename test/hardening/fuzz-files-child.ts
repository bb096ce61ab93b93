// Child of fuzz-files.test.ts: random byte corruption of a saved model (every file of it:
// shapca.json, configs, safetensors, tokenizer) and of dataset files (Twitter CoNLL, MNRE, JMERE,
// contexts), then a load or a parse (strict and lenient). Each must succeed or fail with an error
// that names what is wrong; an internal error ("Cannot read properties of undefined", a bare
// SyntaxError, a multi-line message) is printed as a finding, a crash or hang seen by the parent.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { readJmere, readMnre, readTwitterNer, readContexts } from '../../lib/data/index.js';
import { loadModel } from '../../lib/model/io.js';
import { tiny } from '../extract/tiny.js';
import { Rng } from './rng.js';

const [seedArg, secondsArg] = process.argv.slice(2);
const rng = new Rng(Number(seedArg));
const deadline = Date.now() + Number(secondsArg) * 1000;
const t = await tiny();
const work = join(t.dir, 'fuzz');

const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));

/** One random corruption of a file's bytes. */
function corrupt(bytes: Buffer): { bytes: Buffer; how: string } {
  const b = Buffer.from(bytes);
  const at = () => rng.int(Math.max(1, b.length));
  switch (rng.int(6)) {
    case 0: {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) b[at()] = rng.int(256);
      return { bytes: b, how: `${n} random bytes` };
    }
    case 1: {
      const len = at();
      return { bytes: b.subarray(0, len), how: `truncated to ${len}` };
    }
    case 2: {
      const i = at();
      b.fill(rng.pick([0x00, 0xff, 0x39, 0x7b]), i, Math.min(b.length, i + 1 + rng.int(64)));
      return { bytes: b, how: `a run of one byte at ${i}` };
    }
    case 3: {
      // A number made absurd (sizes in configs and headers, offsets, label ids).
      const text = b.toString('latin1');
      const nums = [...text.matchAll(/\d+/g)];
      if (nums.length === 0) return { bytes: b, how: 'unchanged' };
      const m = rng.pick(nums);
      const big = rng.pick(['999999999999', '-1', '0', '4294967296', '1e308', '2.5']);
      return { bytes: Buffer.from(text.slice(0, m.index) + big + text.slice((m.index ?? 0) + m[0].length), 'latin1'), how: `number ${m[0]} → ${big}` };
    }
    case 4: {
      const i = at();
      return { bytes: Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + rng.int(32))]), how: `bytes cut at ${i}` };
    }
    default: {
      // A safetensors header length made huge or small.
      if (b.length >= 8) b.writeBigUInt64LE(rng.pick([0n, 1n, 2n ** 40n, 2n ** 64n - 1n, BigInt(b.length)]), 0);
      return { bytes: b, how: 'first 8 bytes replaced' };
    }
  }
}

const INTERNAL = /Cannot read propert|is not a function|is not iterable|undefined is not|of undefined|of null|Maximum call stack|Invalid array length|Array buffer allocation failed/;
let cases = 0;
let findings = 0;
const outcomes: Record<string, number> = {};
async function judge(what: string, run: () => Promise<unknown>): Promise<void> {
  cases++;
  try {
    await run();
    outcomes.ok = (outcomes.ok ?? 0) + 1;
  } catch (err) {
    const e = err as Error;
    const name = e?.constructor?.name ?? typeof err;
    outcomes[name] = (outcomes[name] ?? 0) + 1;
    const msg = String(e?.message ?? err);
    if (!(err instanceof Error) || INTERNAL.test(msg) || msg.includes('\n') || msg.length === 0) {
      findings++;
      process.stdout.write(`FINDING ${what}: ${name}: ${msg.slice(0, 300)}\n`);
    } else if (process.env.FUZZ_VERBOSE) {
      process.stdout.write(`${what}: ${name}: ${msg.slice(0, 200)}\n`);
    }
  }
}

const modelFiles = walk(t.modelDir);
const dataFiles = [
  ['ner', join(t.data, 'ner', 'train.txt')], ['mnre', join(t.data, 'mre', 'ours_train.txt')],
  ['jmere', join(t.data, 'jmere', 'train.json')], ['contexts', join(t.data, 'contexts', 'captions.jsonl')],
] as const;
while (Date.now() < deadline) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  if (rng.next() < 0.5) {
    const dir = join(work, 'model');
    for (const f of modelFiles) {
      mkdirSync(join(dir, relative(t.modelDir, join(f, '..'))), { recursive: true });
      copyFileSync(f, join(dir, relative(t.modelDir, f)));
    }
    const victim = rng.pick(modelFiles);
    const { bytes, how } = corrupt(readFileSync(victim));
    writeFileSync(join(dir, relative(t.modelDir, victim)), bytes);
    await judge(`model ${relative(t.modelDir, victim)} (${how})`, async () => {
      const m = await loadModel(dir, 'any');
      (m as { dispose?: () => void }).dispose?.();
    });
  } else {
    const [kind, file] = rng.pick(dataFiles);
    const { bytes, how } = corrupt(readFileSync(file));
    const path = join(work, `data-${kind}`);
    writeFileSync(path, bytes);
    const lenient = rng.next() < 0.5;
    await judge(`${kind} (${how}, ${lenient ? 'lenient' : 'strict'})`, async () => {
      if (kind === 'ner') await readTwitterNer(path, { lenient });
      else if (kind === 'mnre') await readMnre(path, { lenient });
      else if (kind === 'jmere') await readJmere(path, { lenient });
      else await readContexts(path, { lenient });
    });
  }
}
process.stdout.write(`${JSON.stringify({ cases, findings, outcomes })}\n`);
