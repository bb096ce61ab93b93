/** Image decoding and preprocessing for the ViT / CLIP encoders (sharp). */
export { preprocess, preprocessBatch, ImageError, CLIP_MEAN, CLIP_STD, VIT_MEAN, VIT_STD } from './preprocess.js';
export type { PreprocessOptions, BatchResult, ImageErrorCode } from './preprocess.js';
