// The training loop on a toy model: it learns, it is deterministic, a killed run resumes onto the
// same trajectory, dev selection picks the best dev epoch and the test sees only that one,
// checkpoints are all-or-nothing, and misuse fails with a reason.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { train } from '../../lib/index.js';
import { rejects } from '../helpers.js';
import { BATCH, DATA, N_TRAIN, ToyModel, toyOptions } from './toy.js';

const EPOCHS = 4;
const PER_EPOCH = N_TRAIN / BATCH;
let root = '';
let n = 0;
const fresh = () => join(root, `run-${n++}`);

async function steps(outDir: string): Promise<train.StepRecord[]> {
  return (await train.readLog(join(outDir, 'log.jsonl'))).filter((r): r is train.StepRecord => r.type === 'step');
}

const trajectory = (recs: train.StepRecord[]) => recs.map((r) => [r.step, r.epoch, r.batch, r.loss, r.gradNorm, r.lr.encoder]);

/** Runs until onStep at `stopAt` throws (a simulated kill); resolves once it has stopped. */
async function runUntil(model: ToyModel, outDir: string, stopAt: number, over: Partial<train.TrainOptions<Uint32Array>>) {
  const kill = new Error(`killed at step ${stopAt}`);
  await rejects(train.train(model, toyOptions(model, outDir, {
    ...over,
    onStep: (r) => {
      if (r.step === stopAt) throw kill;
    },
  })), Error, /killed at step/);
}

const test = suite('train: trainer on a toy model');

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'shapca-train-'));
});
test.after(async () => {
  await rm(root, { recursive: true, force: true });
});

// The uninterrupted reference run that later tests compare with.
let reference: { dir: string; summary: train.TrainSummary; model: ToyModel } | null = null;
async function referenceRun() {
  if (!reference) {
    const model = new ToyModel(3);
    const dir = fresh();
    const summary = await train.train(model, toyOptions(model, dir, { epochs: EPOCHS }));
    reference = { dir, summary, model };
  }
  return reference;
}

test('the toy model learns; log, checkpoints, curves and summary are written', async () => {
  const { dir, summary, model } = await referenceRun();
  const recs = await steps(dir);
  assert.is(recs.length, EPOCHS * PER_EPOCH);
  const mean = (xs: train.StepRecord[]) => xs.reduce((a, r) => a + r.loss, 0) / xs.length;
  const first = mean(recs.slice(0, PER_EPOCH)), last = mean(recs.slice(-PER_EPOCH));
  assert.ok(last < 0.5 * first, `training loss should fall: first epoch ${first}, last ${last}`);
  const initial = await new ToyModel(3).mse(DATA.dev);
  assert.ok(-summary.devScore < 0.5 * initial, `dev MSE ${-summary.devScore} vs untrained ${initial}`);
  for (const r of recs) {
    assert.ok(r.parts.mse === r.loss && Number.isFinite(r.parts.mae as number), 'parts logged');
    assert.ok(r.samples === BATCH && r.samplesPerSec > 0 && r.gradNorm > 0 && Math.abs(0.03 * r.lr.head - 0.1 * r.lr.encoder) < 1e-12, `step ${r.step} record`);
  }
  assert.is(recs[0]?.lr.encoder, 0, 'HF warm-up: the first update has lr 0');
  const evals = (await train.readLog(join(dir, 'log.jsonl'))).filter((r) => r.type === 'eval');
  assert.equal(evals.map((e) => (e as train.EvalRecord).split), ['dev', 'dev', 'dev', 'dev', 'test']);
  assert.is(model.evaluations.filter((e) => e.split === 'test').length, 1);
  const onDisk = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as train.TrainSummary;
  assert.equal(onDisk, summary);
  assert.is(summary.steps, EPOCHS * PER_EPOCH);
  assert.is(summary.samples, EPOCHS * N_TRAIN);
  assert.ok(summary.samplesPerSec > 0 && summary.trainSeconds > 0 && summary.wallSeconds >= summary.trainSeconds);
  assert.equal((await readdir(join(dir, 'best'))).sort(), ['model.safetensors', train.SELECTION_FILE]);
  assert.equal((await readdir(join(dir, 'last'))).sort(), ['model.safetensors', train.OPTIMIZER_FILE, train.STATE_FILE]);
  const svg = await readFile(join(dir, 'curves.svg'), 'utf8');
  assert.match(svg, /id="train-loss-smoothed"/);
  assert.match(svg, /id="dev-score"/);
});

