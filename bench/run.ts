// `npm run bench -- NAME [--json] [--reps N] [--threads 1,2]`: runs one benchmark (or `all`)
// against its peer in the same process run; see bench/README.md.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { flushTable, type BenchOptions } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'harness.ts', 'inputs.ts'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    reps: { type: 'string' },
    threads: { type: 'string' },
    rounds: { type: 'string' },
    'openblas-core': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help || positionals.length === 0) {
  process.stdout.write(
    `usage: npm run bench -- NAME|all [--json] [--reps N] [--threads 1,2] [--rounds N] [--openblas-core NAME]\n` +
      `benchmarks: ${available.join(', ')}\n` +
      `Each times ours and its peer in the same run; --json prints one object per line:\n` +
      `{"bench","shape","ours_ms","peer","peer_ms","ratio","unit","value"} (ratio = peer_ms / ours_ms).\n` +
      `--rounds N (precision): N alternating rounds of the onnxruntime peers and ours; ours_ms and peer_ms\n` +
      `are the medians of the rounds (DESIGN §5), best_ratio that of each side's best round (on a machine\n` +
      `shared with other jobs a single round can catch either side in a slow spell).\n`,
  );
  process.exit(positionals.length === 0 && !values.help ? 1 : 0);
}

const names = positionals[0] === 'all' ? available : positionals;
for (const name of names) {
  if (!available.includes(name) || !existsSync(join(here, `${name}.ts`))) {
    process.stderr.write(`bench: unknown benchmark '${name}' (available: ${available.join(', ')})\n`);
    process.exit(1);
  }
}

const threads = values.threads?.split(',').map(Number);
if (threads?.some((t) => !Number.isInteger(t) || t < 1)) {
  process.stderr.write(`bench: expected --threads as a comma-separated list of positive integers\n`);
  process.exit(1);
}
const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1 || rounds > 20)) {
  process.stderr.write(`bench: expected --rounds to be an integer from 1 to 20\n`);
  process.exit(1);
}
const reps = values.reps === undefined ? undefined : Number(values.reps);
if (reps !== undefined && (!Number.isInteger(reps) || reps < 1)) {
  process.stderr.write(`bench: expected --reps to be a positive integer\n`);
  process.exit(1);
}

for (const name of names) {
  const mod = (await import(`./${name}.ts`)) as {
    run(opts: BenchOptions & { threads?: number[]; rounds?: number; openblasCore?: string }): Promise<void>;
  };
  if (!values.json) process.stderr.write(`# ${name}\n`);
  await mod.run({ json: values.json, reps: reps ?? 7, threads, ...(rounds ? { rounds } : {}), ...(values['openblas-core'] ? { openblasCore: values['openblas-core'] } : {}) });
  flushTable({ json: values.json, reps: reps ?? 7 });
}
