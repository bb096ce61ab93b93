// JMERE joint entity–relation files (EEGA's format, ../shared/data/jmere/{v1,merged}): a JSON
// array of sentences, each with its image and a `label_list` of triples whose entities carry
// their span and type. JSON lines with the same records (KECPM's knowledge files) read the same.
import { type Dataset, excerpt, Issues, type ReadOptions } from './errors.js';
import { formatPythonJson, parseJsonAt, splitJsonRecords } from './json-records.js';
import { JMERE_ENTITY_TYPES, JMERE_RELATIONS } from './labels.js';
import { asObject, describeValue, type Fail, spanField, stringField, stringListField } from './record-fields.js';
import { readText } from './text-file.js';

export interface JmereEntity {
  name: string;
  start: number;
  end: number;
  /** per, loc, org or misc. */
  type: string;
}

export interface JmereTriple {
  head: JmereEntity;
  tail: JmereEntity;
  /** A relation name without type prefix, e.g. `member_of`. */
  relation: string;
}

export interface JmereSentence {
  tokens: string[];
  /** The image file name as stored, e.g. `twitter_stream_2018_05_07_1_0_2_45.jpg`. */
  imageId: string;
  triples: JmereTriple[];
  /** 0-based position in the file and 1-based line where the record starts. */
  index: number;
  line: number;
  /** Fields beyond token/img_id/label_list (KECPM's image_caption, knowledge), kept as parsed. */
  extra: Record<string, unknown>;
}

export interface JmereOptions extends ReadOptions {
  /** Accepted relation names. Default: the 21 of JMERE_RELATIONS; 'any' accepts every string. */
  relations?: readonly string[] | 'any';
  /** Accepted entity types. Default: per, loc, org, misc. */
  entityTypes?: readonly string[];
}

/** Reads a JMERE split (`train.json`, `val.json`, `test.json`; an array or JSON lines). */
export async function readJmere(path: string, options: JmereOptions = {}): Promise<Dataset<JmereSentence>> {
  return parseJmere(await readText(path), path, options);
}

/** Parses JMERE text; `file` names it in errors, which give the record number and its line. */
export function parseJmere(text: string, file: string, options: JmereOptions = {}): Dataset<JmereSentence> {
  const issues = new Issues(file, options.lenient ?? false);
  const relations = options.relations === 'any' ? null : new Set(options.relations ?? JMERE_RELATIONS);
  const types = new Set(options.entityTypes ?? JMERE_ENTITY_TYPES);
  const elements = issues.guard(() => splitJsonRecords(text, file)) ?? [];
  const records: JmereSentence[] = [];
  for (const el of elements) {
    const record = issues.guard(() => {
      const fail: Fail = (expected, found) => issues.fail(el.line, `record ${el.index}: ${expected}`, found);
      const value = parseJsonAt(el.text, file, el.line, `record ${el.index}`);
      return parseJmereRecord(value, el.index, el.line, fail, relations, types);
    });
    if (record) records.push(record);
  }
  return { file, records, skipped: issues.skipped };
}

/** Validates one parsed JMERE record (also used by the KECPM context importer). */
export function parseJmereRecord(
  value: unknown,
  index: number,
  line: number,
  fail: Fail,
  relations: Set<string> | null,
  types: Set<string>,
): JmereSentence {
  const obj = asObject(value, 'the record', fail);
  const tokens = stringListField(obj, 'token', '', fail);
  if (tokens.length === 0) fail('token to be a non-empty list', 'an empty list');
  const imageId = stringField(obj, 'img_id', '', fail, { nonEmpty: true });
  const groups = obj.label_list;
  if (!Array.isArray(groups)) fail('label_list to be a list of lists of triples', describeValue(groups));
  const triples: JmereTriple[] = [];
  groups.forEach((group, g) => {
    if (!Array.isArray(group)) fail(`label_list[${g}] to be a list of triples`, describeValue(group));
    group.forEach((t, k) => {
      const where = `label_list[${g}][${k}].`;
      const triple = asObject(t, where.slice(0, -1), fail);
      const entity = (key: 'beg_ent' | 'sec_ent'): JmereEntity => {
        const e = asObject(triple[key], `${where}${key}`, fail);
        const name = stringField(e, 'name', `${where}${key}.`, fail);
        const [start, end] = spanField(e, 'pos', `${where}${key}.`, tokens, name, fail);
        const type = stringField(e, 'tags', `${where}${key}.`, fail);
        if (!types.has(type)) fail(`${where}${key}.tags to be one of ${[...types].join(', ')}`, excerpt(type));
        return { name, start, end, type };
      };
      const head = entity('beg_ent');
      const tail = entity('sec_ent');
      const relation = stringField(triple, 'relation', where, fail);
      if (relations && !relations.has(relation)) fail(`${where}relation to be one of the ${relations.size} JMERE relations (peer, member_of, …)`, excerpt(relation));
      triples.push({ head, tail, relation });
    });
  });
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (k !== 'token' && k !== 'img_id' && k !== 'label_list') extra[k] = v;
  return { tokens, imageId, triples, index, line, extra };
}

/**
 * Writes sentences as a JSON array the way EEGA's files are written (Python json.dumps, one
 * triple per label_list entry), so a file read and written back is byte-identical.
 */
export function formatJmere(records: readonly Pick<JmereSentence, 'tokens' | 'imageId' | 'triples'>[]): string {
  const entity = (e: JmereEntity) => ({ name: e.name, pos: [e.start, e.end], tags: e.type });
  return formatPythonJson(
    records.map((r) => ({
      token: r.tokens,
      img_id: r.imageId,
      label_list: r.triples.map((t) => [{ beg_ent: entity(t.head), sec_ent: entity(t.tail), relation: t.relation }]),
    })),
  );
}

/** Unique (span, type) entities of a sentence, the way the README counts JMERE entities. */
export function jmereEntities(sentence: Pick<JmereSentence, 'triples'>): JmereEntity[] {
  const seen = new Map<string, JmereEntity>();
  for (const t of sentence.triples) {
    for (const e of [t.head, t.tail]) seen.set(`${e.start}:${e.end}:${e.type}`, e);
  }
  return [...seen.values()];
}
