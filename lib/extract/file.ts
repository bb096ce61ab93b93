// Extraction from a file to a file (or stdout): what `shapca extract` runs. Resuming counts the
// complete lines the output holds, checks that they belong to this input (the id of the last one
// must be the id of the input's record at that position), and carries on from there.
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

import { writeFileAtomic } from '../util/atomic-write.js';
import { fileIdentity, identityDifference } from '../util/identity.js';
import { assertOutputsAreNotInputs } from '../util/same-file.js';

import { type ExtractOptions, runPipeline } from './pipeline.js';
import { inspectOutput, type LineSink, openFileSink, streamSink } from './output.js';
import { createExtractProgress } from './progress.js';
import { itemId, type SourceItem } from './records.js';
import { countItems, detectFormat, fileItems, type InputFormat } from './sources.js';
import type { ExtractionModel } from './types.js';

export interface ExtractFileOptions extends ExtractOptions {
  input: string;
  /** Default 'auto': CoNLL when the first line starts with IMGID:, else JSONL. */
  format?: InputFormat | 'auto';
  /** Results file; absent: stdout. */
  output?: string;
  /** Continue an output left by an earlier (crashed or stopped) run. */
  resume?: boolean;
  /** Replace an existing output. */
  overwrite?: boolean;
  /** A progress bar on stderr (terminals only). Default false. */
  progress?: boolean;
  /** Other files the run reads (model files, context files): the output must be none of them. */
  otherInputs?: string[];
  /**
   * What else the output depends on (the model's files by hash, options): kept with the input's
   * hash in `<output>.run.json`; a resume with another input or identity is refused.
   */
  identity?: Record<string, unknown>;
  /** Longest input line read; a longer one is that record's error. Default 16 MiB. */
  maxLineBytes?: number;
}

/** The sidecar of an output file: what it is the output of. */
export const runFileOf = (output: string): string => `${output}.run.json`;

/** Refuses to continue an output whose sidecar names another input or model (outputs without one pass on the id check alone). */
async function checkRunFile(output: string, identity: Record<string, unknown>): Promise<void> {
  let saved: unknown;
  try {
    saved = JSON.parse(await readFile(runFileOf(output), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`${runFileOf(output)}: cannot read what ${output} is the output of (${(err as Error).message})`);
  }
  const diff = identityDifference(saved, identity);
  if (diff) throw new Error(`cannot resume ${output}: it is not the output of this input and model (${diff}); write to another output or pass --overwrite`);
}

export interface ExtractFileSummary {
  input: string;
  output: string | null;
  format: InputFormat;
  /** Records the output held before this run (resume). */
  resumed: number;
  /** Records written by this run. */
  written: number;
  errors: number;
  imageErrors: number;
  contextErrors: number;
  seconds: number;
  recordsPerSecond: number;
  /** Bytes of a torn last line cut off before resuming. */
  repairedBytes: number;
  /** True when the signal stopped the run early (rerun with resume to finish). */
  aborted: boolean;
}

const isRegularFile = (path: string): Promise<boolean> => stat(path).then((s) => s.isFile(), () => false);

/** Checks, while passing items through, that record `done` of the input has the output's last id. */
async function* checkedContinuation(items: AsyncIterable<SourceItem>, done: number, lastId: string | null, o: { input: string; output: string }): AsyncGenerator<SourceItem> {
  let n = 0;
  for await (const item of items) {
    n++;
    if (n === done && itemId(item) !== lastId) {
      throw new Error(`${o.output} does not continue ${o.input}: its line ${done} has id ${JSON.stringify(lastId)} but record ${done} of the input has id ${JSON.stringify(itemId(item))}`);
    }
    yield item;
  }
  if (n < done) throw new Error(`${o.output} has ${done} results but ${o.input} only ${n} records; is it the output of another input?`);
}

export async function extractFile(model: ExtractionModel, o: ExtractFileOptions): Promise<ExtractFileSummary> {
  if (o.resume && !o.output) throw new Error('resuming needs an output file (--output)');
  // Before anything is opened for writing: an output that is one of the inputs would be emptied.
  if (o.output) assertOutputsAreNotInputs([o.output, runFileOf(o.output)], [o.input, ...(o.otherInputs ?? [])]);
  const lineCap = o.maxLineBytes !== undefined ? { maxLineBytes: o.maxLineBytes } : {};
  const format = !o.format || o.format === 'auto' ? await detectFormat(o.input, lineCap) : o.format;
  const identity = o.output ? { format: 'shapca-extract-1', input: await fileIdentity(o.input), inputFormat: format, ...o.identity } : undefined;
  if (o.resume && o.output && identity) await checkRunFile(o.output, identity);
  const state = o.resume && o.output ? await inspectOutput(o.output) : { done: 0, lastId: null, repairedBytes: 0 };
  let items: AsyncIterable<SourceItem> = fileItems(o.input, format, { images: o.imagesDir !== undefined, ...lineCap });
  if (state.done > 0) items = checkedContinuation(items, state.done, state.lastId, { input: o.input, output: o.output! });
  const total = o.progress && process.stderr.isTTY ? await countItems(o.input, format, lineCap) : 0;
  const sink: LineSink = o.output ? await openFileSink(o.output, { resume: o.resume ?? false, overwrite: o.overwrite ?? false }) : streamSink(process.stdout);
  if (o.output && identity && state.done === 0) {
    // A fresh output: say what it is the output of (a regular file only: not for /dev/null or a pipe).
    if (await isRegularFile(o.output)) await writeFileAtomic(runFileOf(o.output), `${JSON.stringify(identity, null, 1)}\n`);
  }
  const bar = createExtractProgress(total, state.done, o.progress ?? false);
  const summary: ExtractFileSummary = {
    input: o.input, output: o.output ?? null, format, resumed: state.done, written: 0, errors: 0, imageErrors: 0, contextErrors: 0,
    seconds: 0, recordsPerSecond: 0, repairedBytes: state.repairedBytes, aborted: false,
  };
  const started = process.hrtime.bigint();
  const flushEvery = o.batchSize ?? 32;
  let buffer = '';
  let buffered = 0;
  try {
    const results = runPipeline(model, items, { ...o, skip: state.done, imagesDir: o.imagesDir ?? dirname(o.input) });
    for await (const r of results) {
      buffer += `${JSON.stringify(r)}\n`;
      buffered++;
      summary.written++;
      if (r.error !== undefined) summary.errors++;
      if (r.imageError !== undefined) summary.imageErrors++;
      if (r.contextError !== undefined) summary.contextErrors++;
      if (buffered >= flushEvery) {
        await sink.write(buffer);
        buffer = '';
        buffered = 0;
      }
      bar.update(state.done + summary.written, summary.errors);
    }
    if (buffer) await sink.write(buffer);
  } finally {
    bar.stop();
    await sink.close();
  }
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  summary.recordsPerSecond = summary.seconds > 0 ? summary.written / summary.seconds : 0;
  summary.aborted = o.signal?.aborted ?? false;
  return summary;
}
