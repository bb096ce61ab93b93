// What a run keeps on disk besides the log: outDir/last (model + optimizer + where training
// stands, to resume from) and outDir/best (the dev-selected model). Both are the model's own
// folder (what model.save writes, so either loads like any model) plus the trainer's files, and
// both are written whole or not at all (writeDirAtomic).
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeDirAtomic } from './checkpoint-dir.js';
import { TrainError } from './errors.js';
import type { AdamW } from './optimizer.js';
import type { TrainableModel } from './types.js';

/** Where training stands (in outDir/last). */
export const STATE_FILE = 'trainer-state.json';
/** AdamW moments (in outDir/last). */
export const OPTIMIZER_FILE = 'trainer-optimizer.safetensors';
/** Which epoch outDir/best holds and its dev evaluation. */
export const SELECTION_FILE = 'trainer-selection.json';

const STATE_FORMAT = 'shapca-trainer-1';

/** Settings that must stay the same for a resumed run to continue the same trajectory. */
export interface RunSettings {
  seed: number;
  epochs: number;
  batchesPerEpoch: number;
  totalSteps: number;
  warmupSteps: number;
  encoderLr: number;
  headLr: number;
  featureLr: number;
  weightDecay: number;
  maxGradNorm: number;
  freezePretrained: boolean;
  groups: Array<{ name: string; size: number; pretrained: boolean }>;
}

export interface TrainerState {
  format: typeof STATE_FORMAT;
  settings: RunSettings;
  /** Updates done. */
  step: number;
  /** Where the next update comes from: 0-based epoch and batch within it. */
  epoch: number;
  batch: number;
  /** The selected epoch so far (0-based) and its dev evaluation; null before any. */
  best: { epoch: number; step: number; score: number; metrics: unknown } | null;
  /** Dev score of each finished epoch (null when it was not a number). */
  devScores: Array<number | null>;
  /** Length of log.jsonl when the checkpoint was taken. */
  logBytes: number;
  samples: number;
  trainSeconds: number;
  evalSeconds: number;
  wallSeconds: number;
}

/** The state of outDir/last, or null when there is no checkpoint to resume from. */
export async function readState(lastDir: string): Promise<TrainerState | null> {
  try {
    await access(lastDir);
  } catch {
    return null;
  }
  const path = join(lastDir, STATE_FILE);
  let state: unknown;
  try {
    state = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new TrainError(`${path}: cannot read the trainer state (${(err as Error).message})`, 'SHAPCA_TRAIN_RESUME');
  }
  const s = state as Partial<TrainerState>;
  if (typeof s !== 'object' || s === null || s.format !== STATE_FORMAT || typeof s.settings !== 'object') {
    throw new TrainError(`${path}: expected a trainer state of format ${STATE_FORMAT}`, 'SHAPCA_TRAIN_RESUME');
  }
  return s as TrainerState;
}

/** Throws naming the first setting in which a checkpoint differs from this run. */
export function checkResumable(path: string, savedSettings: RunSettings, now: RunSettings): void {
  // checkpoints from before the feature learning rate trained their feature ranges at headLr
  const saved = { ...savedSettings, featureLr: savedSettings.featureLr ?? savedSettings.headLr };
  for (const key of Object.keys(now) as Array<keyof RunSettings>) {
    const a = JSON.stringify(saved[key]);
    const b = JSON.stringify(now[key]);
    if (a !== b) {
      throw new TrainError(
        `${path}: the checkpoint was made with ${key} ${a} but this run has ${b}; resume with the same settings or start a new outDir`,
        'SHAPCA_TRAIN_RESUME',
      );
    }
  }
}

/** Writes outDir/last: the model, the optimizer and the state, all or nothing. */
export async function saveLast(
  lastDir: string,
  model: TrainableModel<unknown>,
  optimizer: AdamW,
  state: TrainerState,
): Promise<void> {
  await writeDirAtomic(lastDir, async (dir) => {
    await model.save(dir);
    await noClash(dir, [OPTIMIZER_FILE, STATE_FILE]);
    await optimizer.save(join(dir, OPTIMIZER_FILE));
    // The state goes last: a folder with it is complete (and only a complete folder is renamed in).
    await writeFile(join(dir, STATE_FILE), `${JSON.stringify(state, null, 1)}\n`);
  });
}

/** Writes outDir/best: the model and what was selected, all or nothing. */
export async function saveBest(
  bestDir: string,
  model: TrainableModel<unknown>,
  selection: NonNullable<TrainerState['best']>,
): Promise<void> {
  await writeDirAtomic(bestDir, async (dir) => {
    await model.save(dir);
    await noClash(dir, [SELECTION_FILE]);
    await writeFile(join(dir, SELECTION_FILE), `${JSON.stringify(selection, null, 1)}\n`);
  });
}

async function noClash(dir: string, names: string[]): Promise<void> {
  for (const name of names) {
    const taken = await access(join(dir, name)).then(() => true, () => false);
    if (taken) throw new TrainError(`model.save wrote ${name}, a name the trainer keeps for itself`, 'SHAPCA_TRAIN_PARAMS');
  }
}
