// `pretrain`: masked-language-model pretraining of the text encoder through the common trainer
// (AdamW, warm-up + linear decay, clipping, checkpoints, resume, log, curves). A share of the
// documents, evenly spaced, is held out: the score after every epoch is minus its MLM loss, the
// best epoch is kept in outDir/best (the folder to give `train --model`), and its held-out loss is
// reported once more at the end (there is no test split in pretraining).
import type { BertConfig } from '../encoders/config.js';
import { Rng } from '../data/synthetic/rng.js';
import type { StepRecord } from '../train/log.js';
import { train, type TrainSummary } from '../train/trainer.js';
import { MlmBatcher } from './batch.js';
import { corpusTexts, type CorpusDocument, type CorpusSource } from './corpus.js';
import type { MaskingOptions } from './masking.js';
import { MlmModel } from './model.js';

export type PretrainStart = { preset: 'tiny'; vocabSize?: number; cased?: boolean; text?: Partial<BertConfig> } | { textDir: string };

export interface PretrainOptions {
  corpus: CorpusSource;
  outDir: string;
  /** From scratch (the tiny preset, vocabulary learned from the corpus) or an HF BERT folder. */
  start: PretrainStart;
  epochs: number;
  batchSize: number;
  /** Peak learning rate. Default 5e-4 from scratch, 5e-5 from a checkpoint. */
  lr?: number;
  /** Default 0.06 of the steps. */
  warmup?: number;
  weightDecay?: number;
  maxGradNorm?: number;
  /** Tokens per document, [CLS] text [SEP] context [SEP] (the context is cut first). Default 128. */
  maxLength?: number;
  masking?: MaskingOptions;
  /** Share of the documents held out for the score. Default 0.05. */
  heldOutShare?: number;
  /** At most this many held-out documents. Default 1000. */
  maxHeldOut?: number;
  /** Documents shuffled together (a buffer, so the corpus is never held whole). Default 10000. */
  shuffleBuffer?: number;
  seed: number;
  resume?: boolean;
  progress?: boolean;
  /** Also checkpoint every this many seconds inside an epoch (the trainer's default 600). */
  checkpointSeconds?: number;
  /** Also checkpoint every this many steps inside an epoch. Default 0 (off). */
  checkpointEvery?: number;
  /** Called after every update with its log record; a throw stops the run (the last checkpoint stays). */
  onStep?: (step: StepRecord) => void | Promise<void>;
  meta?: Record<string, unknown>;
}

/** Whether document i of the corpus is held out: evenly spaced, `share` of them. */
function heldOut(i: number, share: number): boolean {
  return Math.floor((i + 1) * share) > Math.floor(i * share);
}

/** Items of `source` in an order that depends only on `rng`, through a buffer of `size`. */
function* shuffled<T>(source: Iterable<T>, size: number, rng: Rng): Generator<T> {
  const buffer: T[] = [];
  for (const x of source) {
    if (buffer.length < size) {
      buffer.push(x);
      continue;
    }
    const j = rng.int(size);
    yield buffer[j]!;
    buffer[j] = x;
  }
  for (let i = buffer.length - 1; i >= 0; i--) {
    const j = rng.int(i + 1);
    yield buffer[j]!;
    buffer[j] = buffer[i]!;
  }
}

