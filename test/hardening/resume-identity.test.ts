// train --resume checks what the run was started with (issue 13, item 5): a finished run resumed
// with other data or options is refused naming the difference (it used to exit 0 having done
// nothing), a killed run resumed with other data is refused before anything is loaded, and the
// same identity resumes (a moved data file is the same data).
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import * as train from '../../lib/train/index.js';
import { ToyModel, toyOptions } from '../train/toy.js';

const test = suite('hardening: resume identity');
let root = '';
test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'shapca-identity-'));
});
test.after(() => rm(root, { recursive: true, force: true }));

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, train.TrainError);
    assert.is((err as train.TrainError).code, 'SHAPCA_TRAIN_RESUME');
    return (err as Error).message;
  }
  throw new Error('expected the resume to be refused');
}

test('a finished run resumed with other data or options is refused, naming the difference', async () => {
  const data = join(root, 'train.txt');
  await writeFile(data, 'one\ntwo\n');
  const identity = async (file: string, lr = 0.03) => ({ task: 'toy', data: { train: await train.fileIdentity(file) }, options: { lr } });
  const dir = join(root, 'finished');
  const model = new ToyModel(1);
  const first = await train.train(model, toyOptions(model, dir, { epochs: 1, identity: await identity(data) }));

  // Same data (moved elsewhere) and options: the finished summary, nothing redone.
  const moved = join(root, 'moved.txt');
  await copyFile(data, moved);
  const again = await train.train(model, toyOptions(model, dir, { epochs: 1, resume: true, identity: await identity(moved) }));
  assert.equal(again, first);

  await writeFile(data, 'one\nTWO\n'); // same size, other bytes
  const message = await refused(train.train(model, toyOptions(model, dir, { epochs: 1, resume: true, identity: await identity(data) })));
  assert.match(message, /^cannot resume .*finished: data\.train\.sha256: the run was started with "[0-9a-f]{64}" but this command gives "[0-9a-f]{64}" \(the file changed\); start a new output folder/);
  assert.match(await refused(train.train(model, toyOptions(model, dir, { epochs: 1, resume: true, identity: { ...(await identity(moved, 0.5)) } }))), /options\.lr: the run was started with 0\.03 but this command gives 0\.5/);
  assert.match(await refused(train.train(model, toyOptions(model, dir, { epochs: 1, resume: true, identity: { ...(await identity(moved)), task: 're' } }))), /task: the run was started with "toy" but this command gives "re"/);
});

test('a killed run resumed with other data is refused before its checkpoint is loaded', async () => {
  const dir = join(root, 'killed');
  const model = new ToyModel(2);
  const id = { task: 'toy', data: { train: { path: 'a', bytes: 10, sha256: 'aa' } } };
  let steps = 0;
  try {
    await train.train(model, toyOptions(model, dir, { epochs: 2, checkpointEvery: 2, identity: id, onStep: () => {
      if (++steps === 5) throw new Error('killed');
    } }));
  } catch (err) {
    assert.is((err as Error).message, 'killed');
  }
  const other = new ToyModel(3);
  const message = await refused(train.train(other, toyOptions(other, dir, { epochs: 2, resume: true, identity: { ...id, data: { train: { path: 'a', bytes: 11, sha256: 'aa' } } } })));
  assert.match(message, /data\.train\.bytes: the run was started with 10 but this command gives 11 \(the file changed\)/);
  assert.equal(other.reloads, [], 'nothing was loaded');
  // The same identity continues the run to its end.
  const summary = await train.train(other, toyOptions(other, dir, { epochs: 2, resume: true, checkpointEvery: 2, identity: id }));
  assert.is(summary.steps, 12);
});

test.run();
