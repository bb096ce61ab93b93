import { ShapcaError } from '../errors.js';

/** Why a checkpoint could not be read; each names the file and, where there is one, the tensor. */
export type CheckpointErrorCode =
  | 'SHAPCA_CHECKPOINT_NOT_FOUND'
  | 'SHAPCA_CHECKPOINT_HEADER'
  | 'SHAPCA_CHECKPOINT_TRUNCATED'
  | 'SHAPCA_CHECKPOINT_MISSING_TENSOR'
  | 'SHAPCA_CHECKPOINT_UNEXPECTED_TENSOR'
  | 'SHAPCA_CHECKPOINT_SHAPE'
  | 'SHAPCA_CHECKPOINT_DTYPE'
  | 'SHAPCA_CHECKPOINT_CONFIG'
  /** A model directory holds another task's model than the one asked for. */
  | 'SHAPCA_CHECKPOINT_TASK';

/** A checkpoint (safetensors, index or config.json) that is missing, malformed or does not fit the model. */
export class CheckpointError extends ShapcaError<CheckpointErrorCode> {
  /** The file at fault. */
  readonly file: string;
  /** The tensor at fault, when there is one. */
  readonly tensor?: string;

  constructor(message: string, code: CheckpointErrorCode, file: string, tensor?: string) {
    super(message, code);
    this.name = 'CheckpointError';
    this.file = file;
    if (tensor !== undefined) this.tensor = tensor;
  }
}
