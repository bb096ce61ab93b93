// MRE, as the registry knows it: the relation of a given ordered entity pair, read from the states
// of the markers put around the pair.
import type { TaskDefinition } from '../definition.js';
import { reExtractionModel } from './adapter.js';
import { evaluateReFile, reTestLine, trainReRequest } from './cli.js';
import { reModelSpec, type RelationModel } from './model.js';

export const reTask: TaskDefinition<RelationModel> = {
  name: 're', model: reModelSpec, extraction: reExtractionModel,
  view: { maskNote: ' (entity markers kept)', valueOf: "relation's", findsEntities: false },
  train: trainReRequest, testLine: reTestLine, evaluateFile: evaluateReFile,
};
