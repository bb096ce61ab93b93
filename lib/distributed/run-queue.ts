// A coordinator's side of the queue: one BullMQ queue per run (keys `shapca:<queue>:…`), its entry
// in the set of live runs kept fresh (workers serve what is there; a restarted Redis gets it back on
// the next tick), chunks added under fixed ids (adding one that exists is a no-op, so a resumed
// coordinator picks up the jobs its predecessor left), and a promise per chunk that settles when the
// chunk is done. Completion is heard from BullMQ's event stream and checked by polling as well, which
// also notices chunks that vanished with a restarted Redis and adds them again.
import { type Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';

import { openConnection } from './connection.js';
import { KEY_PREFIX, refusalsKey, RUNS_KEY, type RunSettings, settingsKey } from './payload.js';
import { QueueError, type RedisTarget } from './redis-url.js';
import { DISCOVERY_MS } from './worker.js';

export interface RunQueueOptions {
  target: RedisTarget;
  /** The run's queue name (stable across a resume). */
  name: string;
  /** Attempts per chunk before it fails for good. */
  attempts: number;
  /** How long Redis may stay unreachable before the run fails, ms. */
  redisWaitMs: number;
  /** What workers serve the run with. */
  settings?: RunSettings;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** How a chunk ended: its worker's result, or why it failed for good. */
export type ChunkOutcome<R> = { ok: true; result: R; reused: boolean } | { ok: false; reason: string };

interface Tracked<D, R> {
  data: D;
  resolve(o: ChunkOutcome<R>): void;
  reject(e: Error): void;
  /** The job was complete when this coordinator first added it (a resumed run). */
  reused: boolean;
}

const POLL_MS = 500;
/** How long a run waits for a worker that accepts its model once every worker has refused it (workers may be starting). */
const REFUSED_GRACE_MS = 30_000;

export class RunQueue<D extends object, R> {
  private readonly tracked = new Map<string, Tracked<D, R>>();
  private readonly refusals = new Map<string, string>();
  private fatal: QueueError | null = null;
  private lastOk = Date.now();
  private ticking = false;
  private timer: NodeJS.Timeout;
  private lastTrouble = '';
  private refusedSince = 0;

  private constructor(
    private readonly o: RunQueueOptions,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly redis: Redis,
    /** Connections handed to BullMQ, which does not close what it was given. */
    private readonly given: Redis[],
  ) {
    const wake = ({ jobId }: { jobId: string }) => {
      if (this.tracked.has(jobId)) void this.tick();
    };
    events.on('completed', wake);
    events.on('failed', wake);
    this.timer = setInterval(() => void this.tick(), POLL_MS);
  }

  static async open<D extends object, R>(o: RunQueueOptions): Promise<RunQueue<D, R>> {
    const trouble = (message: string) => rq?.trouble(message);
    let rq: RunQueue<D, R> | undefined;
    const redis = openConnection(o.target, 'shapca-coordinator', trouble);
    const given = [openConnection(o.target, 'shapca-coordinator', trouble), openConnection(o.target, 'shapca-coordinator-events', trouble)];
    const queue = new Queue(o.name, { connection: given[0]!, prefix: KEY_PREFIX });
    const events = new QueueEvents(o.name, { connection: given[1]!, prefix: KEY_PREFIX });
    queue.on('error', (err) => trouble(err.message));
    events.on('error', (err) => trouble(err.message));
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    rq = new RunQueue<D, R>(o, queue, events, redis, given);
    await rq.heartbeat();
    return rq;
  }

  /** Workers that refused the run (model differs), with their reason. */
  get refused(): ReadonlyMap<string, string> {
    return this.refusals;
  }

  /** Adds a chunk (a no-op when its job exists); `outcome` settles when it is done or failed for good. */
  async submit(id: string, data: D): Promise<{ outcome: Promise<ChunkOutcome<R>> }> {
    if (this.fatal) throw this.fatal;
    const outcome = new Promise<ChunkOutcome<R>>((resolve, reject) => this.tracked.set(id, { data, resolve, reject, reused: false }));
    outcome.catch(() => undefined); // the caller awaits it later; a fatal error meanwhile is not unhandled
    await this.add(id, data);
    // Left failed by an earlier run of this coordinator: tried again.
    const state = await this.queue.getJobState(id);
    if (state === 'failed') await (await this.queue.getJob(id))?.retry('failed');
    const t = this.tracked.get(id);
    if (t && state === 'completed') t.reused = true;
    void this.tick();
    return { outcome };
  }

  /** Removes a chunk whose outcome is written (kept until then, so a resumed run finds it). */
  async consumed(id: string): Promise<void> {
    await this.queue.remove(id).catch(() => undefined);
  }

  private add(id: string, data: D): Promise<Job> {
    return this.queue.add('chunk', data, { jobId: id, attempts: this.o.attempts, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
  }

  /** The run's entry in the set of live runs, and its settings (both written again after a Redis restart). */
  private async heartbeat(): Promise<void> {
    await this.redis.multi().set(settingsKey(this.o.name), JSON.stringify(this.o.settings ?? {})).zadd(RUNS_KEY, Date.now(), this.o.name).exec();
  }

  private trouble(message: string): void {
    const m = this.o.target.redact(message);
    if (m !== this.lastTrouble) this.o.log(`redis: ${m}`);
    this.lastTrouble = m;
  }

  private fail(e: QueueError): void {
    if (this.fatal) return;
    this.fatal = e;
    for (const t of this.tracked.values()) t.reject(e);
    this.tracked.clear();
  }

  private async tick(): Promise<void> {
    if (Date.now() - this.lastOk > this.o.redisWaitMs) {
      this.fail(new QueueError(`lost Redis at ${this.o.target.display} for more than ${Math.round(this.o.redisWaitMs / 1000)} s${this.lastTrouble ? ` (${this.lastTrouble})` : ''}`));
    }
    if (this.ticking || this.fatal) return;
    this.ticking = true;
    try {
      await this.heartbeat();
      for (const [id, t] of [...this.tracked]) {
        const state = await this.queue.getJobState(id);
        if (state === 'completed') {
          const job = await this.queue.getJob(id);
          if (!job) continue; // removed meanwhile: seen again next tick
          this.tracked.delete(id);
          t.resolve({ ok: true, result: job.returnvalue as R, reused: t.reused });
        } else if (state === 'failed') {
          const job = await this.queue.getJob(id);
          this.tracked.delete(id);
          t.resolve({ ok: false, reason: job?.failedReason ?? 'failed' });
        } else if (state === 'unknown') {
          this.o.log(`chunk ${id} is no longer in Redis (was it restarted?): added again`);
          await this.add(id, t.data);
        }
      }
      await this.checkRefusals();
      if (this.lastTrouble) this.o.log('redis: connected again');
      this.lastTrouble = '';
      this.lastOk = Date.now();
    } catch (err) {
      this.trouble((err as Error).message);
    } finally {
      this.ticking = false;
    }
  }

  /** Reports new refusals; fails the run when every worker has refused it for a while. */
  private async checkRefusals(): Promise<void> {
    const all = await this.redis.hgetall(refusalsKey(this.o.name));
    for (const [worker, reason] of Object.entries(all)) {
      if (this.refusals.has(worker)) continue;
      this.refusals.set(worker, reason);
      this.o.log(`worker ${worker} refused this run's chunks: ${reason}`);
    }
    if (this.refusals.size === 0 || this.tracked.size === 0) return;
    if ((await this.queue.getWorkersCount()) > 0) {
      this.refusedSince = 0;
      return;
    }
    this.refusedSince ||= Date.now();
    if (Date.now() - this.refusedSince > REFUSED_GRACE_MS) {
      const [worker, reason] = [...this.refusals][0]!;
      this.fail(new QueueError(`no worker can run this model: ${this.refusals.size} refused it (${worker}: ${reason})`));
    }
  }

  /**
   * Stops: the run leaves the set of live runs, and unless `keep`, once the workers have let go
   * (a discovery period), every key of the run is deleted.
   */
  async close(o: { keep: boolean }): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.redis.zrem(RUNS_KEY, this.o.name);
      if (!o.keep) {
        await sleep(2 * DISCOVERY_MS + 200);
        await this.queue.obliterate({ force: true });
        await this.deleteLeftovers();
      }
    } finally {
      await this.events.close().catch(() => undefined);
      await this.queue.close().catch(() => undefined);
      this.redis.disconnect();
      for (const c of this.given) c.disconnect();
    }
  }

  /** Keys of the run that obliterate does not know (ours, and a worker's last stalled-check mark). */
  private async deleteLeftovers(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${KEY_PREFIX}:${this.o.name}:*`, 'COUNT', 1000);
      if (keys.length) await this.redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