test('the same seed gives the same losses; another seed another order', async () => {
  const { dir } = await referenceRun();
  const again = new ToyModel(3);
  const dir2 = fresh();
  await train.train(again, toyOptions(again, dir2, { epochs: EPOCHS }));
  assert.equal(trajectory(await steps(dir2)), trajectory(await steps(dir)));
  const other = new ToyModel(3);
  const dir3 = fresh();
  await train.train(other, toyOptions(other, dir3, { epochs: EPOCHS, seed: 8 }));
  assert.not.equal((await steps(dir3)).map((r) => r.loss), (await steps(dir)).map((r) => r.loss));
});

test('killed twice mid-epoch and resumed, a run replays the uninterrupted trajectory exactly', async () => {
  const ref = await referenceRun();
  const dir = fresh();
  // Checkpoints every 4 steps: step 8 is inside epoch 1, so the first kill (step 11) resumes mid-epoch.
  await runUntil(new ToyModel(3), dir, 11, { epochs: EPOCHS, checkpointEvery: 4 });
  const state = JSON.parse(await readFile(join(dir, 'last', train.STATE_FILE), 'utf8')) as train.TrainerState;
  assert.equal([state.step, state.epoch, state.batch], [8, 1, 2]);
  // Each session starts from a model with other weights: resuming must restore them from last/.
  await runUntil(new ToyModel(100), dir, 19, { epochs: EPOCHS, checkpointEvery: 4, resume: true });
  const model = new ToyModel(200);
  const summary = await train.train(model, toyOptions(model, dir, { epochs: EPOCHS, checkpointEvery: 4, resume: true }));
  assert.equal(trajectory(await steps(dir)), trajectory(await steps(ref.dir)));
  assert.equal(summary.devScores, ref.summary.devScores);
  assert.is(summary.testScore, ref.summary.testScore);
  assert.equal(model.enc.params, ref.model.enc.params);
  assert.is(model.evaluations.filter((e) => e.split === 'test').length, 1);
  const starts = (await train.readLog(join(dir, 'log.jsonl'))).filter((r) => r.type === 'start') as train.StartRecord[];
  assert.equal(starts.map((s) => [s.resumed, s.step]), [[false, 0], [true, 8], [true, 18]]);
});

test('dev selection: the best dev epoch (earlier on a tie) is kept and only it is tested, once', async () => {
  const model = new ToyModel(3);
  model.scriptedDev = [0.2, 0.9, 0.9, 0.5];
  const dir = fresh();
  const summary = await train.train(model, toyOptions(model, dir, { epochs: 4 }));
  assert.is(summary.bestEpoch, 1);
  assert.is(summary.devScore, 0.9);
  assert.is(summary.bestStep, 2 * PER_EPOCH);
  const tests = model.evaluations.filter((e) => e.split === 'test');
  assert.is(tests.length, 1);
  const devOfBest = model.evaluations.filter((e) => e.split === 'dev')[1];
  assert.equal(tests[0]?.enc, devOfBest?.enc, 'test sees the weights of the selected epoch');
  assert.equal(tests[0]?.head, devOfBest?.head);
  assert.not.equal(tests[0]?.enc, model.evaluations.filter((e) => e.split === 'dev')[3]?.enc);
  assert.is(model.reloads.at(-1), join(dir, 'best'));
  const evals = (await train.readLog(join(dir, 'log.jsonl'))).filter((r): r is train.EvalRecord => r.type === 'eval');
  assert.equal(evals.map((e) => [e.split, e.epoch, e.best ?? null]), [
    ['dev', 0, true], ['dev', 1, true], ['dev', 2, false], ['dev', 3, false], ['test', 1, null],
  ]);
  const selection = JSON.parse(await readFile(join(dir, 'best', train.SELECTION_FILE), 'utf8')) as { epoch: number };
  assert.is(selection.epoch, 1);
  // All-NaN dev scores leave nothing to select: a clear error, and no test evaluation.
  const nan = new ToyModel(3);
  nan.scriptedDev = [NaN, NaN];
  await rejects(train.train(nan, toyOptions(nan, fresh(), { epochs: 2 })), train.TrainError, /No epoch had a finite dev score/);
  assert.is(nan.evaluations.filter((e) => e.split === 'test').length, 0);
});

