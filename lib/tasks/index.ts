/**
 * The three tasks end to end (loading splits, training with dev selection, evaluation, predictions)
 * and the registry every task is reached through.
 */
export { evaluateNer, loadNerSplits, predictNer, trainNer, writePredictions } from './ner/run.js';
export { readContextFiles } from '../data/context-files.js';
export type { NerDataOptions, NerEvaluation, NerSplits, TrainNerOptions, TrainNerResult } from './ner/run.js';
export { evaluateRe, loadReSplits, predictRe, summariseRe, trainRe, writeRePredictions } from './re/run.js';
export type { ReDataOptions, ReEvaluation, ReSplits, TrainReOptions, TrainReResult } from './re/run.js';
export { evaluateJoint, loadJointSplits, predictJoint, summariseJoint, trainJoint, writeJointPredictions } from './joint/run.js';
export type { JointDataOptions, JointEvaluation, JointSplits, TrainJointOptions, TrainJointResult } from './joint/run.js';
export { jointEntityTypes, jointRelations, mreLabels } from './relation-labels.js';
export type { RelationLabelSet } from './relation-labels.js';
export { imageRecipeFor, prfSummary, runTaskTraining } from './training.js';
export { buildTaskModel } from './io.js';
export { TASKS, TASK_NAMES, taskDefinition } from './registry.js';
export type { ModelOf, TaskModels } from './registry.js';
export type { EvalOutcome, EvalRequest, ExplanationView, TaskDefinition, TrainOutcome, TrainRequest } from './definition.js';
export type { StartPoint, TaskTrainOptions } from './training.js';
export { inferEntityTypes } from './ner/entity-types.js';
