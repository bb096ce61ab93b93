// Twitter-2015 / Twitter-2017 MNER files (UMT's CoNLL variant): each tweet is an `IMGID:<id>`
// line, then one `token<TAB>tag` line per token, then a blank line. Tags are BIO over the
// dataset's entity types; orphan I- tags are data, kept exactly as written.
import { parseBioTag } from './bio.js';
import { type Dataset, excerpt, Issues, type ReadOptions } from './errors.js';
import { TWITTER_ENTITY_TYPES } from './labels.js';
import { readText, splitLines } from './text-file.js';

/** One tweet: its image id (the image file is `<imageId>.jpg`), tokens and their BIO tags. */
export interface NerSentence {
  imageId: string;
  tokens: string[];
  tags: string[];
  /** 1-based line of the IMGID line in the source file (0 for records not read from a file). */
  line: number;
}

export interface TwitterNerOptions extends ReadOptions {
  /** Entity types a B-/I- tag may carry. Default: PER, LOC, ORG, OTHER, MISC (both years). */
  entityTypes?: readonly string[];
}

const IMGID = 'IMGID:';

/** Reads a Twitter-2015/2017 CoNLL file (train.txt, valid.txt, test.txt). */
export async function readTwitterNer(path: string, options: TwitterNerOptions = {}): Promise<Dataset<NerSentence>> {
  return parseTwitterNer(await readText(path), path, options);
}

/** Parses the text of a Twitter CoNLL file; `file` names it in errors. */
export function parseTwitterNer(text: string, file: string, options: TwitterNerOptions = {}): Dataset<NerSentence> {
  const issues = new Issues(file, options.lenient ?? false);
  const types = new Set(options.entityTypes ?? TWITTER_ENTITY_TYPES);
  const typeList = [...types].join(', ');
  const lines = splitLines(text);
  const records: NerSentence[] = [];

  // A block runs from an IMGID line (or a stray line) to the next blank line or IMGID line, so a
  // lenient skip drops exactly one tweet.
  let i = 0;
  while (i < lines.length) {
    if (lines[i] === '') {
      i++;
      continue;
    }
    const start = i;
    i++;
    while (i < lines.length && lines[i] !== '' && !(lines[i] as string).startsWith(IMGID)) i++;
    const block = lines.slice(start, i);
    const record = issues.guard(() => parseBlock(block, start + 1, issues, types, typeList));
    if (record) records.push(record);
  }
  return { file, records, skipped: issues.skipped };
}

function parseBlock(block: string[], firstLine: number, issues: Issues, types: Set<string>, typeList: string): NerSentence {
  const head = block[0] as string;
  if (!head.startsWith(IMGID)) issues.fail(firstLine, 'an IMGID:<id> line to start a tweet', excerpt(head));
  const imageId = head.slice(IMGID.length);
  if (!/^\S+$/.test(imageId)) issues.fail(firstLine, 'an image id after IMGID: (no spaces)', excerpt(head));
  if (block.length === 1) issues.fail(firstLine + 1, `token<TAB>tag lines after ${head}`, 'a tweet with no tokens');
  const tokens: string[] = [];
  const tags: string[] = [];
  for (let k = 1; k < block.length; k++) {
    const line = block[k] as string;
    const fields = line.split('\t');
    if (fields.length !== 2 || fields[0] === '') issues.fail(firstLine + k, 'a token<TAB>tag line', excerpt(line));
    const [token, tag] = fields as [string, string];
    const parsed = parseBioTag(tag);
    if (!parsed || (parsed.prefix !== 'O' && !types.has(parsed.type))) {
      issues.fail(firstLine + k, `a BIO tag (O, B-X or I-X with X one of ${typeList})`, excerpt(tag));
    }
    tokens.push(token);
    tags.push(tag);
  }
  return { imageId, tokens, tags, line: firstLine };
}

/** Writes sentences in the same format (each tweet followed by a blank line). */
export function formatTwitterNer(records: readonly Pick<NerSentence, 'imageId' | 'tokens' | 'tags'>[]): string {
  let out = '';
  for (const r of records) {
    if (r.tokens.length !== r.tags.length) {
      throw new RangeError(`expected as many tags as tokens for IMGID:${r.imageId} but received ${r.tags.length} and ${r.tokens.length}`);
    }
    if (!/^\S+$/.test(r.imageId)) throw new RangeError(`expected an image id without spaces but received ${excerpt(r.imageId)}`);
    out += `${IMGID}${r.imageId}\n`;
    for (let i = 0; i < r.tokens.length; i++) {
      const token = r.tokens[i] as string;
      // A tab, line break or empty token would make the file unreadable: refuse it here.
      if (!/^[^\t\r\n]+$/.test(token)) throw new RangeError(`expected a token without tabs or line breaks in IMGID:${r.imageId} but received ${excerpt(token)}`);
      out += `${token}\t${r.tags[i]}\n`;
    }
    out += '\n';
  }
  return out;
}
