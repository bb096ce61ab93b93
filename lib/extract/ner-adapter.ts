// The MNER model behind the extraction interface: posts → NerBatch → tags (constrained Viterbi)
// and tag posteriors (forward–backward under the same constraints) → entities with scores.
//
// Entity score: the mean, over the span's tokens t, of P(tag_t = the span's tag at t) — B-X on the
// first token, I-X after — under the CRF restricted to BIO-valid paths. It lies in [0, 1], is 1
// only when the model is certain of every tag of the span, and stays comparable across span
// lengths (a product of per-token posteriors would shrink with length). It is not the exact
// probability of the span as a whole (which would also need the tag after it not to be I-X).
import { bioTags } from '../heads/bio.js';
import { chunksOf } from '../metrics/chunks.js';
import type { NerBatch, NerExample } from '../model/batch.js';
import type { ShapCAModel } from '../model/ner-model.js';
import { alignmentOf, imageRecipeOf, lengthEstimate, maskTextPieces, maskTokenOf } from './adapter-common.js';
import type { EntityTarget, ExtractedEntity, ExtractionModel, ModelInput, ModelOutput } from './types.js';

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

export function nerExtractionModel(model: ShapCAModel): ExtractionModel {
  const cfg = model.config;
  const mask = maskTokenOf(model.tokenizer);
  const tags = bioTags(cfg.entityTypes);
  const tagIndex = new Map(tags.map((t, i) => [t, i]));
  const numTags = tags.length;
  const image = imageRecipeOf(cfg, model.backbone);

  const encode = (inputs: ModelInput[]): NerBatch => {
    const examples: NerExample[] = inputs.map((x) => ({
      id: x.id, tokens: x.tokens, pixels: image ? x.pixels : null, ...(x.context ? { context: x.context } : {}),
    }));
    const batch = model.encode(examples);
    maskTextPieces(batch, inputs, mask.id);
    return batch;
  };

  return {
    task: 'ner',
    image,
    usesContext: cfg.options.useContext,
    fusion: model.fusion !== null,
    maskToken: mask.token,
    length: lengthEstimate(cfg),

    async run(inputs: ModelInput[]): Promise<ModelOutput[]> {
      if (inputs.length === 0) return [];
      const predictions = await model.predict(encode(inputs), { posteriors: true });
      return predictions.map((p, i) => {
        const tokens = inputs[i]!.tokens;
        const post = p.posteriors!;
        const score = (t: EntityTarget) => spanScore(post, numTags, tagIndex, t);
        const entities: ExtractedEntity[] = chunksOf(p.tags).map((c) => ({
          start: c.start, end: c.end, text: tokens.slice(c.start, c.end).join(' '), type: c.type, score: score(c),
        }));
        return { entities, gate: p.gate, score };
      });
    },

    async alignment(inputs: ModelInput[]) {
      return !model.backbone.alignment || inputs.length === 0 ? null : alignmentOf(model.backbone, cfg, encode(inputs));
    },
  };
}
