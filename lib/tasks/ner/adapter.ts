// The MNER model behind the extraction interface: posts → NerBatch → tags (constrained Viterbi)
// and tag posteriors (forward–backward under the same constraints) → entities with scores.
//
// Entity score: the mean, over the span's tokens t, of P(tag_t = the span's tag at t) — B-X on the
// first token, I-X after — under the CRF restricted to BIO-valid paths. It lies in [0, 1], is 1
// only when the model is certain of every tag of the span, and stays comparable across span
// lengths (a product of per-token posteriors would shrink with length). It is not the exact
// probability of the span as a whole (which would also need the tag after it not to be I-X).
import { bioTags, chunksOf } from '../../data/bio.js';
import type { NerModel } from './model.js';
import { adapterBase } from '../../extract/adapter-common.js';
import type { EntityTarget, ExtractedEntity, ExtractionModel, ModelInput, ModelOutput } from '../../extract/types.js';

/** The span score (see the file comment) from posteriors (words, numTags); 0 outside the kept words. */
export function spanScore(posteriors: Float32Array, numTags: number, tagIndex: ReadonlyMap<string, number>, t: EntityTarget): number {
  const words = posteriors.length / numTags;
  const b = tagIndex.get(`B-${t.type}`);
  const i = tagIndex.get(`I-${t.type}`);
  if (b === undefined || i === undefined || t.start < 0 || t.end > words || t.end <= t.start) return 0;
  let sum = 0;
  for (let w = t.start; w < t.end; w++) sum += posteriors[w * numTags + (w === t.start ? b : i)]!;
  return sum / (t.end - t.start);
}

/** spanScore over the BIO tags of `entityTypes`: a post's tag posteriors → its targets' scores. */
export function spanScorer(entityTypes: readonly string[]): (posteriors: Float32Array) => (t: EntityTarget) => number {
  const tags = bioTags(entityTypes);
  const tagIndex = new Map(tags.map((t, i) => [t, i]));
  return (posteriors) => (t) => spanScore(posteriors, tags.length, tagIndex, t);
}

export function nerExtractionModel(model: NerModel): ExtractionModel {
  const { base, encode } = adapterBase(model, { task: 'ner', example: (_, post) => post });
  const scorer = spanScorer(model.config.entityTypes);

  return {
    ...base,
    async run(inputs: ModelInput[]): Promise<ModelOutput[]> {
      if (inputs.length === 0) return [];
      const predictions = await model.predict(encode(inputs), { posteriors: true });
      return predictions.map((p, i) => {
        const tokens = inputs[i]!.tokens;
        const score = scorer(p.posteriors!);
        const entities: ExtractedEntity[] = chunksOf(p.tags).map((c) => ({
          start: c.start, end: c.end, text: tokens.slice(c.start, c.end).join(' '), type: c.type, score: score(c),
        }));
        return { entities, gate: p.gate, score };
      });
    },
  };
}
