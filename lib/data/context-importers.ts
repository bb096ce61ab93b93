// Importers for the published context sets under ../shared/data/contexts (its README describes
// each format). Every importer yields our ContextRecords keyed by image id, so any of them can
// stand in for contexts we generate ourselves.
import { basename } from 'node:path';

import { type ContextRecord, ContextSet, parseContexts } from './contexts.js';
import { excerpt, Issues, type ReadOptions } from './errors.js';
import { parseJmereRecord } from './jmere.js';
import { parseJsonAt, splitJsonRecords } from './json-records.js';
import { parseLiteralLine } from './mnre.js';
import { asObject, describeValue, type Fail, stringField } from './record-fields.js';
import { readText, splitLines } from './text-file.js';
import type { NerSentence } from './twitter-ner.js';

/** The formats `importContexts` understands. */
export type ContextFormat = 'jsonl' | 'pgim-aligned' | 'blip2' | 'riveg' | 'camim' | 'kecpm';

export interface ImportOptions extends ReadOptions {
  /** Overrides the `model` written into the records (default: named after the source). */
  model?: string;
  /** KECPM only: which list to use as context. Default 'knowledge' (ChatGPT), else the OFA caption. */
  kecpmField?: 'knowledge' | 'image_caption';
}

/** CAMIM file prefix → the captioner that wrote it (CAMIM's README). */
const CAMIM_MODELS: Record<string, string> = {
  caption: 'qwen-vl',
  cogvlm: 'cogvlm',
  llavanext: 'llava-next',
  minicpm: 'minicpm',
  instruct: 'instructblip',
  BLIP: 'blip2',
};

/** Reads a context file in one of the known formats. */
export async function importContexts(path: string, format: ContextFormat, options: ImportOptions = {}): Promise<ContextSet> {
  const text = await readText(path);
  switch (format) {
    case 'jsonl':
      return parseContexts(text, path, options);
    case 'pgim-aligned':
      return parsePgimAligned(text, path, options);
    case 'blip2':
      return parseBlip2Captions(text, path, options);
    case 'riveg':
      return parseRivegDescriptions(text, path, options);
    case 'camim':
      return parseCamimCaptions(text, path, options);
    case 'kecpm':
      return parseKecpm(text, path, options);
  }
}

function finish(records: ContextRecord[], issues: Issues, file: string): ContextSet {
  const set = new ContextSet(records, file);
  set.skipped = issues.skipped;
  return set;
}

/** PGIM's ChatGPT knowledge keyed by IMGID (`aligned_by_imgid/*.jsonl`); `aux: null` lines have none. */
export function parsePgimAligned(text: string, file: string, options: ImportOptions = {}): ContextSet {
  const issues: Issues = new Issues(file, options.lenient ?? false);
  const records: ContextRecord[] = [];
  splitLines(text).forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    const r = issues.guard(() => {
      const fail: Fail = (expected, found) => issues.fail(i + 1, expected, found);
      const obj = asObject(parseJsonAt(lineText, file, i + 1, 'a PGIM record'), 'the line', fail);
      const id = stringField(obj, 'img_id', '', fail, { nonEmpty: true });
      if (obj.aux === null) return null; // the sentence PGIM has no knowledge for
      return { id, context: stringField(obj, 'aux', '', fail), model: options.model ?? 'pgim/chatgpt', prompt: '' };
    });
    if (r) records.push(r);
  });
  return finish(records, issues, file);
}

/**
 * PGIM's own files (`2015/train.txt` …): CoNLL blocks without IMGID lines, gold tags, then
 * `<EOS>\tX` and the knowledge one word per line. Blocks follow the UMT file's order, so they are
 * matched to `sentences` (read from that file) in order, and each block's tokens must equal its
 * sentence's. Files may stop early (PGIM's 2015 splits lack their last sentence).
 */
export async function importPgimConll(path: string, sentences: readonly NerSentence[], options: ImportOptions = {}): Promise<ContextSet> {
  return parsePgimConll(await readText(path), path, sentences, options);
}

export function parsePgimConll(text: string, file: string, sentences: readonly NerSentence[], options: ImportOptions = {}): ContextSet {
  const issues: Issues = new Issues(file, options.lenient ?? false);
  const records: ContextRecord[] = [];
  const lines = splitLines(text);
  let block = 0;
  for (let i = 0; i < lines.length; ) {
    if (lines[i] === '') {
      i++;
      continue;
    }
    const start = i;
    while (i < lines.length && lines[i] !== '') i++;
    const sentence = sentences[block++];
    const r = issues.guard(() => {
      const words = lines.slice(start, i).map((l) => l.split('\t'));
      const eos = words.findIndex((w) => w[0] === '<EOS>');
      if (eos < 0) issues.fail(start + 1, 'a block ending in an <EOS>\tX line and the knowledge words', 'no <EOS> line');
      if (!sentence) issues.fail(start + 1, `at most ${sentences.length} blocks (one per sentence of the dataset)`, `block ${block}`);
      const tokens = words.slice(0, eos).map((w) => w[0]);
      if (tokens.join(' ') !== sentence.tokens.join(' ')) {
        issues.fail(start + 1, `the tokens of IMGID:${sentence.imageId} (block ${block} of the dataset)`, excerpt(tokens.join(' ')));
      }
      return { id: sentence.imageId, context: words.slice(eos + 1).map((w) => w[0]).join(' '), model: options.model ?? 'pgim/chatgpt', prompt: '' };
    });
    if (r) records.push(r);
  }
  return finish(records, issues, file);
}