export async function pretrain(o: PretrainOptions): Promise<TrainSummary> {
  const share = o.heldOutShare ?? 0.05;
  if (!(share > 0 && share < 1)) throw new RangeError(`expected a held-out share in (0, 1) but received ${share}`);
  const maxHeld = o.maxHeldOut ?? 1000;
  // One pass: the held-out documents (kept) and the number of training documents.
  const held: CorpusDocument[] = [];
  let trainCount = 0;
  let index = 0;
  for (const d of o.corpus.documents()) {
    if (heldOut(index, share) && held.length < maxHeld) held.push(d);
    else trainCount++;
    index++;
  }
  if (held.length === 0 || trainCount === 0) {
    throw new RangeError(`the corpus has ${index} documents: too few to hold out ${share} of them for the score and train on the rest`);
  }
  const heldCount = held.length;
  const training = function* (): Generator<CorpusDocument> {
    let i = 0;
    let h = 0;
    for (const d of o.corpus.documents()) {
      if (heldOut(i++, share) && h < heldCount) {
        h++;
        continue;
      }
      yield d;
    }
  };
  const scratch = 'preset' in o.start;
  const model = 'preset' in o.start
    ? await MlmModel.fromScratch({
        corpus: corpusTexts({ describe: '', documents: training }), vocabSize: o.start.vocabSize ?? 8000, ...(o.start.cased ? { cased: true } : {}), seed: o.seed,
        ...(o.start.text ? { text: o.start.text } : {}),
      })
    : await MlmModel.fromPretrained(o.start.textDir, { seed: o.seed });
  const batcher = new MlmBatcher(model.tokenizer, o.maxLength ?? 128, o.masking ?? {});
  const batchSize = o.batchSize;
  const bufferSize = o.shuffleBuffer ?? 10_000;
  const heldBatches = Array.from({ length: Math.ceil(heldCount / batchSize) }, (_, b) =>
    batcher.batch(held.slice(b * batchSize, (b + 1) * batchSize), Rng.forSample(o.seed, 'held-out', b)));
  const lr = o.lr ?? (scratch ? 5e-4 : 5e-5);
  try {
    return await train(model, {
      trainBatches: function* ({ epoch, start, seed }) {
        const rng = Rng.forSample(seed, 'order', epoch);
        let docs: CorpusDocument[] = [];
        let b = 0;
        for (const d of shuffled(training(), bufferSize, rng)) {
          docs.push(d);
          if (docs.length < batchSize) continue;
          if (b >= start) yield batcher.batch(docs, Rng.forSample(seed, `mask-${epoch}`, b));
          b++;
          docs = [];
        }
        if (docs.length > 0 && b >= start) yield batcher.batch(docs, Rng.forSample(seed, `mask-${epoch}`, b));
      },
      batchesPerEpoch: Math.ceil(trainCount / batchSize),
      epochs: o.epochs,
      evaluate: async () => {
        let loss = 0;
        let correct = 0;
        let rows = 0;
        for (const b of heldBatches) {
          const r = await model.evaluate(b);
          loss += r.loss * r.rows;
          correct += r.correct;
          rows += r.rows;
        }
        const mean = rows ? loss / rows : NaN;
        return { score: -mean, metrics: { loss: mean, accuracy: rows ? correct / rows : 0, perplexity: Math.exp(mean), targets: rows, documents: heldCount } };
      },
      reload: (dir) => model.loadWeights(dir),
      encoderLr: lr,
      headLr: lr,
      warmup: o.warmup ?? 0.06,
      weightDecay: o.weightDecay ?? 0.01,
      maxGradNorm: o.maxGradNorm ?? 1,
      seed: o.seed,
      outDir: o.outDir,
      resume: o.resume ?? false,
      progress: o.progress ?? true,
      ...(o.checkpointSeconds !== undefined ? { checkpointSeconds: o.checkpointSeconds } : {}),
      ...(o.checkpointEvery !== undefined ? { checkpointEvery: o.checkpointEvery } : {}),
      ...(o.onStep ? { onStep: o.onStep } : {}),
      meta: {
        ...o.meta, task: 'mlm', corpus: o.corpus.describe, documents: { train: trainCount, heldOut: heldCount },
        config: model.config, vocabSize: model.tokenizer.vocabSize, loadedHead: model.loadedHead,
        start: o.start, maxLength: o.maxLength ?? 128, masking: { wordShare: 0.15, maskShare: 0.8, randomShare: 0.1, ...o.masking },
      },
    });
  } finally {
    model.dispose();
  }
}
