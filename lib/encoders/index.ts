/** Text and image encoders on the native core: BERT, ViT and the CLIP vision tower. */
export { BertEncoder } from './bert.js';
export type { BertEncoderOptions, BertForwardOptions, BertOutput } from './bert.js';
export { VitEncoder } from './vit.js';
export type { VitEncoderOptions, VitOutput } from './vit.js';
export { BERT_BASE, VIT_BASE, CLIP_VIT_B16, parseBertConfig, parseVitConfig } from './config.js';
export type { BertConfig, VitConfig, HiddenAct } from './config.js';
