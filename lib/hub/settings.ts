// Where the Hub is and where its files are cached, read from the same environment variables as
// Python's huggingface_hub, so that both share one cache and one login:
//   HF_ENDPOINT       the Hub (default https://huggingface.co)
//   HF_HOME           default $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface
//   HF_HUB_CACHE      default $HF_HOME/hub (legacy HUGGINGFACE_HUB_CACHE)
//   HF_TOKEN          the token (legacy HUGGING_FACE_HUB_TOKEN); else the file HF_TOKEN_PATH,
//                     default $HF_HOME/token, which `huggingface-cli login` writes
//   HF_HUB_OFFLINE    1/ON/YES/TRUE: the cache only (TRANSFORMERS_OFFLINE too)
//   HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT   seconds to wait for an answer / for data
//   HF_HUB_DISABLE_IMPLICIT_TOKEN  do not send the stored token
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { HubError } from './errors.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const TRUE_VALUES = new Set(['1', 'ON', 'YES', 'TRUE']);
const MAX_TOKEN_FILE = 4096;

/** A token that prints as "[hidden]" however it is logged or serialised. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[hidden]';
  }

  toJSON(): string {
    return '[hidden]';
  }

  [inspect.custom](): string {
    return 'Secret([hidden])';
  }
}

export interface HubSettings {
  /** The Hub's origin and base path, without a trailing slash. */
  endpoint: string;
  /** The hub cache folder (models--org--name/... inside). */
  cacheDir: string;
  token: Secret | null;
  /** Where the token came from, for messages: 'HF_TOKEN', a file path, or null. */
  tokenSource: string | null;
  offline: boolean;
  /** Wait for the answer to a metadata request (HEAD). */
  etagTimeoutMs: number;
  /** Wait for the next bytes of a download. */
  downloadTimeoutMs: number;
}

type Env = Record<string, string | undefined>;

const isTrue = (v: string | undefined) => v !== undefined && TRUE_VALUES.has(v.trim().toUpperCase());

function expandHome(path: string, home: string): string {
  return path === '~' || path.startsWith('~/') ? join(home, path.slice(1)) : path;
}

function seconds(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback * 1000;
  const s = Number(raw);
  if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`expected a positive number of seconds for ${name} but received ${JSON.stringify(raw)}`);
  return s * 1000;
}

function readTokenFile(path: string): string | null {
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_TOKEN_FILE) return null;
    text = buf.toString('utf8');
  } catch {
    return null;
  }
  const token = text.trim();
  return token === '' ? null : token;
}

export function hubSettings(env: Env = process.env, home: string = homedir()): HubSettings {
  const hfHome = expandHome(env.HF_HOME || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'huggingface'), home);
  const cacheDir = expandHome(env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome, 'hub'), home);
  const endpoint = (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new HubError(`HF_ENDPOINT is not a URL: ${JSON.stringify(endpoint)}`, 'SHAPCA_HUB_INVALID_ID');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HubError(`HF_ENDPOINT must be an http(s) URL but is ${JSON.stringify(endpoint)}`, 'SHAPCA_HUB_INVALID_ID');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new HubError('HF_ENDPOINT must not carry credentials, a query or a fragment', 'SHAPCA_HUB_INVALID_ID');
  }
  let token: string | null = (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || '').trim() || null;
  let tokenSource: string | null = token ? (env.HF_TOKEN ? 'HF_TOKEN' : 'HUGGING_FACE_HUB_TOKEN') : null;
  if (!token && !isTrue(env.HF_HUB_DISABLE_IMPLICIT_TOKEN)) {
    const path = expandHome(env.HF_TOKEN_PATH || join(hfHome, 'token'), home);
    token = readTokenFile(path);
    tokenSource = token ? path : null;
  }
  return {
    endpoint, cacheDir, token: token ? new Secret(token) : null, tokenSource,
    offline: isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE),
    etagTimeoutMs: seconds(env, 'HF_HUB_ETAG_TIMEOUT', 10),
    downloadTimeoutMs: seconds(env, 'HF_HUB_DOWNLOAD_TIMEOUT', 10),
  };
}
