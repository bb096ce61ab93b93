// The task registry: one definition per task, named as its models' config.task; the public names
// stay (ShapCAModel is NerModel); model io, the extractor and explain reach a task through it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { extract, model, NerModel, ShapCAModel, tasks } from '../lib/index.js';

const test = suite('task registry');

test('each task is registered under its name, and its model spec makes models of that task', () => {
  assert.equal(tasks.TASK_NAMES, ['ner', 're', 'joint']);
  for (const name of tasks.TASK_NAMES) {
    const def = tasks.taskDefinition(name);
    assert.is(def.name, name);
    assert.is(def.model.task, name);
    for (const f of ['extraction', 'train', 'testLine', 'evaluateFile'] as const) assert.type(def[f], 'function', `${name}.${f}`);
    assert.type(def.view.valueOf, 'string');
  }
  assert.equal(tasks.taskDefinition('re').model.addedTokens, [...model.RELATION_MARKERS]);
  assert.throws(() => tasks.taskDefinition('pos'), (e: unknown) => e instanceof RangeError && /expected task ner, re, joint but received "pos"/.test(e.message));
});

test('the labels a task puts into its config', () => {
  const labels = { entityTypes: ['PER', 'LOC'], relations: ['None', 'born_in'], noneRelation: 'None' };
  assert.equal(tasks.taskDefinition('ner').model.labels(labels), { entityTypes: ['PER', 'LOC'], tags: ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'] });
  assert.equal(tasks.taskDefinition('re').model.labels(labels), { entityTypes: [], tags: [], relations: ['None', 'born_in'], noneRelation: 'None' });
  const joint = tasks.taskDefinition('joint').model.labels({ ...labels, pairs: { maxEntities: 5 } });
  assert.equal(joint.pairs, { ...model.DEFAULT_PAIR_OPTIONS, maxEntities: 5 });
  assert.throws(() => tasks.taskDefinition('joint').model.labels({}), /a joint model needs entityTypes/);
});

test('NerModel is the NER model; ShapCAModel stays as its alias', () => {
  assert.is(ShapCAModel, NerModel);
  assert.is(model.NerModel, NerModel);
});

test('extraction from a model of an unknown task says which tasks there are', () => {
  const fake = { config: { task: 'pos' } } as unknown as Parameters<typeof extract.extractionModelOf>[0];
  assert.throws(() => extract.extractionModelOf(fake), /extraction from a pos model is not available \(supported: ner, re, joint\)/);
});

test.run();
