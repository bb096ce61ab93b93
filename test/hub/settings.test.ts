// Settings read as Python's huggingface_hub reads them, repo id and revision checks, and the
// redirect rules for downloads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';

import { HubError, checkRepoId, hubSettings, resolveUrl } from '../../lib/hub/index.js';
import { storageAllowed } from '../../lib/hub/http.js';
import { checkRevision } from '../../lib/hub/repo-id.js';

const test = suite('hub: settings, ids, redirect rules');

test('cache folder and endpoint: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME or ~/.cache', () => {
  assert.is(hubSettings({}, '/home/u').cacheDir, '/home/u/.cache/huggingface/hub');
  assert.is(hubSettings({}, '/home/u').endpoint, 'https://huggingface.co');
  assert.is(hubSettings({ XDG_CACHE_HOME: '/x' }, '/home/u').cacheDir, '/x/huggingface/hub');
  assert.is(hubSettings({ HF_HOME: '~/hf' }, '/home/u').cacheDir, '/home/u/hf/hub');
  assert.is(hubSettings({ HF_HOME: '/a', HF_HUB_CACHE: '/b' }, '/home/u').cacheDir, '/b');
  assert.is(hubSettings({ HUGGINGFACE_HUB_CACHE: '/legacy' }, '/home/u').cacheDir, '/legacy');
  assert.is(hubSettings({ HF_ENDPOINT: 'http://127.0.0.1:5000/' }, '/h').endpoint, 'http://127.0.0.1:5000');
  assert.throws(() => hubSettings({ HF_ENDPOINT: 'ftp://x' }, '/h'), /http\(s\) URL/);
  assert.throws(() => hubSettings({ HF_ENDPOINT: 'https://user:pw@x' }, '/h'), /credentials/);
});

test('offline values and timeouts as Python reads them', () => {
  for (const v of ['1', 'ON', 'yes', 'True']) assert.ok(hubSettings({ HF_HUB_OFFLINE: v }, '/h').offline, v);
  for (const v of ['0', 'off', '', 'no']) assert.not.ok(hubSettings({ HF_HUB_OFFLINE: v }, '/h').offline, v);
  assert.ok(hubSettings({ TRANSFORMERS_OFFLINE: '1' }, '/h').offline);
  assert.is(hubSettings({ HF_HUB_ETAG_TIMEOUT: '2.5' }, '/h').etagTimeoutMs, 2500);
  assert.throws(() => hubSettings({ HF_HUB_DOWNLOAD_TIMEOUT: '-1' }, '/h'), /positive number of seconds for HF_HUB_DOWNLOAD_TIMEOUT/);
});

test('the token: HF_TOKEN first, an empty one is none; it never prints', () => {
  const s = hubSettings({ HF_TOKEN: ' hf_abc \n', HF_HOME: '/nonexistent' }, '/h');
  assert.is(s.token?.reveal(), 'hf_abc');
  assert.is(s.tokenSource, 'HF_TOKEN');
  assert.not.match(JSON.stringify(s), 'hf_abc');
  assert.not.match(inspect(s, { depth: 5 }), 'hf_abc');
  assert.not.match(`${s.token}`, 'hf_abc');
  assert.is(hubSettings({ HF_TOKEN: '  ', HF_HOME: '/nonexistent' }, '/h').token, null);
  assert.is(hubSettings({ HUGGING_FACE_HUB_TOKEN: 'hf_old', HF_HOME: '/nonexistent' }, '/h').token?.reveal(), 'hf_old');
});

test('repo ids and revisions', () => {
  for (const id of ['bert-base-uncased', 'google/vit-base-patch16-224-in21k', 'openai/clip-vit-base-patch32', 'a.b_c/d-e.1']) assert.is(checkRepoId(id), id);
  for (const id of ['a/b/c', 'a--b/c', '../x', 'a/..b', '-a/b', 'a/b-', 'a b', `${'x'.repeat(97)}`, '']) {
    assert.throws(() => checkRepoId(id), (e: unknown) => e instanceof HubError && e.code === 'SHAPCA_HUB_INVALID_ID', id);
  }
  assert.is(checkRevision('refs/pr/3'), 'refs/pr/3');
  for (const rev of ['', '../x', 'a/../b', 'a//b', 'a\\b', 'a\nb']) assert.throws(() => checkRevision(rev), /not a revision/, JSON.stringify(rev));
  assert.is(resolveUrl('https://hf.example', 'org/m', 'refs/pr/3', 'sub dir/f.json'), 'https://hf.example/org/m/resolve/refs%2Fpr%2F3/sub%20dir/f.json');
});

test('downloads may be redirected to the endpoint, its subdomains, the public Hub\'s storage, same scheme only', () => {
  const hubCtx = { endpoint: 'https://huggingface.co', token: null };
  const allowed = (ctx: typeof hubCtx & { storageOrigins?: string[] }, url: string) => storageAllowed(ctx, new URL(url));
  assert.ok(allowed(hubCtx, 'https://cdn-lfs.hf.co/repos/ab/cd'));
  assert.ok(allowed(hubCtx, 'https://cas-bridge.xethub.hf.co/x'));
  assert.ok(allowed(hubCtx, 'https://cdn-lfs-us-1.huggingface.co/x'));
  assert.ok(allowed(hubCtx, 'https://huggingface.co/other/path'));
  assert.not.ok(allowed(hubCtx, 'http://cdn-lfs.hf.co/x'), 'no downgrade');
  assert.not.ok(allowed(hubCtx, 'https://evil.example/x'));
  assert.not.ok(allowed(hubCtx, 'https://hf.co.evil.example/x'));
  assert.not.ok(allowed(hubCtx, 'https://cdn-lfs.hf.co:8443/x'), 'no other port');
  const mirror = { endpoint: 'https://hf-mirror.example', token: null };
  assert.ok(allowed(mirror, 'https://cdn.hf-mirror.example/x'));
  assert.not.ok(allowed(mirror, 'https://cdn-lfs.hf.co/x'), 'a mirror\'s downloads stay with the mirror');
  const local = { endpoint: 'http://127.0.0.1:4000', token: null };
  assert.not.ok(allowed(local, 'http://127.0.0.1:4001/x'));
  assert.ok(allowed({ ...local, storageOrigins: ['http://127.0.0.1:4001'] }, 'http://127.0.0.1:4001/x'));
});

test.run();
