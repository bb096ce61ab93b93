import { ShapcaError } from '../errors.js';

/** Why training could not start, go on or resume. */
export type TrainErrorCode =
  /** An option is missing or out of range. */
  | 'SHAPCA_TRAIN_OPTIONS'
  /** The model's parameter groups are malformed (lengths, names, noDecay ranges). */
  | 'SHAPCA_TRAIN_PARAMS'
  /** An epoch yielded another number of batches than declared. */
  | 'SHAPCA_TRAIN_BATCHES'
  /** A loss or gradient norm was NaN or infinite. */
  | 'SHAPCA_TRAIN_NON_FINITE'
  /** The output folder holds another run (and resume was not asked for). */
  | 'SHAPCA_TRAIN_OUT_DIR'
  /** The checkpoint to resume from does not fit these options or this model. */
  | 'SHAPCA_TRAIN_RESUME'
  /** No epoch produced a usable dev score to select a checkpoint by. */
  | 'SHAPCA_TRAIN_NO_SELECTION';

/** A training failure with a stable `code`; the message says what was expected and what was found. */
export class TrainError extends ShapcaError<TrainErrorCode> {
  constructor(message: string, code: TrainErrorCode) {
    super(message, code);
    this.name = 'TrainError';
  }
}
