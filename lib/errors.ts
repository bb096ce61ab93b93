/** Stable codes of native failures (see native/core/status.h). */
export type ShapcaErrorCode =
  | 'SHAPCA_INVALID_ARGUMENT'
  | 'SHAPCA_OUT_OF_RANGE'
  | 'SHAPCA_NON_FINITE'
  | 'SHAPCA_OUT_OF_MEMORY'
  | 'SHAPCA_UNSUPPORTED'
  | 'SHAPCA_INTERNAL'
  | 'SHAPCA_ADDON_NOT_FOUND';

/** An error raised by the native core: `code` is stable, `message` says what was expected. */
export class ShapcaError extends Error {
  readonly code: ShapcaErrorCode;

  constructor(message: string, code: ShapcaErrorCode) {
    super(message);
    this.name = 'ShapcaError';
    this.code = code;
  }
}
