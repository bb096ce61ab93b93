// Every error class shapca throws on purpose extends ShapcaError and carries a stable code; the
// subclasses keep their own fields (LmmError its kind) and names.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { checkpoint, data, image, lmm, ShapcaError, train } from '../lib/index.js';
import { loadModel } from '../lib/tasks/io.js';
import { rejects } from './helpers.js';

const test = suite('error classes');

test('each error class is a ShapcaError with a stable code and its own name', () => {
  const cases: [ShapcaError<string>, string, string][] = [
    [new data.DataFormatError('f.txt', 3, 'a tag'), 'DataFormatError', 'SHAPCA_DATA_FORMAT'],
    [new data.PythonLiteralError(4, 'a quote', 'x'), 'PythonLiteralError', 'SHAPCA_PYTHON_LITERAL'],
    [new checkpoint.CheckpointError('bad', 'SHAPCA_CHECKPOINT_SHAPE', 'm.safetensors'), 'CheckpointError', 'SHAPCA_CHECKPOINT_SHAPE'],
    [new image.ImageError('gone', 'SHAPCA_IMAGE_NOT_FOUND', 'a.jpg'), 'ImageError', 'SHAPCA_IMAGE_NOT_FOUND'],
    [new train.TrainError('nan', 'SHAPCA_TRAIN_NON_FINITE'), 'TrainError', 'SHAPCA_TRAIN_NON_FINITE'],
    [new lmm.LmmError('timeout', 'slow'), 'LmmError', 'SHAPCA_LMM_TIMEOUT'],
  ];
  for (const [err, name, code] of cases) {
    assert.instance(err, ShapcaError, name);
    assert.instance(err, Error, name);
    assert.is(err.name, name);
    assert.is(err.code, code);
  }
  const http = new lmm.LmmError('http', 'busy', { status: 503 });
  assert.is(http.kind, 'http');
  assert.is(http.code, 'SHAPCA_LMM_HTTP');
  assert.ok(http.retryable);
});

test('loading a model from a folder without one is a CheckpointError naming the file', async () => {
  const err = await rejects(loadModel('/nonexistent/shapca-model'), checkpoint.CheckpointError, /shapca\.json: cannot read a shapca model/);
  assert.is((err as InstanceType<typeof checkpoint.CheckpointError>).code, 'SHAPCA_CHECKPOINT_NOT_FOUND');
  assert.is((err as InstanceType<typeof checkpoint.CheckpointError>).file, '/nonexistent/shapca-model/shapca.json');
});

test.run();
