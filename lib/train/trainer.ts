// The training loop (docs/ARCHITECTURE.md, "Training"): AdamW with warm-up + linear decay and global clipping, a dev
// evaluation after every epoch, selection of the best dev epoch (outDir/best), and one test
// evaluation of that checkpoint at the very end. Checkpoints (outDir/last) are written whole or
// not at all and hold everything needed to continue: a run killed at any point and resumed with
// `resume: true` replays exactly the losses of an uninterrupted run.
import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileAtomic } from '../util/atomic-write.js';
import { recoverDir } from './checkpoint-dir.js';
import { TrainError } from './errors.js';
import { JsonlLog, readLog, type StepRecord } from './log.js';
import { AdamW } from './optimizer.js';
import { curvesFromLog, renderCurvesSvg } from './plot.js';
import { createTrainProgress } from './progress.js';
import {
  checkResumable, OPTIMIZER_FILE, readState, saveBest, saveLast, type RunSettings, type TrainerState,
} from './run-state.js';
import { checkIdentity, writeIdentity } from './run-identity.js';
import { LinearSchedule, type Warmup } from './schedule.js';
import type { EvalResult, TrainableModel } from './types.js';

export interface TrainOptions<Batch> {
  /**
   * The batches of one epoch from batch `start` on (0 except when resuming mid-epoch), in an
   * order that depends only on (seed, epoch) — see epochBatches. Each epoch must yield exactly
   * `batchesPerEpoch − start` batches.
   */
  trainBatches(at: { epoch: number; start: number; seed: number }): Iterable<Batch> | AsyncIterable<Batch>;
  /** Batches in every epoch (fixes the schedule's length). */
  batchesPerEpoch: number;
  epochs: number;
  /** Scores the model as it is now on a split; dev after each epoch, test once at the end. */
  evaluate(split: 'dev' | 'test'): Promise<EvalResult>;
  /** Loads into the model the weights that model.save wrote to dir (to resume, and before the test). */
  reload(dir: string): Promise<void>;
  /** Learning rate of the pretrained groups. */
  encoderLr: number;
  /** Learning rate of the new layers. */
  headLr: number;
  /** Learning rate of the groups' featureRanges (the word-feature table). Default headLr. */
  featureLr?: number;
  /** Warm-up: a ratio of all steps in [0, 1) or a step count. Default 0.1. */
  warmup?: Warmup;
  /** Decoupled weight decay (not on noDecay ranges). Default 0.01. */
  weightDecay?: number;
  /** Global gradient-norm clipping; 0 or Infinity: off. Default 1. */
  maxGradNorm?: number;
  /** Do not update the pretrained groups. Default false. */
  freezePretrained?: boolean;
  /** Passed to trainBatches and to every trainStep. Default 42. */
  seed?: number;
  /** Folder of the run: last/, best/, log.jsonl, curves.svg, summary.json. Created if needed. */
  outDir: string;
  /** Continue from outDir/last (or start afresh if there is none). Default false: outDir must hold no run. */
  resume?: boolean;
  /** Also checkpoint every this many steps inside an epoch; 0: off. Default 0. */
  checkpointEvery?: number;
  /** Also checkpoint inside an epoch when this many seconds passed since the last one; 0: off. Default 600. */
  checkpointSeconds?: number;
  /** Called after every update (its log record); a throw stops training (the last checkpoint stays). */
  onStep?: (step: StepRecord) => void | Promise<void>;
  /** A progress bar on stderr (only when it is a terminal). Default true. */
  progress?: boolean;
  /** Anything to record with the run (model config, command line): in the log's start record and the summary. */
  meta?: Record<string, unknown>;
  /**
   * What the run is started with (task, data files' fileIdentity, options): kept in outDir/run.json;
   * a resume with another identity is refused, naming the difference (see run-identity.ts).
   */
  identity?: Record<string, unknown>;
}

/** The outcome of a run (also outDir/summary.json). Epochs are 0-based. */
export interface TrainSummary {
  bestEpoch: number;
  bestStep: number;
  devScore: number;
  devMetrics: unknown;
  testScore: number;
  testMetrics: unknown;
  /** Dev score per epoch (null where it was not a number). */
  devScores: Array<number | null>;
  epochs: number;
  steps: number;
  samples: number;
  /** Time in updates, in evaluations, and in total (across resumptions; the time a run was down is not counted). */
  trainSeconds: number;
  evalSeconds: number;
  wallSeconds: number;
  /** Training throughput: samples / trainSeconds. */
  samplesPerSec: number;
  seed: number;
  outDir: string;
  bestDir: string;
  meta: Record<string, unknown>;
}

const exists = (p: string) => access(p).then(() => true, () => false);

