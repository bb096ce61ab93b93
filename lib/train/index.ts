/**
 * Training infrastructure: AdamW over a model's flat parameter groups, linear
 * warm-up + decay, and `train` — dev selection, one test evaluation, atomic checkpoints, exact
 * resumption, a JSONL log, a progress bar and an SVG of the curves.
 */
export { train } from './trainer.js';
export type { TrainOptions, TrainSummary } from './trainer.js';
export type {
  ParamGroup, HostParamGroup, DeviceParamGroup, DeviceParams, DeviceAdamWSettings, TrainableModel, StepContext, StepResult, EvalResult,
} from './types.js';
export { AdamW } from './optimizer.js';
export type { AdamWOptions, AdamWStepReport } from './optimizer.js';
export { LinearSchedule, linearWarmupDecay, warmupSteps } from './schedule.js';
export type { Warmup } from './schedule.js';
export { epochPermutation, epochBatches, batchCount } from './order.js';
export type { EpochBatchesOptions } from './order.js';
export { readLog } from './log.js';
export type { LogRecord, StartRecord, StepRecord, EvalRecord, EndRecord } from './log.js';
export { curvesFromLog, renderCurvesSvg, smooth } from './plot.js';
export type { Curves, SvgOptions } from './plot.js';
export { writeDirAtomic, recoverDir } from './checkpoint-dir.js';
export type { RecoverReport } from './checkpoint-dir.js';
export { STATE_FILE, OPTIMIZER_FILE, SELECTION_FILE } from './run-state.js';
export type { TrainerState, RunSettings } from './run-state.js';
export { TrainError } from './errors.js';
export { fileIdentity, identityDifference, IDENTITY_FILE } from './run-identity.js';
export type { FileIdentity } from './run-identity.js';
export type { TrainErrorCode } from './errors.js';
