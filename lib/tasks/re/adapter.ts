// The MRE model behind the extraction interface: each post comes with an ordered entity pair
// (ModelInput.pair); markers go around head and tail, and the classifier's softmax over the
// relation labels gives the pair's label and its probability. The output is one relation per post,
// the pair as spans, whatever the label (the none label included); relation models extract no
// entities.
//
// "Text absent" (explain) masks the post's word-pieces but keeps the four markers: they say which
// pair is asked about, not what the post says.
import { RELATION_MARKERS } from './markers.js';
import type { RelationModel } from './model.js';
import { adapterBase } from '../../extract/adapter-common.js';
import type { ExtractedSpan, ExtractionModel, ModelInput, ModelOutput, RelationTarget, Span } from '../../extract/types.js';

const sameSpan = (a: Span, b: Span) => a.start === b.start && a.end === b.end;

export function reExtractionModel(model: RelationModel): ExtractionModel {
  const markers = new Set(RELATION_MARKERS.map((m) => model.tokenizer.tokenToId(m)!));
  const { base, encode } = adapterBase(model, {
    task: 're',
    example: (x, post) => {
      if (!x.pair) throw new RangeError(`post ${x.id}: a relation model needs the entity pair (head and tail)`);
      return { ...post, head: x.pair.head, tail: x.pair.tail };
    },
    keep: markers,
    extraTokens: RELATION_MARKERS.length,
  });

  return {
    ...base,
    pair: true,
    async run(inputs: ModelInput[]): Promise<ModelOutput[]> {
      if (inputs.length === 0) return [];
      const predictions = await model.predict(encode(inputs), { probabilities: true });
      return predictions.map((p, i) => {
        const x = inputs[i]!;
        const { head, tail } = x.pair!;
        const span = (s: Span): ExtractedSpan => ({ start: s.start, end: s.end, text: x.tokens.slice(s.start, s.end).join(' ') });
        const relationScore = (t: RelationTarget): number => {
          if (!sameSpan(t.head, head) || !sameSpan(t.tail, tail)) {
            throw new RangeError(`post ${x.id}: a relation model scores only the pair it was given ([${head.start}, ${head.end}) → [${tail.start}, ${tail.end}))`);
          }
          const label = model.labelIndex.get(t.label);
          if (label === undefined) throw new RangeError(`unknown relation label ${JSON.stringify(t.label)}`);
          return p.probs![label]!;
        };
        return {
          entities: [], relations: [{ head: span(head), tail: span(tail), label: p.relation, score: p.score }], gate: p.gate,
          score: () => 0, // no entities
          relationScore,
        };
      });
    },
  };
}
