// MNRE relation extraction files (ours_{train,val,test}.txt): one entity pair of one sentence per
// line, written as a Python dict literal with single quotes (not JSON). Lines are parsed with our
// own literal parser, never evaluated.
import { type Dataset, DataFormatError, excerpt, Issues, type ReadOptions } from './errors.js';
import { MNRE_RELATIONS } from './labels.js';
import { formatPythonLiteral, parsePythonLiteral, PythonLiteralError } from './python-literal.js';
import { asObject, type Fail, spanField, stringField, stringListField } from './record-fields.js';
import { readText, splitLines } from './text-file.js';

/** An entity mention: its surface text and token span [start, end). */
export interface MnreEntity {
  name: string;
  start: number;
  end: number;
}

/** One MNRE instance: a sentence, an ordered entity pair, the image and the relation label. */
export interface MnreInstance {
  tokens: string[];
  head: MnreEntity;
  tail: MnreEntity;
  /** The image file name as stored, e.g. `twitter_19_31_22_54.jpg`. */
  imageId: string;
  /** One of the relation labels ("None" or `/<head type>/<tail type>/<name>`). */
  relation: string;
  /** 1-based source line (0 for records not read from a file). */
  line: number;
}

export interface MnreOptions extends ReadOptions {
  /**
   * Accepted relation labels. Default: MNRE v2's 23 (MNRE_RELATIONS). Pass the labels of a
   * rel2id file (readRelationLabels) for MNRE v1, or 'any' to accept any string.
   */
  relations?: readonly string[] | 'any';
}

/** Reads an MNRE file (ours_train.txt, ours_val.txt, ours_test.txt or the `mnre_val .txt` originals). */
export async function readMnre(path: string, options: MnreOptions = {}): Promise<Dataset<MnreInstance>> {
  return parseMnre(await readText(path), path, options);
}

/** Parses the text of an MNRE file; `file` names it in errors. */
export function parseMnre(text: string, file: string, options: MnreOptions = {}): Dataset<MnreInstance> {
  const issues = new Issues(file, options.lenient ?? false);
  const relations = options.relations === 'any' ? null : new Set(options.relations ?? MNRE_RELATIONS);
  const records: MnreInstance[] = [];
  splitLines(text).forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    const record = issues.guard(() => parseMnreLine(lineText, i + 1, issues, relations));
    if (record) records.push(record);
  });
  return { file, records, skipped: issues.skipped };
}

/** Parses a Python-literal line, naming the column of a syntax error. */
export function parseLiteralLine(lineText: string, line: number, issues: Issues): unknown {
  try {
    return parsePythonLiteral(lineText);
  } catch (err) {
    if (!(err instanceof PythonLiteralError)) throw err;
    issues.fail(line, `a Python dict literal: ${err.expected} at column ${err.column}`, err.found);
  }
}

function parseMnreLine(lineText: string, line: number, issues: Issues, relations: Set<string> | null): MnreInstance {
  const fail: Fail = (expected, found) => issues.fail(line, expected, found);
  const obj = asObject(parseLiteralLine(lineText, line, issues), 'the line', fail);
  const tokens = stringListField(obj, 'token', '', fail);
  if (tokens.length === 0) fail('token to be a non-empty list', 'an empty list');
  const entity = (key: 'h' | 't'): MnreEntity => {
    const e = asObject(obj[key], key, fail);
    const name = stringField(e, 'name', `${key}.`, fail);
    const [start, end] = spanField(e, 'pos', `${key}.`, tokens, name, fail);
    return { name, start, end };
  };
  const head = entity('h');
  const tail = entity('t');
  const imageId = stringField(obj, 'img_id', '', fail, { nonEmpty: true });
  const relation = stringField(obj, 'relation', '', fail);
  if (relations && !relations.has(relation)) {
    fail(`relation to be one of the ${relations.size} known labels (None, /per/per/peer, …)`, excerpt(relation));
  }
  return { tokens, head, tail, imageId, relation, line };
}

/** Writes instances in the same Python-literal format, one per line, as Python's str(dict) would. */
export function formatMnre(records: readonly Omit<MnreInstance, 'line'>[]): string {
  return records
    .map((r) =>
      formatPythonLiteral({
        token: r.tokens,
        h: { name: r.head.name, pos: [r.head.start, r.head.end] },
        t: { name: r.tail.name, pos: [r.tail.start, r.tail.end] },
        img_id: r.imageId,
        relation: r.relation,
      }),
    )
    .map((l) => `${l}\n`)
    .join('');
}

/** Reads a `rel2id` JSON file ({"None": 0, "/per/per/parent": 1, …}) into labels ordered by id. */
export async function readRelationLabels(path: string): Promise<string[]> {
  const text = await readText(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(path, 1, `a JSON object of label → id (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DataFormatError(path, 1, 'a JSON object of label → id');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const labels: string[] = [];
  for (const [label, id] of entries) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length || labels[id as number] !== undefined) {
      throw new DataFormatError(path, 1, `distinct ids 0..${entries.length - 1}`, `${JSON.stringify(label)}: ${JSON.stringify(id)}`);
    }
    labels[id as number] = label;
  }
  return labels;
}
