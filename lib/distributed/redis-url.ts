// The Redis address of a queue: `redis://[user:password@]host:port[/db]` (`rediss://` for TLS),
// parsed into ioredis options, and the same address as it may be printed — the password replaced
// by "***". Every message that can carry the address or the password goes through `redact`.
import type { RedisOptions } from 'ioredis';

export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

export interface RedisTarget {
  /** Connection options for ioredis (host, port, db, user, password, TLS). */
  options: RedisOptions;
  /** The address with the password hidden, for messages. */
  display: string;
  /** Hides the password (and the address as given) in a text; a no-op without a password. */
  redact(text: string): string;
}

const ENV_NAME = 'SHAPCA_REDIS_URL';

/** The queue URL of a flag, else of SHAPCA_REDIS_URL; an error naming both when neither is set. */
export function queueUrlOf(flag: string | true | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof flag === 'string' && flag !== '') return flag;
  const fromEnv = env[ENV_NAME];
  if (fromEnv) return fromEnv;
  throw new QueueError(`expected a Redis URL after --queue or in ${ENV_NAME} (redis://[user:password@]host:port[/db])`);
}

function hide(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/** Parses a queue URL; a malformed one is a QueueError that never repeats the password. */
export function parseRedisUrl(raw: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The text may hold a password: say only what is wrong with its shape.
    throw new QueueError('expected a Redis URL like redis://[user:password@]host:port[/db] but the value given is not a URL');
  }
  const password = decodeURIComponent(url.password);
  const secrets = [...new Set([url.password, password])].filter((s) => s !== '').sort((a, b) => b.length - a.length);
  const display = `${url.protocol}//${url.username ? `${url.username}${password ? ':***' : ''}@` : password ? ':***@' : ''}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  const redact = (text: string) => (password ? hide(text.split(raw).join(display), secrets) : text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new QueueError(`expected a redis:// or rediss:// URL but received ${url.protocol}// (${redact(display)})`);
  }
  if (!url.hostname) throw new QueueError(`expected a host in the Redis URL ${display}`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 1_000_000 || /\//.test(dbText)) throw new QueueError(`expected a database number after the / in ${display}`);
  if (url.search || url.hash) throw new QueueError(`expected no query or fragment in the Redis URL ${display}`);
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(password ? { password } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return { options, display, redact };
}
