// The cache as Python's huggingface_hub writes it (blobs named by ETag, snapshots of relative
// links, refs/main without a newline, its fcntl lock files under .locks) is used as is: offline,
// online without downloading, and pinned to a commit without any request. Offline with an empty
// or partial cache fails naming the repository, revision and file; pickle-only weights are
// refused with what to do.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { BertEncoder } from '../../lib/index.js';
import { HubError, resolveModel } from '../../lib/hub/index.js';
import { rejects } from '../helpers.js';
import { fakeHubFor, gitSha1, isLfs, sha256 } from './hub-server.js';
import { bertRepo, hubEnv, pickleOnlyRepo } from './repos.js';

const test = suite('hub: the Python cache layout and offline mode');
const hub = fakeHubFor(test, { 'google/bert-tiny': bertRepo(), 'legacy/pickle-bert': pickleOnlyRepo() });
const quiet = { progress: false, log: () => {} };


/** Writes files into hubDir the way huggingface_hub lays them out. */
async function writePythonCache(hubDir: string, repoId: string, commit: string, files: Record<string, Buffer>): Promise<string> {
  const folder = join(hubDir, `models--${repoId.replace('/', '--')}`);
  const snapshot = join(folder, 'snapshots', commit);
  await mkdir(join(folder, 'blobs'), { recursive: true });
  await mkdir(snapshot, { recursive: true });
  await mkdir(join(folder, 'refs'), { recursive: true });
  await mkdir(join(hubDir, '.locks', `models--${repoId.replace('/', '--')}`), { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    const etag = isLfs(name) ? sha256(bytes) : gitSha1(bytes);
    await writeFile(join(folder, 'blobs', etag), bytes);
    await symlink(`../../blobs/${etag}`, join(snapshot, name));
    await writeFile(join(hubDir, '.locks', `models--${repoId.replace('/', '--')}`, `${etag}.lock`), '');
  }
  await writeFile(join(folder, 'refs', 'main'), commit);
  return snapshot;
}

const needed = () => {
  const { 'pytorch_model.bin': _p, 'README.md': _r, ...files } = bertRepo().files;
  return files;
};

test('a cache written by Python is found offline, reused online without downloads, and loads', async () => {
  const env = await hubEnv(hub);
  const commit = bertRepo().commit;
  const snapshot = await writePythonCache(join(env.HF_HOME!, 'hub'), 'google/bert-tiny', commit, needed());
  const offline = await resolveModel('google/bert-tiny', { ...quiet, env: { ...env, HF_HUB_OFFLINE: 'true' } });
  assert.is(offline.dir, snapshot);
  assert.equal(offline.files, ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']);
  const enc = await BertEncoder.fromPretrained('google/bert-tiny', { hub: { ...quiet, env, offline: true } });
  assert.is(enc.config.hidden_size, 16);
  enc.dispose();

  const online = await resolveModel('google/bert-tiny', { ...quiet, env });
  assert.is(online.dir, snapshot);
  assert.equal(online.downloaded, []);
  assert.not.ok(hub.requests.some((r) => r.method === 'GET'), 'Python\'s blobs pass the ETag check: nothing downloaded');

  hub.requests.length = 0;
  const pinned = await resolveModel('google/bert-tiny', { ...quiet, env, revision: commit });
  assert.is(pinned.dir, snapshot);
  assert.is(hub.requests.length, 0, 'a cached commit needs no request');

  // HF_HUB_CACHE wins over HF_HOME.
  const moved = await resolveModel('google/bert-tiny', { ...quiet, env: { HF_HUB_CACHE: join(env.HF_HOME!, 'hub'), HF_HOME: '/nonexistent', HF_HUB_OFFLINE: '1' } });
  assert.is(moved.dir, snapshot);
});

test('offline with an empty cache, or a partial snapshot: says which repo, revision and file', async () => {
  const env = await hubEnv(null, { HF_HUB_OFFLINE: '1' });
  const cache = join(env.HF_HOME!, 'hub');
  const empty = await rejects(resolveModel('google/bert-tiny', { ...quiet, env }), HubError, /^offline \(HF_HUB_OFFLINE\): google\/bert-tiny at revision main is not in the cache .* — fetch it once online \(shapca hub download google\/bert-tiny\)$/);
  assert.is((empty as HubError).code, 'SHAPCA_HUB_OFFLINE');
  assert.ok(empty.message.includes(cache));
  await rejects(resolveModel('google/bert-tiny', { ...quiet, env: { ...env, HF_HUB_OFFLINE: '0' }, offline: true, revision: 'v2' }), HubError, /^offline \(--offline\): google\/bert-tiny at revision v2 is not in the cache .*--revision v2\)$/);

  const { 'vocab.txt': _v, ...noVocab } = needed();
  const { 'tokenizer.json': _t, ...files } = noVocab;
  await writePythonCache(cache, 'google/bert-tiny', bertRepo().commit, files);
  await rejects(resolveModel('google/bert-tiny', { ...quiet, env }), HubError, /the cached snapshot of google\/bert-tiny at revision main \(commit [0-9a-f]{12}\) lacks tokenizer\.json or vocab\.txt/);
  const vit = await resolveModel('google/bert-tiny', { ...quiet, env, kind: 'vit' });
  assert.equal(vit.files, ['config.json', 'model.safetensors'], 'a vision model needs no tokenizer');
});

test('pickle-only weights: refused online and offline, with the safetensors way out', async () => {
  const env = await hubEnv(hub);
  const err = await rejects(resolveModel('legacy/pickle-bert', { ...quiet, env }), HubError, /only PyTorch pickle weights \(pytorch_model\.bin\), which shapca does not load/);
  assert.is((err as HubError).code, 'SHAPCA_HUB_PICKLE_ONLY');
  assert.match(err.message, /--revision .*refs\/pr\/N/);
  assert.match(err.message, /torch\.load\('pytorch_model\.bin', map_location='cpu', weights_only=True\); save_file\(/);
  assert.not.ok(hub.requests.some((r) => r.method === 'GET' && r.path.includes('pytorch_model')), 'the pickle is never downloaded');
  assert.not.ok(err.message.includes('\n'), 'one line');

  const off = await hubEnv(null, { HF_HUB_OFFLINE: '1' });
  const { 'model.safetensors': _m, ...files } = bertRepo().files;
  await writePythonCache(join(off.HF_HOME!, 'hub'), 'legacy/pickle-bert', pickleOnlyRepo().commit, files);
  await rejects(resolveModel('legacy/pickle-bert', { ...quiet, env: off }), HubError, /only PyTorch pickle weights/);
});

test.run();