test('checkpoints are all or nothing: leftovers of a crash are removed, never loaded', async () => {
  const ref = await referenceRun();
  const dir = fresh();
  await runUntil(new ToyModel(3), dir, 9, { epochs: EPOCHS, checkpointEvery: 4 });
  // A half-written checkpoint claiming to be further along, as a kill during saveLast leaves it.
  const junk = join(dir, '.last.tmp-999999-deadbeef');
  await mkdir(junk);
  await writeFile(join(junk, train.STATE_FILE), '{"format":"shapca-trainer-1","step":999');
  // A kill between moving the old `last` aside and renaming the new one in: only the old copy exists.
  await rename(join(dir, 'last'), join(dir, '.last.old-999999-cafe'));
  const model = new ToyModel(50);
  await train.train(model, toyOptions(model, dir, { epochs: EPOCHS, checkpointEvery: 4, resume: true }));
  assert.equal(trajectory(await steps(dir)), trajectory(await steps(ref.dir)));
  assert.equal((await readdir(dir)).filter((e) => e.startsWith('.')), []);
  const starts = (await train.readLog(join(dir, 'log.jsonl'))).filter((r) => r.type === 'start') as train.StartRecord[];
  assert.equal(starts.map((s) => [s.resumed, s.step]), [[false, 0], [true, 8]], 'resumed from the restored checkpoint');

  // A failure while writing a checkpoint (here model.save) leaves the previous one untouched.
  const dir2 = fresh();
  const failing = new ToyModel(3);
  let saves = 0;
  const save = failing.save.bind(failing);
  failing.save = async (d) => {
    if (++saves === 3) {
      await writeFile(join(d, 'model.safetensors'), 'half');
      throw new Error('disk full');
    }
    await save(d);
  };
  await rejects(train.train(failing, toyOptions(failing, dir2, { epochs: EPOCHS, checkpointEvery: 4 })), Error, /disk full/);
  const state = JSON.parse(await readFile(join(dir2, 'last', train.STATE_FILE), 'utf8')) as train.TrainerState;
  assert.is(state.step, 4, 'the checkpoint before the failed one');
  assert.equal((await readdir(dir2)).filter((e) => e.startsWith('.')), []);
});

test('a process killed with SIGKILL (even while writing a checkpoint) resumes onto the same trajectory', async () => {
  const ref = await referenceRun();
  const dir = fresh();
  const here = dirname(fileURLToPath(import.meta.url));
  // A real kill: the child checkpoints after every step, so the signal often lands inside a write.
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'kill-child.ts'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (/step 10\n/.test(out)) child.kill('SIGKILL');
  });
  const signal = await exited;
  assert.is(signal, 'SIGKILL', `the child should have been killed (stdout ${JSON.stringify(out.slice(-200))}, stderr ${err.slice(-500)})`);
  const model = new ToyModel(77);
  const summary = await train.train(model, toyOptions(model, dir, { epochs: EPOCHS, checkpointEvery: 1, resume: true }));
  assert.equal(trajectory(await steps(dir)), trajectory(await steps(ref.dir)));
  assert.is(summary.testScore, ref.summary.testScore);
  assert.equal((await readdir(dir)).filter((e) => e.startsWith('.')), []);
});