/** BLIP-2 captions (`BLIP2_15.txt`): one `<id>.jpg :<caption>` line per image. */
export function parseBlip2Captions(text: string, file: string, options: ImportOptions = {}): ContextSet {
  const issues: Issues = new Issues(file, options.lenient ?? false);
  const records: ContextRecord[] = [];
  splitLines(text).forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    const r = issues.guard(() => {
      const m = /^(\S+) :(.*)$/.exec(lineText);
      if (!m) issues.fail(i + 1, 'a "<image file> :<caption>" line', excerpt(lineText));
      return { id: m[1] as string, context: (m[2] as string).trim(), model: options.model ?? 'pgim/blip2', prompt: '' };
    });
    if (r) records.push(r);
  });
  return finish(records, issues, file);
}

/** RiVEG's mPLUG-Owl descriptions: `imgid:<id>###<text>`, the text running on until the next imgid: line. */
export function parseRivegDescriptions(text: string, file: string, options: ImportOptions = {}): ContextSet {
  const issues: Issues = new Issues(file, options.lenient ?? false);
  const records: ContextRecord[] = [];
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; ) {
    const start = i;
    i++;
    while (i < lines.length && !(lines[i] as string).startsWith('imgid:')) i++;
    const first = lines[start] as string;
    if (start === 0 && first.trim() === '' && i === lines.length) break; // an empty file
    const r = issues.guard(() => {
      const m = /^imgid:([^#\s]+)###/.exec(first);
      if (!m) issues.fail(start + 1, 'an "imgid:<id>###<description>" line', excerpt(first));
      const body = [first.slice(m[0].length), ...lines.slice(start + 1, i)].join('\n').trim();
      return { id: m[1] as string, context: body, model: options.model ?? 'riveg/mplug-owl', prompt: '' };
    });
    if (r) records.push(r);
  }
  return finish(records, issues, file);
}

/**
 * CAMIM's MNRE captions (`caption/<model>_<split>.txt`): one Python dict `{'img_id', 'text'}`
 * per line. The model is taken from the file name (caption = Qwen-VL, cogvlm, llavanext, …).
 */
export function parseCamimCaptions(text: string, file: string, options: ImportOptions = {}): ContextSet {
  const issues: Issues = new Issues(file, options.lenient ?? false);
  const prefix = basename(file).replace(/_(train|val|test)\.txt$/, '');
  const model = options.model ?? `camim/${CAMIM_MODELS[prefix] ?? prefix}`;
  const records: ContextRecord[] = [];
  splitLines(text).forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    const r = issues.guard(() => {
      const fail: Fail = (expected, found) => issues.fail(i + 1, expected, found);
      const obj = asObject(parseLiteralLine(lineText, i + 1, issues), 'the line', fail);
      return { id: stringField(obj, 'img_id', '', fail, { nonEmpty: true }), context: stringField(obj, 'text', '', fail).trim(), model, prompt: '' };
    });
    if (r) records.push(r);
  });
  return finish(records, issues, file);
}

/**
 * KECPM's JMERE files with OFA captions (`*_ofa_image_caption.json`, an array) or ChatGPT
 * knowledge (`*_ofa_knowledge.json`, JSON lines): JMERE records plus a list of strings, joined
 * with spaces. Several sentences can share an image; the first one's context is kept.
 */
export function parseKecpm(text: string, file: string, options: ImportOptions = {}): ContextSet {
  const issues: Issues = new Issues(file, options.lenient ?? false);
  const field = options.kecpmField ?? (/image_caption/.test(basename(file)) ? 'image_caption' : 'knowledge');
  const model = options.model ?? (field === 'knowledge' ? 'kecpm/chatgpt' : 'kecpm/ofa');
  const records: ContextRecord[] = [];
  for (const el of issues.guard(() => splitJsonRecords(text, file)) ?? []) {
    const r = issues.guard(() => {
      const fail: Fail = (expected, found) => issues.fail(el.line, `record ${el.index}: ${expected}`, found);
      const sentence = parseJmereRecord(parseJsonAt(el.text, file, el.line, `record ${el.index}`), el.index, el.line, fail, null, new Set(['per', 'loc', 'org', 'misc']));
      const list = sentence.extra[field];
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) fail(`${field} to be a list of strings`, describeValue(list));
      return { id: sentence.imageId, context: (list as string[]).join(' '), model, prompt: '' };
    });
    if (r) records.push(r);
  }
  return finish(records, issues, file);
}
