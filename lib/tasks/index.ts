/** The three tasks end to end (DESIGN §1.6–1.7): loading splits, training with dev selection, evaluation, predictions. */
export { evaluateNer, loadNerSplits, predictNer, trainNer, writePredictions } from './ner.js';
export { readContextFiles } from '../data/context-files.js';
export type { NerDataOptions, NerEvaluation, NerSplits, TrainNerOptions, TrainNerResult } from './ner.js';
export { evaluateRe, loadReSplits, predictRe, summariseRe, trainRe, writeRePredictions } from './re.js';
export type { ReDataOptions, ReEvaluation, ReSplits, TrainReOptions, TrainReResult } from './re.js';
export { evaluateJoint, loadJointSplits, predictJoint, summariseJoint, trainJoint, writeJointPredictions } from './joint.js';
export type { JointDataOptions, JointEvaluation, JointSplits, TrainJointOptions, TrainJointResult } from './joint.js';
export { jointEntityTypes, jointRelations, mreLabels } from './relation-labels.js';
export type { RelationLabelSet } from './relation-labels.js';
export { buildTaskModel, imageRecipeFor, prfSummary, runTaskTraining } from './training.js';
export type { StartPoint, TaskTrainOptions } from './training.js';
export { inferEntityTypes } from './entity-types.js';
