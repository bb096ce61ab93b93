/** Checkpoints: safetensors files (single or sharded) read into and written from flat parameter buffers. */
export { SafetensorsFile, writeSafetensors } from './safetensors.js';
export type { TensorInfo, TensorToWrite } from './safetensors.js';
export { Checkpoint, loadParams, WEIGHTS_FILE, INDEX_FILE } from './checkpoint.js';
export type { ParamSlot, LoadOptions, LoadReport } from './checkpoint.js';
export { CheckpointError } from './errors.js';
export type { CheckpointErrorCode } from './errors.js';
export type { FloatDtype } from './dtype.js';
