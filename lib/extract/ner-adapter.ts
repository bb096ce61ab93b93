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
  const tokenizer = model.tokenizer;
  const hasMask = tokenizer.tokenToId('[MASK]') !== undefined;
  const maskId = hasMask ? tokenizer.tokenToId('[MASK]')! : tokenizer.unkId;
  const tags = bioTags(cfg.entityTypes);
  const tagIndex = new Map(tags.map((t, i) => [t, i]));
  const numTags = tags.length;
  const usesImage = cfg.options.useImage && model.parts.image !== null && cfg.imageSize > 0;
  const image = usesImage ? { size: cfg.imageSize, mean: cfg.imageMean, std: cfg.imageStd } : null;

  const encode = (inputs: ModelInput[]): NerBatch => {
    const examples: NerExample[] = inputs.map((x) => ({
      id: x.id, tokens: x.tokens, pixels: usesImage ? x.pixels : null, ...(x.context ? { context: x.context } : {}),
    }));
    const batch = model.encode(examples);
    // Text absent: its word-pieces become [MASK]; words keep their positions, so spans still align.
    inputs.forEach((x, i) => {
      if (!x.maskText) return;
      for (let t = 0; t < batch.seqLen; t++) if (batch.textWeights[i * batch.seqLen + t]) batch.inputIds[i * batch.seqLen + t] = maskId;
    });
    return batch;
  };

  return {
    task: 'ner',
    image,
    usesContext: cfg.options.useContext,
    fusion: model.fusion !== null,
    maskToken: hasMask ? '[MASK]' : '[UNK]',
    length: (x) => Math.min(cfg.options.maxLength, x.tokens.length + (cfg.options.useContext && x.context ? x.context.split(/\s+/).length : 0)),

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
      if (!model.alignment || inputs.length === 0) return null;
      const b = encode(inputs);
      const states = (await model.parts.text.forward({
        inputIds: b.inputIds, attentionMask: b.attentionMask, tokenTypeIds: b.tokenTypeIds, batch: b.batch, seqLen: b.seqLen,
      })).lastHiddenState;
      const e = await model.alignment.embed({ states, batch: b.batch, seqLen: b.seqLen, textWeights: b.textWeights, contextWeights: b.contextWeights });
      return { ...e, dim: model.alignment.dim, utility: cfg.options.utility, tauU: cfg.options.tauU };
    },
  };
}
