// Joint entity–relation scores (MJERE; docs/ARCHITECTURE.md, "Task heads"). A quintuple is (head span + type, tail span +
// type, relation) and counts only when all five match a gold one exactly; micro P/R/F1 over
// quintuples is the task's number. Beside it: entity F1 over unique (span, type) entities, and
// pair F1 over (head span + type, tail span + type) of the predicted relations, the relation
// label ignored. On JMERE only entities taking part in a relation are annotated, so the entity
// score is not a full NER score.
import { type PRF, PrfCounter } from '../../metrics/f1.js';

export interface TypedSpan {
  start: number;
  end: number;
  type: string;
}

export interface Quintuple {
  head: TypedSpan;
  tail: TypedSpan;
  relation: string;
}

/** One sentence's entities and relations (gold or predicted). */
export interface JointAnnotation {
  entities: readonly TypedSpan[];
  triples: readonly Quintuple[];
}

export interface JointScores {
  quintuple: PRF;
  /** Quintuple P/R/F1 per relation label. */
  perRelation: Record<string, PRF>;
  entity: PRF;
  pair: PRF;
}

const span = (e: TypedSpan) => `${e.start}:${e.end}:${e.type}`;

/** Adds one sentence's gold and predicted items (sets: repeats count once) to the counter. */
function count(counter: PrfCounter, gold: Iterable<[string, string]>, pred: Iterable<[string, string]>): void {
  const g = new Map(gold);
  const p = new Map(pred);
  for (const label of g.values()) counter.add(label, 'gold');
  for (const [item, label] of p) {
    counter.add(label, 'predicted');
    if (g.has(item)) counter.add(label, 'correct');
  }
}

/**
 * Scores predictions against gold annotations, sentence by sentence. Entities of the triples are
 * counted as entities even when not listed in `entities`.
 * @throws Error when the lists differ in length.
 */
export function scoreJoint(gold: readonly JointAnnotation[], pred: readonly JointAnnotation[]): JointScores {
  if (gold.length !== pred.length) {
    throw new Error(`scoreJoint: expected ${gold.length} predicted sentences (one per gold sentence) but received ${pred.length}`);
  }
  const quintuples = new PrfCounter();
  const entities = new PrfCounter();
  const pairs = new PrfCounter();
  const entityItems = (a: JointAnnotation) =>
    [...a.entities, ...a.triples.flatMap((t) => [t.head, t.tail])].map((e): [string, string] => [span(e), e.type]);
  gold.forEach((g, i) => {
    const p = pred[i]!;
    const quint = (a: JointAnnotation) => a.triples.map((t): [string, string] => [`${span(t.head)}|${span(t.tail)}|${t.relation}`, t.relation]);
    const pair = (a: JointAnnotation) => a.triples.map((t): [string, string] => [`${span(t.head)}|${span(t.tail)}`, 'pair']);
    count(quintuples, quint(g), quint(p));
    count(entities, entityItems(g), entityItems(p));
    count(pairs, pair(g), pair(p));
  });
  return { quintuple: quintuples.micro(), perRelation: quintuples.perLabel(), entity: entities.micro(), pair: pairs.micro() };
}
