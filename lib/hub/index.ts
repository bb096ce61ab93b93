/** Models by Hugging Face Hub id: the shared HF cache (Python's layout), downloads, offline mode. */
export { HubError, type HubErrorCode } from './errors.js';
export { type CachedRepo, type CachedSnapshot, listCache } from './list.js';
export type { ModelKind } from './model-files.js';
export { checkRepoId, looksLikeRepoId, repoFolderName, resolveUrl } from './repo-id.js';
export { type HubOptions, type ResolvedModel, type ResolveModelOptions, modelDir, resolveModel } from './resolve.js';
export { DEFAULT_ENDPOINT, hubSettings, type HubSettings, Secret } from './settings.js';
