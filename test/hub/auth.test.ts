// Gated repositories and the token: without one, the 401 is explained; a refused one is named by
// where it came from, never shown; the token file `huggingface-cli login` writes is found
// (HF_HOME/token, HF_TOKEN_PATH); and the command line never prints the token, even on failure.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { HubError, resolveModel } from '../../lib/hub/index.js';
import { rejects } from '../helpers.js';
import { fakeHubFor } from './hub-server.js';
import { bertRepo, hubEnv } from './repos.js';

const test = suite('hub: gated repositories and the token');
const RIGHT = 'hf_gate_right_7Qx2';
const WRONG = 'hf_wrong_sentinel_9Kd4';
const hub = fakeHubFor(test, { 'corp/gated-bert': bertRepo({ gatedToken: RIGHT }) });
const quiet = { progress: false, log: () => {} };


/** Runs the CLI in a child process (asynchronously: the stand-in answers from this process). */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], {
      env: { ...env, HOME: env.HF_HOME!, PATH: process.env.PATH ?? '', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

test('no token: the 401 is explained (gated, how to get and pass a token)', async () => {
  const env = await hubEnv(hub);
  const err = await rejects(resolveModel('corp/gated-bert', { ...quiet, env }), HubError, /answered 401 for config\.json: a gated repository; no token was sent: set HF_TOKEN .*huggingface-cli login.*accept the model's conditions/);
  assert.is((err as HubError).code, 'SHAPCA_HUB_AUTH');
  assert.is((err as HubError).status, 401);
  assert.ok(hub.requests.every((r) => r.authorization === undefined));
});

test('a refused token: 403, named by its source, never shown', async () => {
  const env = await hubEnv(hub, { HF_TOKEN: WRONG });
  const err = await rejects(resolveModel('corp/gated-bert', { ...quiet, env }), HubError, /answered 403 .*the token from HF_TOKEN was sent/);
  assert.not.match(err.message, WRONG);
  assert.not.match(String(err.stack), WRONG);
});

test('the token file: $HF_HOME/token, HF_TOKEN_PATH, and HF_HUB_DISABLE_IMPLICIT_TOKEN', async () => {
  const env = await hubEnv(hub);
  await writeFile(join(env.HF_HOME!, 'token'), `${RIGHT}\n`);
  const r = await resolveModel('corp/gated-bert', { ...quiet, env });
  assert.is(r.source, 'hub');
  assert.ok(hub.requests.every((q) => q.authorization === `Bearer ${RIGHT}`));

  const env2 = await hubEnv(hub);
  const path = join(env2.HF_HOME!, 'elsewhere', 'my-token');
  await mkdir(join(env2.HF_HOME!, 'elsewhere'));
  await writeFile(path, RIGHT);
  const r2 = await resolveModel('corp/gated-bert', { ...quiet, env: { ...env2, HF_TOKEN_PATH: path } });
  assert.is(r2.source, 'hub');

  const env3 = await hubEnv(hub, { HF_HUB_DISABLE_IMPLICIT_TOKEN: '1' });
  await writeFile(join(env3.HF_HOME!, 'token'), RIGHT);
  await rejects(resolveModel('corp/gated-bert', { ...quiet, env: env3 }), HubError, /answered 401/);
});

test('the command line never prints the token: refused, downloaded, listed', async () => {
  const wrong = await hubEnv(hub, { HF_TOKEN: WRONG, SHAPCA_DEBUG: '1' });
  const refused = await runCli(['hub', 'download', 'corp/gated-bert'], wrong);
  assert.is(refused.code, 1, refused.out);
  assert.match(refused.out, /shapca: corp\/gated-bert at revision main: the Hub answered 403/);
  assert.not.match(refused.out, WRONG);

  const right = await hubEnv(hub, { HF_TOKEN: RIGHT });
  const fetched = await runCli(['hub', 'download', 'corp/gated-bert', '--json'], right);
  assert.is(fetched.code, 0, fetched.out);
  const result = JSON.parse(fetched.out.trim().split('\n').pop()!) as { dir: string; downloaded: string[] };
  assert.ok(result.dir.startsWith(join(right.HF_HOME!, 'hub', 'models--corp--gated-bert', 'snapshots')), result.dir);
  assert.ok(result.downloaded.includes('model.safetensors'));
  const listed = await runCli(['hub', 'ls'], right);
  assert.is(listed.code, 0, listed.out);
  assert.match(listed.out, /corp\/gated-bert {2}\d+(\.\d)? KiB .*\n {2}main → [0-9a-f]{12} {2}config\.json model\.safetensors tokenizer_config\.json vocab\.txt\n/);
  const offline = await runCli(['hub', 'download', 'corp/gated-bert', '--offline'], { ...right, HF_ENDPOINT: 'http://127.0.0.1:9' });
  assert.is(offline.code, 0, offline.out);
  assert.is(offline.out.trim(), result.dir);
  for (const r of [fetched, listed, offline]) assert.not.match(r.out, RIGHT);

  // train --model takes the id (before reading any data): offline, an id not cached is named.
  const train = await runCli(['train', '--data', '/nonexistent', '--out', join(right.HF_HOME!, 'run'), '--model', 'corp/other', '--revision', 'v1', '--offline'], right);
  assert.is(train.code, 1, train.out);
  assert.match(train.out, /^shapca: offline \(--offline\): corp\/other at revision v1 is not in the cache /m);
});

test.run();
