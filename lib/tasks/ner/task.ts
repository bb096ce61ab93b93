// MNER, as the registry knows it: entities in a post, tagged BIO by a CRF over the fused states.
import type { TaskDefinition } from '../definition.js';
import { nerExtractionModel } from './adapter.js';
import { evaluateNerFile, nerTestLine, trainNerRequest } from './cli.js';
import { nerModelSpec, type NerModel } from './model.js';

export const nerTask: TaskDefinition<NerModel> = {
  name: 'ner', model: nerModelSpec, extraction: nerExtractionModel,
  view: { maskNote: '', valueOf: "entity's", findsEntities: true },
  train: trainNerRequest, testLine: nerTestLine, evaluateFile: evaluateNerFile,
};
