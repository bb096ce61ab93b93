// The run's JSONL log (outDir/log.jsonl): one record per line, appended as training goes. Each
// checkpoint remembers the log's length, and a resumed run cuts the log back to it, so the log of
// a killed-and-resumed run holds every step once, like an uninterrupted one.
import { open, readFile, stat, truncate, type FileHandle } from 'node:fs/promises';

import type { StepLr } from './optimizer.js';

/** The start (or resumption) of a run, with its settings. */
export interface StartRecord {
  type: 'start';
  time: string;
  /** Step the run starts from (0 for a fresh run). */
  step: number;
  epoch: number;
  batch: number;
  resumed: boolean;
  settings: Record<string, unknown>;
}

/** One optimizer update. */
export interface StepRecord {
  type: 'step';
  /** Updates done including this one (1-based). */
  step: number;
  epoch: number;
  /** 0-based batch within the epoch. */
  batch: number;
  loss: number;
  parts: Record<string, number>;
  lr: StepLr;
  /** Gradient norm before clipping. */
  gradNorm: number;
  clipScale: number;
  samples: number;
  samplesPerSec: number;
}

/** An evaluation: dev after each epoch, test once at the end. */
export interface EvalRecord {
  type: 'eval';
  split: 'dev' | 'test';
  /** 0-based epoch whose weights were evaluated. */
  epoch: number;
  step: number;
  score: number;
  metrics: unknown;
  /** Dev only: whether this epoch became the selected (best) one. */
  best?: boolean;
  seconds: number;
}

export interface EndRecord {
  type: 'end';
  summary: unknown;
}

export type LogRecord = StartRecord | StepRecord | EvalRecord | EndRecord;

export class JsonlLog {
  private constructor(private readonly fh: FileHandle, private size: number) {}

  /** Opens (creating) the log for appending, first cutting it back to `truncateTo` bytes when given. */
  static async open(path: string, truncateTo?: number): Promise<JsonlLog> {
    if (truncateTo !== undefined) {
      const size = await stat(path).then((s) => s.size, () => -1);
      if (size > truncateTo) await truncate(path, truncateTo);
    }
    const fh = await open(path, 'a');
    return new JsonlLog(fh, (await fh.stat()).size);
  }

  /** Bytes in the log so far. */
  get bytes(): number {
    return this.size;
  }

  async write(record: LogRecord): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    await this.fh.write(line);
    this.size += line.length;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Reads a log; a last line cut short by a crash is skipped, any other malformed line throws naming it. */
export async function readLog(path: string): Promise<LogRecord[]> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const out: LogRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch (err) {
      if (i === lines.length - 1) return;
      throw new SyntaxError(`${path}:${i + 1}: not a JSON record (${(err as Error).message})`);
    }
  });
  return out;
}
