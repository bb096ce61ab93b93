// The --queue switches of `extract` and `context`: the run becomes the coordinator of a BullMQ
// queue on Redis and `shapca worker` processes (any number, on any machines) do the work.
import type { Command } from 'commander';

import { positiveInt } from './parse.js';

export interface QueueFlags {
  queue?: string | true;
  chunkSize?: number;
  inFlight: number;
  attempts: number;
  lockMs?: number;
  keepQueue?: boolean;
  redisWait: number;
}

export function addQueueFlags(cmd: Command, o: { chunk: string }): Command {
  return cmd
    .option('--queue [url]', 'coordinate `shapca worker` processes through Redis: redis://[user:password@]host:port[/db] (default $SHAPCA_REDIS_URL)')
    .option('--chunk-size <n>', `with --queue: ${o.chunk} per queue job`, positiveInt('--chunk-size'))
    .option('--in-flight <n>', 'with --queue: chunks on the queue at once (bounds Redis memory; ≥ 2 × the workers\' total concurrency)', positiveInt('--in-flight'), 16)
    .option('--attempts <n>', 'with --queue: attempts per chunk before it is given up', positiveInt('--attempts'), 3)
    .option('--lock-ms <ms>', "with --queue: a chunk's lock time; a dead worker's chunk is taken again after about this long (default 30000)", positiveInt('--lock-ms'))
    .option('--keep-queue', "with --queue: keep the run's keys in Redis at the end, for inspection")
    .option('--redis-wait <seconds>', 'with --queue: how long Redis may stay unreachable before the run fails', positiveInt('--redis-wait'), 60);
}

export const QUEUE_HELP = `
Distributed runs (--queue): this process becomes the coordinator. It cuts the input into chunks,
puts at most --in-flight of them on a BullMQ queue in Redis, and writes the results as the chunks
come back, in input order: the same bytes as without --queue. \`shapca worker --queue URL\` processes,
on this or other machines, do the work. Workers open the model folder, the images and the context
files by the paths given here (relative paths from their own working directory): put them on a
volume every machine mounts at the same place. A worker whose copy of the model differs refuses
the run (said here, and in the summary). A chunk whose worker dies is taken again after --lock-ms; a
chunk that fails --attempts times gets an error line per record and the run goes on. Stopped or
crashed, rerun with --resume: finished chunks still in Redis are not run again. A finished run
leaves nothing in Redis (unless --keep-queue). The password in the URL is never printed.
`;
