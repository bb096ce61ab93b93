// resolveModel: a local folder as it is, or a Hub repo id turned into a snapshot folder of the
// cache holding the files the loaders read — downloaded when needed, from the cache alone when
// offline. The snapshot is pinned to the commit the revision pointed to when config.json was
// asked for, so every file comes from one commit.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

import { RepoCache } from './cache.js';
import { ensureBlob } from './download.js';
import { HubError } from './errors.js';
import { type FileMetadata, fetchMetadata, type MetadataRequest } from './metadata.js';
import {
  CONFIG_FILE, INDEX_FILE, MAX_INDEX_BYTES, MAX_TEXT_FILE_BYTES, type ModelKind, needsTokenizer, PICKLE_FILES, pickleOnlyError,
  shardsOfIndex, TOKENIZER_EXTRA, TOKENIZER_FILES, WEIGHTS_FILE,
} from './model-files.js';
import { checkRepoId, checkRevision, DEFAULT_REVISION, isCommitHash, looksLikeRepoId } from './repo-id.js';
import { hubSettings, type HubSettings } from './settings.js';
import { checkBlob } from './verify.js';

export interface HubOptions {
  /** Branch, tag, commit or refs/pr/N. Default 'main'. */
  revision?: string;
  /** Use the cache only (as HF_HUB_OFFLINE=1 does). Default: HF_HUB_OFFLINE. */
  offline?: boolean;
  /** Where settings come from (HF_ENDPOINT, HF_HOME, HF_TOKEN...). Default process.env. */
  env?: Record<string, string | undefined>;
  /** A progress bar on stderr while downloading (on a terminal). Default true. */
  progress?: boolean;
  /** Where notes go (finished downloads, resumes, fallbacks). Default: stderr. */
  log?: (line: string) => void;
  /** Extra origins a download may be redirected to (besides the endpoint and the Hub's storage). */
  storageOrigins?: string[];
  signal?: AbortSignal;
}

export interface ResolveModelOptions extends HubOptions {
  /** What the folder is for: 'bert' also fetches the tokenizer. Default 'bert'. */
  kind?: ModelKind;
}