test('a finished run resumed returns its summary without evaluating again', async () => {
  const ref = await referenceRun();
  const model = new ToyModel(3);
  const summary = await train.train(model, toyOptions(model, ref.dir, { epochs: EPOCHS, resume: true }));
  assert.equal(summary, ref.summary);
  assert.is(model.evaluations.length, 0);
});

test('misuse fails with what was expected', async () => {
  const ref = await referenceRun();
  const model = new ToyModel(3);
  await rejects(train.train(model, toyOptions(model, ref.dir)), train.TrainError, /already holds a run .*pass resume: true/);

  const dir = fresh();
  await runUntil(new ToyModel(3), dir, 9, { epochs: EPOCHS, checkpointEvery: 4 });
  await rejects(train.train(model, toyOptions(model, dir, { epochs: EPOCHS, resume: true, seed: 8 })), train.TrainError, /made with seed 7 but this run has 8/);
  await rejects(train.train(model, toyOptions(model, dir, { epochs: 5, resume: true })), train.TrainError, /made with epochs 4 but this run has 5/);

  const short = new ToyModel(3);
  await rejects(train.train(short, toyOptions(short, fresh(), {
    trainBatches: ({ epoch, seed }) => train.epochBatches(N_TRAIN, BATCH, { seed, epoch }).slice(1),
  })), train.TrainError, /Expected 6 batches in epoch 0 \(batchesPerEpoch\) but trainBatches yielded 5/);

  const nan = new ToyModel(3);
  nan.trainStep = async () => ({ loss: NaN, parts: { mse: NaN } });
  await rejects(train.train(nan, toyOptions(nan, fresh())), train.TrainError, /Expected a finite loss but step 1 \(epoch 0, batch 0\) gave NaN/);

  await rejects(train.train(model, toyOptions(model, fresh(), { epochs: 0 })), train.TrainError, /Expected a positive integer for epochs but received 0/);
  await rejects(train.train(model, toyOptions(model, fresh(), { warmup: 2.5 })), train.TrainError, /warm-up ratio/);
});

test('the feature learning rate is part of a run: a changed one is refused, a checkpoint from before it resumes', async () => {
  const dir = fresh();
  await runUntil(new ToyModel(3), dir, 9, { epochs: EPOCHS, checkpointEvery: 4 });
  const model = new ToyModel(3);
  await rejects(train.train(model, toyOptions(model, dir, { epochs: EPOCHS, resume: true, featureLr: 0.5 })), train.TrainError, /made with featureLr .* but this run has 0\.5/);
  // a trainer state written before featureLr existed trained its feature ranges at headLr
  const statePath = join(dir, 'last', 'trainer-state.json');
  const state = JSON.parse(await readFile(statePath, 'utf8'));
  delete state.settings.featureLr;
  await writeFile(statePath, JSON.stringify(state));
  const summary = await train.train(model, toyOptions(model, dir, { epochs: EPOCHS, resume: true }));
  assert.is(summary.steps, EPOCHS * PER_EPOCH);
});

test('epoch order: a seeded permutation per epoch, batches cover every sample once', () => {
  const a = train.epochBatches(10, 3, { seed: 1, epoch: 0 });
  assert.equal(a.map((b) => b.length), [3, 3, 3, 1]);
  assert.equal([...a.flatMap((b) => [...b])].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(train.epochBatches(10, 3, { seed: 1, epoch: 0 }), a);
  assert.not.equal(train.epochPermutation(10, 1, 1), train.epochPermutation(10, 1, 0));
  assert.not.equal(train.epochPermutation(10, 2, 0), train.epochPermutation(10, 1, 0));
  assert.is(train.epochBatches(10, 3, { seed: 1, epoch: 0, dropLast: true }).length, 3);
  assert.equal([...(train.epochBatches(4, 2, { seed: 1, epoch: 0, shuffle: false })[1] ?? [])], [2, 3]);
});

test.run();
