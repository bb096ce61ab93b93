// `shapca worker`: a long-running process that runs the chunks of every `extract --queue` and
// `context --queue` run on a Redis server. The work is lib/distributed/worker.ts; this file turns
// flags into options and signals into a stop (SIGTERM/SIGINT: finish the chunks in hand, then exit
// 0; a second signal hands them back to the queue at once).
import { type Command } from 'commander';

import { queueUrlOf } from '../../distributed/redis-url.js';
import { runWorker } from '../../distributed/worker.js';
import type { DeviceRequest } from '../../device.js';
import { addDeviceFlag, DEVICE_HELP, deviceOf } from '../device-flag.js';
import { positiveInt } from '../parse.js';

interface WorkerFlags {
  queue?: string | true;
  concurrency: number;
  threads?: number;
  models: number;
  lockMs: number;
  maxStalled: number;
  name?: string;
  device: DeviceRequest;
  quiet?: boolean;
}

const HELP = `
What it does:
  Serves every run that a coordinator (\`shapca extract --queue URL\` or \`shapca context --queue URL\`)
  has on the Redis server: takes a chunk, runs it, returns its lines, takes the next. Start one or
  more per machine (e.g. one per GPU, or one per few cores with --threads); they can join and leave
  at any time. The model is loaded on the first chunk that names it and kept loaded (the last
  --models used). Model folders, images and context files are opened by the paths the coordinator
  gives (relative ones from this process's working directory): mount the shared volume at the same
  place on every machine. A copy of the model that differs from the coordinator's (content hash) is
  refused: the chunk goes back to the queue for another worker and the coordinator reports it.

Stopping: SIGTERM or Ctrl-C finishes the chunks in hand and exits 0; a second one hands them back to
the queue at once. A worker that dies (SIGKILL, power loss) loses nothing: its chunk is taken again
once its lock expires (--lock-ms, or the coordinator's --lock-ms).

Contexts (\`context --queue\`): the API key is read from this machine's environment, under the name
the coordinator was given (--api-key-env, default OPENAI_API_KEY); keys never go through Redis.

Example (one Redis, any number of machines):
  redis-host$  redis-server --port 6379 --requirepass "$PW"
  each worker$ SHAPCA_REDIS_URL=redis://:$PW@redis-host:6379 shapca worker --threads 4
  one machine$ SHAPCA_REDIS_URL=redis://:$PW@redis-host:6379 shapca extract --queue \\
                 --model /shared/runs/t15/best --input /shared/posts.jsonl -o /shared/out.jsonl
`;

export function register(program: Command): void {
  const cmd = program
    .command('worker')
    .description('Run the chunks of distributed `extract --queue` and `context --queue` runs (BullMQ on Redis) until stopped')
    .option('--queue [url]', 'the Redis of the runs: redis://[user:password@]host:port[/db] (default $SHAPCA_REDIS_URL)')
    .option('--concurrency <n>', 'chunks run at once', positiveInt('--concurrency'), 1)
    .option('--threads <n>', 'native threads', positiveInt('--threads'))
    .option('--models <n>', 'models kept loaded (least recently used dropped)', positiveInt('--models'), 3)
    .option('--lock-ms <ms>', "a chunk's lock time unless the coordinator sets it", positiveInt('--lock-ms'), 30_000)
    .option('--max-stalled <n>', 'times a chunk may be taken back from a dead worker before it fails', positiveInt('--max-stalled'), 5)
    .option('--name <name>', 'how this worker is named in summaries and refusals (default host:pid)')
    .option('--quiet', 'no log lines on stderr');
  addDeviceFlag(cmd)
    .addHelpText('after', HELP + DEVICE_HELP)
    .action(async (f: WorkerFlags) => {
      const queue = queueUrlOf(f.queue);
      const log = f.quiet ? () => undefined : (line: string) => process.stderr.write(`shapca worker: ${line}\n`);
      const stop = new AbortController();
      const handBack = new AbortController();
      const onSignal = () => {
        if (stop.signal.aborted) {
          log('handing the chunks in hand back to the queue');
          handBack.abort();
        } else {
          log('stopping after the chunks in hand (signal again to hand them back now)');
          stop.abort();
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const s = await runWorker({
          queue, concurrency: f.concurrency, models: f.models, lockMs: f.lockMs, maxStalled: f.maxStalled, device: deviceOf(f.device),
          signal: stop.signal, handBack: handBack.signal, log, ...(f.threads ? { threads: f.threads } : {}), ...(f.name ? { name: f.name } : {}),
          onReady: (display) => log(`waiting for runs on ${display}`),
        });
        log(`stopped: ${s.chunks} chunks (${s.records} records), ${s.failed} failed, ${s.refused} refused`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
