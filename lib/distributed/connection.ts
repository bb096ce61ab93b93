// Connections to the queue's Redis. A first check fails fast (a bad address, no server, a wrong
// password: one line within seconds); the connections BullMQ then uses reconnect without end, so a
// restarted Redis only pauses the run (the coordinator bounds that pause itself).
import { Redis, type RedisOptions } from 'ioredis';

import { QueueError, type RedisTarget } from './redis-url.js';

/** How long the first connection may take before the address is reported unreachable. */
export const CONNECT_TIMEOUT_MS = 5000;

/** Reconnect delays after a lost connection: 100 ms doubling to 2 s, forever. */
function reconnectDelay(times: number): number {
  return Math.min(2000, 100 * 2 ** Math.min(times, 5));
}

/** Options of a long-lived connection (maxRetriesPerRequest null: BullMQ's blocking calls need it). */
export function connectionOptions(target: RedisTarget, name: string): RedisOptions {
  return {
    ...target.options, connectionName: name, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: null, retryStrategy: reconnectDelay,
    enableReadyCheck: true,
  };
}

/** A connection for BullMQ or our own keys; errors are handed to `onError` (redacted), never thrown at the process. */
export function openConnection(target: RedisTarget, name: string, onError: (message: string) => void): Redis {
  const client = new Redis(connectionOptions(target, name));
  client.on('error', (err: Error) => onError(target.redact(err.message)));
  return client;
}

/** What a failed first connection means, for people. */
function reasonOf(err: Error): string {
  const m = err.message;
  if (/WRONGPASS|invalid username-password/i.test(m)) return 'the server refused the user name or password (WRONGPASS)';
  if (/NOAUTH/i.test(m)) return 'the server needs a password (NOAUTH): put it in the URL, redis://:password@host:port';
  if (/ECONNREFUSED/.test(m)) return 'connection refused (is redis-server running there?)';
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return 'unknown host';
  if (/ETIMEDOUT|timed? ?out/i.test(m)) return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  return m.split('\n')[0]!;
}

/**
 * Connects once, without retries, checks the server answers as a Redis ≥ 5 (BullMQ's minimum) and
 * hangs up: a QueueError with the reason otherwise, the password never in it.
 */
export async function checkRedis(target: RedisTarget): Promise<{ version: string }> {
  const client = new Redis({
    ...target.options, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null,
    enableOfflineQueue: false, connectionName: 'shapca-check',
  });
  let first: Error | undefined; // the socket's own error: the promise below only says "Connection is closed"
  client.on('error', (err: Error) => {
    first ??= err;
  });
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const major = Number(version.split('.')[0]);
    if (Number.isFinite(major) && major < 5) throw new QueueError(`Redis at ${target.display} is version ${version}; BullMQ needs 5 or later (7 recommended)`);
    return { version };
  } catch (err) {
    if (err instanceof QueueError) throw err;
    throw new QueueError(target.redact(`cannot use Redis at ${target.display}: ${reasonOf(first ?? (err as Error))}`));
  } finally {
    client.disconnect();
  }
}
