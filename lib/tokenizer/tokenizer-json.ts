// The HF tokenizer.json of a BERT WordPiece tokenizer, built from a vocabulary (vocab.txt), and
// the pieces of one that this package relies on.

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The parts of tokenizer.json read here; everything else is passed through untouched. */
export interface TokenizerJson {
  added_tokens?: AddedTokenJson[];
  normalizer?: { type: string; lowercase?: boolean; [k: string]: unknown } | null;
  model: { type: string; vocab: Record<string, number>; unk_token?: string; continuing_subword_prefix?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export function addedToken(content: string, id: number, special: boolean): AddedTokenJson {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special };
}

/** vocab.txt: one token per line, the line number is its id. */
export function parseVocabTxt(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * tokenizer.json for BERT: BertNormalizer (lowercase and accent stripping when `lowercase`),
 * BertPreTokenizer (whitespace and punctuation), WordPiece with "##" continuations, and the
 * [CLS] A [SEP] (B [SEP]) template with token types 0 / 1.
 */
export function bertTokenizerJson(vocab: string[], o: { lowercase?: boolean } = {}): TokenizerJson {
  const ids: Record<string, number> = {};
  vocab.forEach((t, i) => {
    if (!(t in ids)) ids[t] = i;
  });
  for (const t of ['[UNK]', '[CLS]', '[SEP]']) {
    if (!(t in ids)) throw new RangeError(`the vocabulary has no ${t} token`);
  }
  const special = SPECIAL_TOKENS.filter((t) => t in ids).map((t) => addedToken(t, ids[t] as number, true));
  const cls = ids['[CLS]'] as number;
  const sep = ids['[SEP]'] as number;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: o.lowercase ?? true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}