export async function train<Batch>(model: TrainableModel<Batch>, o: TrainOptions<Batch>): Promise<TrainSummary> {
  const seed = o.seed ?? 42;
  const checkpointEvery = o.checkpointEvery ?? 0;
  const checkpointSeconds = o.checkpointSeconds ?? 600;
  checkOptions(o, seed, checkpointEvery, checkpointSeconds);
  const { outDir } = o;
  const lastDir = join(outDir, 'last'), bestDir = join(outDir, 'best');
  const logPath = join(outDir, 'log.jsonl'), summaryPath = join(outDir, 'summary.json');
  await mkdir(outDir, { recursive: true });
  // A crash while writing a checkpoint leaves hidden folders: unfinished ones go, never loaded.
  await recoverDir(lastDir);
  await recoverDir(bestDir);

  let state: TrainerState | null = null;
  if (o.resume) {
    // Before anything is loaded: another task or other data would not even fit the checkpoint.
    if (o.identity) await checkIdentity(outDir, o.identity);
    if (await exists(summaryPath)) return JSON.parse(await readFile(summaryPath, 'utf8')) as TrainSummary;
    state = await readState(lastDir);
    if (!state) await rm(bestDir, { recursive: true, force: true });  // leftovers of a run that never checkpointed
  } else {
    for (const p of [lastDir, bestDir, logPath, summaryPath]) {
      if (await exists(p)) {
        throw new TrainError(`${outDir} already holds a run (${p}); pass resume: true to continue it or choose another outDir`, 'SHAPCA_TRAIN_OUT_DIR');
      }
    }
  }

  if (o.identity && !state) await writeIdentity(outDir, o.identity);
  let groups = model.paramGroups();
  const totalSteps = o.epochs * o.batchesPerEpoch;
  const schedule = new LinearSchedule(totalSteps, o.warmup ?? 0.1);
  const settings: RunSettings = {
    seed, epochs: o.epochs, batchesPerEpoch: o.batchesPerEpoch, totalSteps, warmupSteps: schedule.warmupSteps,
    encoderLr: o.encoderLr, headLr: o.headLr, featureLr: o.featureLr ?? o.headLr, weightDecay: o.weightDecay ?? 0.01, maxGradNorm: o.maxGradNorm ?? 1,
    freezePretrained: o.freezePretrained ?? false,
    groups: groups.map((g) => ({ name: g.name, size: g.params.length, pretrained: g.pretrained })),
  };
  if (state) {
    // Settings first (they name what differs), then the weights: a checkpoint of another shape is
    // refused with a reason instead of failing inside reload.
    checkResumable(lastDir, state.settings, settings);
    await o.reload(lastDir);
    groups = model.paramGroups();
  }
  const optimizer = new AdamW(groups, {
    encoderLr: settings.encoderLr, headLr: settings.headLr, featureLr: settings.featureLr, weightDecay: settings.weightDecay,
    maxGradNorm: settings.maxGradNorm, freezePretrained: settings.freezePretrained,
  });
  if (state) {
    await optimizer.load(join(lastDir, OPTIMIZER_FILE));
    if (optimizer.steps !== state.step) {
      throw new TrainError(`${lastDir}: optimizer state is at step ${optimizer.steps} but the trainer state at ${state.step}`, 'SHAPCA_TRAIN_RESUME');
    }
  }
  const st: TrainerState = state ?? {
    format: 'shapca-trainer-1', settings, step: 0, epoch: 0, batch: 0, best: null, devScores: [],
    logBytes: 0, samples: 0, trainSeconds: 0, evalSeconds: 0, wallSeconds: 0,
  };
  const wallStart = performance.now() - st.wallSeconds * 1000;
  const wall = () => (performance.now() - wallStart) / 1000;

  const log = await JsonlLog.open(logPath, st.logBytes);
  const progress = createTrainProgress(totalSteps, st.step, o.epochs, o.progress ?? true);
  let lastCheckpoint = performance.now();
  const checkpoint = async () => {
    st.logBytes = log.bytes;
    st.wallSeconds = wall();
    await saveLast(lastDir, model, optimizer, st);
    lastCheckpoint = performance.now();
  };
  try {
    await log.write({
      type: 'start', time: new Date().toISOString(), step: st.step, epoch: st.epoch, batch: st.batch,
      resumed: state !== null, settings: { ...settings, warmup: o.warmup ?? 0.1, meta: o.meta ?? {} },
    });
    while (st.epoch < o.epochs) {
      const epoch = st.epoch;
      if (st.batch < o.batchesPerEpoch) {
        for await (const batch of o.trainBatches({ epoch, start: st.batch, seed })) {
          if (st.batch >= o.batchesPerEpoch) throw batchCountError(epoch, '>', o.batchesPerEpoch);
          const t0 = performance.now();
          model.zeroGrad();
          const r = await model.trainStep(batch, { seed, epoch, batch: st.batch, step: st.step });
          if (!Number.isFinite(r.loss)) {
            throw new TrainError(
              `Expected a finite loss but step ${st.step + 1} (epoch ${epoch}, batch ${st.batch}) gave ${r.loss} (parts ${JSON.stringify(r.parts)})`,
              'SHAPCA_TRAIN_NON_FINITE',
            );
          }
          const upd = await optimizer.step(schedule.factor(st.step));
          const seconds = (performance.now() - t0) / 1000;
          const samples = r.samples ?? 1;
          st.step++;
          st.batch++;
          st.samples += samples;
          st.trainSeconds += seconds;
          const rec: StepRecord = {
            type: 'step', step: st.step, epoch, batch: st.batch - 1, loss: r.loss, parts: r.parts, lr: upd.lr,
            gradNorm: upd.gradNorm, clipScale: upd.clipScale, samples, samplesPerSec: samples / Math.max(seconds, 1e-9),
          };
          await log.write(rec);
          progress.step(st.step, epoch, r.loss, rec.samplesPerSec);
          if (o.onStep) await o.onStep(rec);
          const due = (checkpointEvery > 0 && st.step % checkpointEvery === 0)
            || (checkpointSeconds > 0 && performance.now() - lastCheckpoint >= checkpointSeconds * 1000);
          // The last batch of an epoch is followed by the epoch-end checkpoint anyway.
          if (due && st.batch < o.batchesPerEpoch) await checkpoint();
        }
        if (st.batch !== o.batchesPerEpoch) throw batchCountError(epoch, st.batch, o.batchesPerEpoch);
      }
      progress.status('evaluating dev');
      const t0 = performance.now();
      const dev = await o.evaluate('dev');
      const seconds = (performance.now() - t0) / 1000;
      st.evalSeconds += seconds;
      // Strictly better only: on a tie the earlier epoch stays selected; NaN never wins.
      const isBest = Number.isFinite(dev.score) && (st.best === null || dev.score > st.best.score);
      if (isBest) {
        st.best = { epoch, step: st.step, score: dev.score, metrics: dev.metrics };
        await saveBest(bestDir, model, st.best);
      }
      st.devScores[epoch] = Number.isFinite(dev.score) ? dev.score : null;
      await log.write({ type: 'eval', split: 'dev', epoch, step: st.step, score: dev.score, metrics: dev.metrics, best: isBest, seconds });
      st.epoch++;
      st.batch = 0;
      await checkpoint();
    }
    progress.stop();

    if (st.best === null) {
      throw new TrainError(`No epoch had a finite dev score (${JSON.stringify(st.devScores)}): nothing to select for the test`, 'SHAPCA_TRAIN_NO_SELECTION');
    }
    const best = st.best;
    // The test sees the dev-selected weights, read back from disk: exactly what outDir/best holds.
    await o.reload(bestDir);
    const t0 = performance.now();
    const test = await o.evaluate('test');
    const seconds = (performance.now() - t0) / 1000;
    st.evalSeconds += seconds;
    await log.write({ type: 'eval', split: 'test', epoch: best.epoch, step: best.step, score: test.score, metrics: test.metrics, seconds });
    const summary: TrainSummary = {
      bestEpoch: best.epoch, bestStep: best.step, devScore: best.score, devMetrics: best.metrics,
      testScore: test.score, testMetrics: test.metrics, devScores: st.devScores,
      epochs: o.epochs, steps: st.step, samples: st.samples,
      trainSeconds: st.trainSeconds, evalSeconds: st.evalSeconds, wallSeconds: wall(),
      samplesPerSec: st.trainSeconds > 0 ? st.samples / st.trainSeconds : 0,
      seed, outDir, bestDir, meta: o.meta ?? {},
    };
    await log.write({ type: 'end', summary });
    const svg = renderCurvesSvg(curvesFromLog(await readLog(logPath)), { title: `training (seed ${seed})` });
    await writeFileAtomic(join(outDir, 'curves.svg'), svg);
    // Written last: its presence marks a finished run.
    await writeFileAtomic(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    progress.stop();
    await log.close();
  }
}

function batchCountError(epoch: number, got: number | string, want: number): TrainError {
  const what = got === '>' ? `more than ${want}` : `${got}`;
  return new TrainError(`Expected ${want} batches in epoch ${epoch} (batchesPerEpoch) but trainBatches yielded ${what}`, 'SHAPCA_TRAIN_BATCHES');
}

function checkOptions(o: TrainOptions<unknown>, seed: number, every: number, seconds: number): void {
  const bad = (name: string, want: string, got: unknown) =>
    new TrainError(`Expected ${want} for ${name} but received ${String(got)}`, 'SHAPCA_TRAIN_OPTIONS');
  if (!Number.isSafeInteger(o.epochs) || o.epochs < 1) throw bad('epochs', 'a positive integer', o.epochs);
  if (!Number.isSafeInteger(o.batchesPerEpoch) || o.batchesPerEpoch < 1) throw bad('batchesPerEpoch', 'a positive integer', o.batchesPerEpoch);
  if (!Number.isSafeInteger(seed)) throw bad('seed', 'an integer', seed);
  if (!Number.isSafeInteger(every) || every < 0) throw bad('checkpointEvery', 'an integer ≥ 0', every);
  if (!(seconds >= 0)) throw bad('checkpointSeconds', 'a number ≥ 0', seconds);
  if (typeof o.outDir !== 'string' || o.outDir === '') throw bad('outDir', 'a folder path', o.outDir);
  for (const fn of ['trainBatches', 'evaluate', 'reload'] as const) {
    if (typeof o[fn] !== 'function') throw bad(fn, 'a function', typeof o[fn]);
  }
}