export interface ResolvedModel {
  /** The folder to load from. */
  dir: string;
  /** 'folder': nameOrDir was a folder; 'cache': nothing downloaded; 'hub': something was. */
  source: 'folder' | 'cache' | 'hub';
  repoId?: string;
  revision?: string;
  commit?: string;
  /** Files of the snapshot that were resolved. */
  files: string[];
  /** Of those, the ones downloaded now. */
  downloaded: string[];
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

interface Job {
  repoId: string;
  revision: string;
  kind: ModelKind;
  settings: HubSettings;
  cache: RepoCache;
  why: string;
}

/** The snapshot from the cache alone; fails naming the repository, revision and missing file. */
async function fromCache(j: Job): Promise<ResolvedModel> {
  const what = `${j.repoId} at revision ${j.revision}`;
  const commit = await j.cache.commitFor(j.revision);
  if (!commit || !existsSync(j.cache.snapshotDir(commit))) {
    throw new HubError(`${j.why}: ${what} is not in the cache ${j.settings.cacheDir} — fetch it once online (shapca hub download ${j.repoId}${j.revision === DEFAULT_REVISION ? '' : ` --revision ${j.revision}`})`, 'SHAPCA_HUB_OFFLINE');
  }
  const missing = (file: string) => new HubError(`${j.why}: the cached snapshot of ${what} (commit ${commit.slice(0, 12)}) lacks ${file} — fetch it once online`, 'SHAPCA_HUB_OFFLINE');
  const has = (file: string) => j.cache.hasSnapshotFile(commit, file);
  const files = [CONFIG_FILE];
  if (!has(CONFIG_FILE)) throw missing(CONFIG_FILE);
  if (has(WEIGHTS_FILE)) {
    files.push(WEIGHTS_FILE);
  } else if (has(INDEX_FILE)) {
    const path = j.cache.snapshotFile(commit, INDEX_FILE);
    if ((await stat(path)).size > MAX_INDEX_BYTES) throw new HubError(`${path}: over ${MAX_INDEX_BYTES} bytes`, 'SHAPCA_HUB_PROTOCOL');
    const shards = shardsOfIndex(await readFile(path, 'utf8'), path);
    for (const s of shards) if (!has(s)) throw missing(s);
    files.push(INDEX_FILE, ...shards);
  } else {
    const pickle = PICKLE_FILES.find(has);
    if (pickle) throw pickleOnlyError(j.repoId, j.revision, pickle);
    throw missing(`${WEIGHTS_FILE} (or ${INDEX_FILE})`);
  }
  if (needsTokenizer(j.kind)) {
    const present = TOKENIZER_FILES.filter(has);
    if (present.length === 0) throw missing(TOKENIZER_FILES.join(' or '));
    files.push(...present, ...TOKENIZER_EXTRA.filter(has));
  }
  for (const file of files) {
    const blob = await j.cache.blobOf(commit, file);
    if (!blob.etag) continue;
    const check = await checkBlob(blob.path, blob.etag);
    if (!check.ok) {
      throw new HubError(`${what}: the cached ${file} is corrupt (${check.why})${j.settings.offline ? '; run once online to fetch it again' : ''}`, 'SHAPCA_HUB_INTEGRITY');
    }
  }
  return { dir: j.cache.snapshotDir(commit), source: 'cache', repoId: j.repoId, revision: j.revision, commit, files, downloaded: [] };
}

/** Asks the Hub which files to fetch (at one commit), fetches the missing ones, links the snapshot. */
async function fromHub(j: Job, o: ResolveModelOptions, log: (line: string) => void): Promise<ResolvedModel> {
  const base: MetadataRequest = {
    endpoint: j.settings.endpoint, token: j.settings.token, tokenSource: j.settings.tokenSource,
    repoId: j.repoId, revision: j.revision, timeoutMs: j.settings.etagTimeoutMs,
    ...(o.storageOrigins ? { storageOrigins: o.storageOrigins } : {}), ...(o.signal ? { signal: o.signal } : {}),
  };
  const config = await fetchMetadata(base, CONFIG_FILE);
  const what = `${j.repoId} at revision ${j.revision}`;
  if (!config) throw new HubError(`${what} has no ${CONFIG_FILE}: not a transformers model repository`, 'SHAPCA_HUB_NOT_FOUND');
  const commit = config.commit;
  const pinned: MetadataRequest = { ...base, revision: commit };
  const head = (file: string) => fetchMetadata(pinned, file);
  const download = { ...pinned, downloadTimeoutMs: j.settings.downloadTimeoutMs, progress: o.progress ?? true, log };
  const downloaded: string[] = [];
  const fetchFile = async (m: FileMetadata) => {
    const r = await ensureBlob(j.cache, m, download);
    await j.cache.linkSnapshot(commit, m.file, m.etag);
    if (r.downloaded) downloaded.push(m.file);
    return r.path;
  };
  const metas: FileMetadata[] = [config];
  const weights = await head(WEIGHTS_FILE);
  if (weights) {
    metas.push(weights);
  } else {
    await j.cache.markMissing(commit, WEIGHTS_FILE);
    const index = await head(INDEX_FILE);
    if (!index) {
      for (const file of PICKLE_FILES) if (await head(file)) throw pickleOnlyError(j.repoId, j.revision, file);
      throw new HubError(`${what} has neither ${WEIGHTS_FILE} nor ${INDEX_FILE}: no safetensors weights to load`, 'SHAPCA_HUB_NOT_FOUND');
    }
    if (index.size > MAX_INDEX_BYTES) throw new HubError(`${what}: ${INDEX_FILE} declares ${index.size} bytes, over ${MAX_INDEX_BYTES}`, 'SHAPCA_HUB_PROTOCOL');
    const shards = shardsOfIndex(await readFile(await fetchFile(index), 'utf8'), `${j.repoId}/${INDEX_FILE}`);
    for (const shard of shards) {
      const m = await head(shard);
      if (!m) throw new HubError(`${what}: ${INDEX_FILE} names ${shard}, which the repository does not have`, 'SHAPCA_HUB_NOT_FOUND');
      metas.push(m);
    }
  }
  const files = [CONFIG_FILE, ...(weights ? [WEIGHTS_FILE] : [INDEX_FILE]), ...metas.slice(1).map((m) => m.file).filter((f) => f !== WEIGHTS_FILE)];
  if (needsTokenizer(j.kind)) {
    let vocab = 0;
    for (const file of [...TOKENIZER_FILES, ...TOKENIZER_EXTRA]) {
      const m = await head(file);
      if (!m) {
        await j.cache.markMissing(commit, file);
        continue;
      }
      if (TOKENIZER_FILES.includes(file)) vocab++;
      metas.push(m);
      files.push(file);
    }
    if (vocab === 0) throw new HubError(`${what} has neither ${TOKENIZER_FILES.join(' nor ')}: no BERT tokenizer`, 'SHAPCA_HUB_NOT_FOUND');
  }
  for (const m of metas) {
    if (!m.file.endsWith('.safetensors') && m.size > MAX_TEXT_FILE_BYTES) {
      throw new HubError(`${what}: ${m.file} declares ${m.size} bytes, over the ${MAX_TEXT_FILE_BYTES}-byte bound for a config or tokenizer file`, 'SHAPCA_HUB_PROTOCOL');
    }
  }
  for (const m of metas) if (!downloaded.includes(m.file) && m.file !== INDEX_FILE) await fetchFile(m);
  await j.cache.writeRef(j.revision, commit);
  return {
    dir: j.cache.snapshotDir(commit), source: downloaded.length > 0 ? 'hub' : 'cache',
    repoId: j.repoId, revision: j.revision, commit, files, downloaded,
  };
}

/**
 * A folder holding what the loaders of `kind` read: `nameOrDir` itself when it is a folder,
 * else the cache snapshot of the Hub repository it names, fetched if needed (see HubOptions).
 */
export async function resolveModel(nameOrDir: string, o: ResolveModelOptions = {}): Promise<ResolvedModel> {
  if (await isDirectory(nameOrDir)) return { dir: nameOrDir, source: 'folder', files: [], downloaded: [] };
  if (existsSync(nameOrDir)) throw new HubError(`${nameOrDir} is a file; expected a model folder or a Hub repo id`, 'SHAPCA_HUB_INVALID_ID');
  if (!looksLikeRepoId(nameOrDir)) {
    throw new HubError(`${nameOrDir}: no such folder, and not a Hub repo id (org/name)`, 'SHAPCA_HUB_INVALID_ID');
  }
  const settings = hubSettings(o.env);
  const offline = o.offline === true || settings.offline;
  const job: Job = {
    repoId: checkRepoId(nameOrDir), revision: checkRevision(o.revision ?? DEFAULT_REVISION), kind: o.kind ?? 'bert',
    settings: { ...settings, offline }, cache: new RepoCache(settings.cacheDir, nameOrDir),
    why: offline ? `offline (${o.offline ? '--offline' : 'HF_HUB_OFFLINE'})` : 'cache',
  };
  if (offline) return fromCache(job);
  // A commit already in the cache cannot have changed: no need to ask the Hub.
  if (isCommitHash(job.revision)) {
    try {
      return await fromCache(job);
    } catch (err) {
      // Not all there, or a blob spoilt: the Hub fills the gaps (ensureBlob refetches bad blobs).
      if (!(err instanceof HubError) || (err.code !== 'SHAPCA_HUB_OFFLINE' && err.code !== 'SHAPCA_HUB_INTEGRITY')) throw err;
    }
  }
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    return await fromHub(job, o, log);
  } catch (err) {
    // As Python does: when the Hub cannot be reached, a snapshot already cached serves.
    if (!(err instanceof HubError) || err.code !== 'SHAPCA_HUB_NETWORK' || o.signal?.aborted) throw err;
    const cached = await fromCache(job).catch(() => null);
    if (!cached) throw new HubError(`${err.message}; to use the cache only, pass --offline or set HF_HUB_OFFLINE=1`, 'SHAPCA_HUB_NETWORK', { cause: err });
    log(`${err.message}; using the cached snapshot of ${job.repoId} at ${job.revision} (commit ${cached.commit!.slice(0, 12)})`);
    return cached;
  }
}

/**
 * For loaders that take a folder: the folder itself when it exists or cannot be a repo id (the
 * loader then reports it as before), else the resolved snapshot folder of the Hub repository.
 */
export async function modelDir(nameOrDir: string, kind: ModelKind, o: HubOptions = {}): Promise<string> {
  if (existsSync(nameOrDir) || !looksLikeRepoId(nameOrDir)) return nameOrDir;
  return (await resolveModel(nameOrDir, { ...o, kind })).dir;
}
