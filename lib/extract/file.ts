// Extraction from a file to a file (or stdout): what `shapca extract` runs. Resuming counts the
// complete lines the output holds, checks that they belong to this input (the id of the last one
// must be the id of the input's record at that position), and carries on from there.
import { dirname } from 'node:path';

import { type ExtractOptions, runPipeline } from './pipeline.js';
import { inspectOutput, type LineSink, openFileSink, resultLine, streamSink } from './output.js';
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

/** Checks, while passing items through, that record `done` of the input has the output's last id. */
export async function* checkedContinuation(items: AsyncIterable<SourceItem>, done: number, lastId: string | null, o: { input: string; output: string }): AsyncGenerator<SourceItem> {
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
  const format = !o.format || o.format === 'auto' ? await detectFormat(o.input) : o.format;
  const state = o.resume && o.output ? await inspectOutput(o.output) : { done: 0, lastId: null, repairedBytes: 0 };
  let items: AsyncIterable<SourceItem> = fileItems(o.input, format, { images: o.imagesDir !== undefined });
  if (state.done > 0) items = checkedContinuation(items, state.done, state.lastId, { input: o.input, output: o.output! });
  const total = o.progress && process.stderr.isTTY ? await countItems(o.input, format) : 0;
  const sink: LineSink = o.output ? await openFileSink(o.output, { resume: o.resume ?? false, overwrite: o.overwrite ?? false }) : streamSink(process.stdout);
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
      buffer += resultLine(r);
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
