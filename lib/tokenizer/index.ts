/** BERT WordPiece tokenization (HF tokenizer.json / vocab.txt) and vocabulary learning. */
export { WordPieceTokenizer } from './wordpiece.js';
export type { EncodeOptions, Encoding, PaddedBatch } from './wordpiece.js';
export { learnWordPiece } from './train.js';
export type { LearnWordPieceOptions } from './train.js';
export { bertTokenizerJson, parseVocabTxt, SPECIAL_TOKENS } from './tokenizer-json.js';
export type { TokenizerJson } from './tokenizer-json.js';
