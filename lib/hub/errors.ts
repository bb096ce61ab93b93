/** Why a model could not be resolved from the Hugging Face Hub or its cache. */
export type HubErrorCode =
  | 'SHAPCA_HUB_INVALID_ID'
  | 'SHAPCA_HUB_NOT_FOUND'
  | 'SHAPCA_HUB_AUTH'
  | 'SHAPCA_HUB_OFFLINE'
  | 'SHAPCA_HUB_NETWORK'
  | 'SHAPCA_HUB_HTTP'
  | 'SHAPCA_HUB_REDIRECT'
  | 'SHAPCA_HUB_INTEGRITY'
  | 'SHAPCA_HUB_PICKLE_ONLY'
  | 'SHAPCA_HUB_PROTOCOL';

/**
 * A Hub or cache failure. The message is one line that names the repository, the revision and
 * the file at fault, and says what to do; it never contains the token.
 */
export class HubError extends Error {
  readonly code: HubErrorCode;
  /** HTTP status, when the Hub answered with one. */
  readonly status: number | undefined;

  constructor(message: string, code: HubErrorCode, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HubError';
    this.code = code;
    this.status = options.status;
  }
}
