// The MJERE model behind the extraction interface: entities from the CRF (scored as the NER
// adapter scores them, from the tag posteriors of the same pass), and the relations the pair
// classifier finds between ordered pairs of them — only pairs whose most probable label is not the
// none label, each with that label's probability. Relation heads and tails index `entities`. All
// entities are listed; the model pairs only the first `pairs.maxEntities` of a post.
//
// For `explain`, an input may carry `scorePairs` (the pairs of the whole post's relations): the
// classifier then also scores them under this input, whether or not this input's own entities
// include them, and relationScore reads those probabilities.
import { bioSpans } from '../../data/bio.js';
import type { JointModel } from './model.js';
import { adapterBase } from '../../extract/adapter-common.js';
import { spanScorer } from '../ner/adapter.js';
import type { ExtractedEntity, ExtractedRelation, ExtractionModel, ModelInput, ModelOutput, RelationTarget, Span } from '../../extract/types.js';

const sameSpan = (a: Span, b: Span) => a.start === b.start && a.end === b.end;

export function jointExtractionModel(model: JointModel): ExtractionModel {
  const { base, encode } = adapterBase(model, { task: 'joint', example: (_, post) => post });
  const scorer = spanScorer(model.config.entityTypes);

  return {
    ...base,
    async run(inputs: ModelInput[]): Promise<ModelOutput[]> {
      if (inputs.length === 0) return [];
      const asked = inputs.some((x) => x.scorePairs?.length);
      const predictions = await model.predict(encode(inputs), { posteriors: true, ...(asked ? { pairs: inputs.map((x) => x.scorePairs ?? []) } : {}) });
      return predictions.map((p, i) => {
        const x = inputs[i]!;
        const score = scorer(p.posteriors!);
        // the model's entities are the first maxEntities of these, in the same order
        const entities: ExtractedEntity[] = bioSpans(p.tags).map((e) => ({
          start: e.start, end: e.end, text: x.tokens.slice(e.start, e.end).join(' '), type: e.type, score: score(e),
        }));
        const relations: ExtractedRelation<number>[] = p.triples.map((t) => ({
          head: p.entities.indexOf(t.head), tail: p.entities.indexOf(t.tail), label: t.relation, score: t.score,
        }));
        const relationScore = (t: RelationTarget): number => {
          const label = model.labelIndex.get(t.label);
          if (label === undefined) throw new RangeError(`unknown relation label ${JSON.stringify(t.label)}`);
          const j = x.scorePairs?.findIndex((q) => sameSpan(q.head, t.head) && sameSpan(q.tail, t.tail)) ?? -1;
          if (j >= 0) return p.pairProbs?.[j]?.[label] ?? 0; // null: truncation cut a span
          const r = relations.find((q) => q.label === t.label && sameSpan(entities[q.head]!, t.head) && sameSpan(entities[q.tail]!, t.tail));
          if (r) return r.score;
          throw new RangeError(`post ${x.id}: the pair [${t.head.start}, ${t.head.end}) → [${t.tail.start}, ${t.tail.end}) was not scored with ${t.label}; give it in scorePairs`);
        };
        return { entities, relations, gate: p.gate, score, relationScore };
      });
    },
  };
}
