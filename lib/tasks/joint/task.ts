// MJERE, as the registry knows it: entities (CRF) and the relations between ordered pairs of them.
import type { TaskDefinition } from '../definition.js';
import { jointExtractionModel } from './adapter.js';
import { evaluateJointFile, jointTestLine, trainJointRequest } from './cli.js';
import { jointModelSpec, type JointModel } from './model.js';

export const jointTask: TaskDefinition<JointModel> = {
  name: 'joint', model: jointModelSpec, extraction: jointExtractionModel,
  view: { maskNote: '', valueOf: "entity's or relation's", findsEntities: true },
  train: trainJointRequest, testLine: jointTestLine, evaluateFile: evaluateJointFile,
};
