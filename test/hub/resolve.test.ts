// Models by Hub id against the local Hub stand-in: the first load downloads exactly the files the
// loaders read into Python's cache layout, the second works offline, and the encoders loaded from
// the snapshot equal those loaded from the fixture folders.
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { BertEncoder, model, VitEncoder } from '../../lib/index.js';
import { HubError, listCache, resolveModel } from '../../lib/hub/index.js';
import { rejects } from '../helpers.js';
import { fakeHubFor, gitSha1, sha256 } from './hub-server.js';
import { bertRepo, hubEnv, vitShardedRepo } from './repos.js';

const test = suite('hub: resolve models by id');
const hub = fakeHubFor(test, { 'tiny/bert': bertRepo(), 'tiny/vit-sharded': vitShardedRepo() }, { 'old-bert': 'tiny/bert' });
const quiet = { progress: false, log: () => {} };


test('first load downloads only what the loaders read, into the Python layout; the second works offline', async () => {
  const env = await hubEnv(hub);
  const repo = hub.repos.get('tiny/bert')!;
  const first = await resolveModel('tiny/bert', { ...quiet, env, kind: 'bert' });
  assert.is(first.source, 'hub');
  assert.is(first.commit, repo.commit);
  assert.equal(first.downloaded.sort(), ['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);
  const folder = join(env.HF_HOME!, 'hub', 'models--tiny--bert');
  assert.is(first.dir, join(folder, 'snapshots', repo.commit));
  assert.is((await readFile(join(folder, 'refs', 'main'), 'utf8')), repo.commit, 'refs/main holds the commit, no newline');
  // Snapshot entries are relative links to blobs named by the ETag: sha256 for LFS, git sha1 otherwise.
  assert.is(await readlink(join(first.dir, 'model.safetensors')), `../../blobs/${sha256(repo.files['model.safetensors']!)}`);
  assert.is(await readlink(join(first.dir, 'config.json')), `../../blobs/${gitSha1(repo.files['config.json']!)}`);
  assert.ok((await lstat(join(folder, '.no_exist', repo.commit, 'tokenizer.json'))).isFile(), 'a 404 is remembered as Python does');
  const fetched = hub.requests.filter((r) => r.method === 'GET').map((r) => r.path);
  assert.not.ok(fetched.some((p) => /pytorch_model|README/.test(p)), `fetched ${fetched.join(', ')}`);
  assert.ok(fetched.some((p) => p.startsWith('/storage/')), 'the LFS file came through the storage redirect');

  hub.requests.length = 0;
  const offline = await resolveModel('tiny/bert', { ...quiet, env: { ...env, HF_HUB_OFFLINE: '1' } });
  assert.is(offline.source, 'cache');
  assert.is(offline.dir, first.dir);
  assert.is(hub.requests.length, 0, 'offline: no request at all');

  const again = await resolveModel('tiny/bert', { ...quiet, env });
  assert.is(again.source, 'cache');
  assert.equal(again.downloaded, []);
  assert.not.ok(hub.requests.some((r) => r.method === 'GET'), 'online with a full cache: metadata only');
});

test('encoders loaded by id equal those loaded from the fixture folders', async () => {
  const env = await hubEnv(hub);
  const hubOpts = { env, progress: false, log: () => {} };
  const fromId = await BertEncoder.fromPretrained('tiny/bert', { hub: hubOpts });
  const fromDir = await BertEncoder.fromPretrained('test/fixtures/encoders/bert');
  const ids = Int32Array.from([2, 7, 9, 11, 3, 0]);
  const a = await fromId.forward({ inputIds: ids, batch: 1, seqLen: 6 });
  const b = await fromDir.forward({ inputIds: ids, batch: 1, seqLen: 6 });
  assert.equal(a.lastHiddenState, b.lastHiddenState);
  fromId.dispose();
  fromDir.dispose();

  hub.requests.length = 0;
  const vit = await resolveModel('tiny/vit-sharded', { ...hubOpts, kind: 'vit' });
  assert.equal(vit.files.sort(), ['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
  assert.not.ok(hub.requests.some((r) => r.path.includes('preprocessor_config') || r.path.includes('vocab.txt')), 'a ViT needs no tokenizer');
  const vitId = await VitEncoder.fromPretrained('tiny/vit-sharded', { hub: { ...hubOpts, offline: true } });
  const vitDir = await VitEncoder.fromPretrained('test/fixtures/encoders/vit-sharded');
  const pixels = Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => Math.sin(i));
  assert.equal((await vitId.forward({ pixels, batch: 1 })).lastHiddenState, (await vitDir.forward({ pixels, batch: 1 })).lastHiddenState);
  vitId.dispose();
  vitDir.dispose();
});

test('createFromPretrained takes Hub ids for the text and image encoders', async () => {
  const env = await hubEnv(hub);
  const m = await model.createFromPretrained({
    textDir: 'tiny/bert', imageDir: 'tiny/vit-sharded', entityTypes: ['PER', 'LOC'], hub: { env, progress: false, log: () => {} },
  });
  assert.is(m.tokenizer.vocabSize, 50);
  assert.is(m.parts.image?.config.image_size, 16);
  m.parts.text.dispose();
  m.parts.image?.dispose();
});

test('a renamed repository: the relative redirect is followed, the cache keeps the name asked for', async () => {
  const env = await hubEnv(hub);
  const r = await resolveModel('old-bert', { ...quiet, env });
  assert.is(r.commit, hub.repos.get('tiny/bert')!.commit);
  assert.ok(r.dir.includes(`${join('hub', 'models--old-bert', 'snapshots')}`), r.dir);
  const [listed] = await listCache(join(env.HF_HOME!, 'hub'));
  assert.is(listed!.repoId, 'old-bert');
  assert.equal(listed!.snapshots[0]!.refs, ['main']);
});

test('unknown repository, revision or weights: one line naming what is missing', async () => {
  const env = await hubEnv(hub);
  const e1 = await rejects(resolveModel('tiny/nope', { ...quiet, env }), HubError, /^tiny\/nope: not a local folder, and the Hub \(http:\/\/127\.0\.0\.1:\d+\) has no such repository, or it is private and no token was sent: set HF_TOKEN/);
  assert.is((e1 as HubError).code, 'SHAPCA_HUB_NOT_FOUND');
  assert.is((e1 as HubError).status, 401);
  await rejects(resolveModel('tiny/nope', { ...quiet, env: { ...env, HF_TOKEN: 'hf_x' } }), HubError, /^tiny\/nope: not a local folder, and no such repository on /);
  await rejects(resolveModel('test/fixtures/encoders/bert/config.json', { ...quiet, env }), HubError, /is a file; expected a model folder or a Hub repo id/);
  await rejects(resolveModel('tiny/bert', { ...quiet, env, revision: 'v9' }), HubError, /no revision "v9"/);
  await rejects(resolveModel('not a/repo id!', { ...quiet, env }), HubError, /no such folder, and not a Hub repo id/);
  await rejects(resolveModel('tiny/bert', { ...quiet, env, revision: '../../etc' }), HubError, /not a revision/);
});

test('a folder is returned as it is, without looking at the Hub', async () => {
  const env = await hubEnv(hub);
  const r = await resolveModel('test/fixtures/encoders/bert', { ...quiet, env });
  assert.is(r.source, 'folder');
  assert.is(r.dir, 'test/fixtures/encoders/bert');
  assert.is(hub.requests.length, 0);
});

test.run();
