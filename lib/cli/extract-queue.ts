// `shapca extract --queue`: the extract command's flags turned into a distributed run (lib/distributed),
// and what such a run adds to the summary line.
import { extractDistributed, type DistributedExtractSummary } from '../distributed/coordinator.js';
import { queueUrlOf } from '../distributed/redis-url.js';
import type { ExtractFileSummary } from '../extract/file.js';
import type { ExtractFlags } from './commands/extract.js';
import { interruptible } from './interrupt.js';

/** What a distributed run adds to the summary line. */
export function queueNotes(s: ExtractFileSummary): string[] {
  if (!('queue' in s)) return [];
  const d = s as DistributedExtractSummary;
  const refusals = Object.entries(d.refusals);
  return [
    `${d.chunks} chunks over ${Object.keys(d.workers).length} workers`,
    d.reusedChunks > 0 ? `${d.reusedChunks} chunks taken from Redis` : '',
    d.failedChunks > 0 ? `${d.failedChunks} chunks (${d.failedRecords} records) failed every attempt` : '',
    refusals.length > 0 ? `${refusals.length} workers refused the model (${refusals[0]![0]}: ${refusals[0]![1]})` : '',
  ];
}

/** `extract --queue`: this process coordinates; `shapca worker` processes run the model. */
export async function extractWithQueue(f: ExtractFlags, report: (s: ExtractFileSummary, json: boolean) => void): Promise<void> {
  if (f.generateContexts) throw new Error('--generate-contexts does not combine with --queue; generate them first with `shapca context --queue` and pass --contexts');
  const queue = queueUrlOf(f.queue);
  const summary = await interruptible((signal) =>
    extractDistributed({
      queue, model: f.model, input: f.input, format: f.format, batchSize: f.batchSize, resume: f.resume ?? false, overwrite: f.overwrite ?? false,
      progress: f.progress, signal, inFlight: f.inFlight, attempts: f.attempts, keepQueue: f.keepQueue ?? false, redisWaitMs: f.redisWait * 1000,
      log: (line) => process.stderr.write(`shapca: ${line}\n`),
      ...(f.output ? { output: f.output } : {}), ...(f.window ? { window: f.window } : {}), ...(f.images ? { imagesDir: f.images } : {}),
      ...(f.chunkSize ? { chunkSize: f.chunkSize } : {}), ...(f.lockMs ? { lockMs: f.lockMs } : {}),
      ...(f.contexts?.length ? { contexts: { files: f.contexts, format: f.contextsFormat } } : {}),
    }),
  );
  report(summary, f.json ?? false);
  if (summary.aborted) throw new Error('stopped before the end; rerun with --resume to continue (finished lines and finished chunks in Redis are kept)');
}
