// The one base of every error shapca throws on purpose: `code` is stable (match on it, not on the
// message), `message` says what was expected and what was found. The native core throws
// ShapcaError itself (the addon is handed this class at load, see native/addon.ts); each area of
// lib/ has a subclass with its own codes and fields (DataFormatError, CheckpointError, ImageError,
// TrainError, LmmError, PythonLiteralError).

/** Stable codes of native failures (see native/core/status.h) and of a missing addon. */
export type ShapcaErrorCode =
  | 'SHAPCA_INVALID_ARGUMENT'
  | 'SHAPCA_OUT_OF_RANGE'
  | 'SHAPCA_NON_FINITE'
  | 'SHAPCA_OUT_OF_MEMORY'
  | 'SHAPCA_UNSUPPORTED'
  | 'SHAPCA_INTERNAL'
  | 'SHAPCA_ADDON_NOT_FOUND';

/** An error raised by shapca: `code` is stable, `message` says what was expected. */
export class ShapcaError<Code extends string = ShapcaErrorCode> extends Error {
  readonly code: Code;

  constructor(message: string, code: Code, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ShapcaError';
    this.code = code;
  }
}
