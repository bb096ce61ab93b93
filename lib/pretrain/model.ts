// A BERT encoder with HF's MLM head (BertForMaskedLM): built from scratch (vocabulary learned
// from the corpus) or from an HF BERT checkpoint (its cls.predictions.* head loaded when present),
// trained by the common trainer, and saved as HF saves BertForMaskedLM — config.json,
// model.safetensors with bert.* and cls.predictions.* names (the decoder weight is tied to the
// word embeddings and so not stored), tokenizer.json / vocab.txt — a folder that
// `BertEncoder.fromPretrained`, `train --model` and transformers read.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { Checkpoint } from '../checkpoint/checkpoint.js';
import { writeSafetensors } from '../checkpoint/safetensors.js';
import { BertEncoder } from '../encoders/bert.js';
import type { BertConfig } from '../encoders/config.js';
import { TINY_TEXT } from '../model/config.js';
import { ParamStore } from '../nn/params.js';
import { learnWordPiece } from '../tokenizer/train.js';
import { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { ParamGroup, StepContext, StepResult, TrainableModel } from '../train/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { MlmBatch } from './batch.js';
import { MLM_HEAD, MlmHead, type MlmHeadResult, mlmHeadSpecs } from './mlm-head.js';

const WORD_EMBEDDINGS = 'embeddings.word_embeddings.weight';
const ENCODER_PREFIX = 'bert.';

export interface MlmFromScratchOptions {
  /** The texts the WordPiece vocabulary is learned from. */
  corpus: Iterable<string>;
  /** Default 8000. */
  vocabSize?: number;
  /** Learn a cased vocabulary; default uncased. */
  cased?: boolean;
  /** Overrides of the tiny preset (BERT 4×256). */
  text?: Partial<BertConfig>;
  seed?: number;
}

export class MlmModel implements TrainableModel<MlmBatch> {
  readonly store: ParamStore;
  readonly head: MlmHead;
  /** Which head tensors came from the checkpoint (continued pretraining). */
  readonly loadedHead: string[];

  constructor(
    readonly encoder: BertEncoder,
    readonly tokenizer: WordPieceTokenizer,
    o: { seed?: number; head?: Map<string, Float32Array> } = {},
  ) {
    if (encoder.device !== 'cpu') throw new TypeError("pretraining runs on the CPU: the MLM head's tied decoder reads the encoder's host gradients");
    const cfg = encoder.config;
    if (tokenizer.vocabSize > cfg.vocab_size) {
      throw new RangeError(`the tokenizer has ${tokenizer.vocabSize} tokens but the encoder's vocabulary only ${cfg.vocab_size}`);
    }
    this.store = new ParamStore(mlmHeadSpecs(cfg.hidden_size, cfg.vocab_size), o.seed ?? 0);
    this.loadedHead = [];
    for (const s of this.store.slots) {
      const v = o.head?.get(s.name);
      if (!v) continue;
      if (v.length !== s.numel) throw new RangeError(`head tensor ${s.name} has ${v.length} values, expected ${s.numel}`);
      this.store.get(s.name).set(v);
      this.loadedHead.push(s.name);
    }
    this.head = new MlmHead(this.store, cfg.hidden_size, cfg.vocab_size, cfg.layer_norm_eps);
    encoder.enableGrad();
  }

  /** The tiny preset, its vocabulary learned from `corpus`, every weight fresh from `seed`. */
  static async fromScratch(o: MlmFromScratchOptions): Promise<MlmModel> {
    const seed = o.seed ?? 1;
    const tokenizer = learnWordPiece(o.corpus, { vocabSize: o.vocabSize ?? 8000, lowercase: !o.cased });
    const encoder = await BertEncoder.random({ ...TINY_TEXT, ...o.text, vocab_size: tokenizer.vocabSize }, seed, { pooler: false });
    return new MlmModel(encoder, tokenizer, { seed });
  }

  /**
   * An HF BERT folder (config.json, model.safetensors, tokenizer.json or vocab.txt), e.g. a
   * BertForMaskedLM checkpoint or one this class saved; its MLM head is loaded when present
   * (cls.predictions.bias or the older cls.predictions.decoder.bias), else it starts fresh.
   */
  static async fromPretrained(dir: string, o: { seed?: number } = {}): Promise<MlmModel> {
    const encoder = await BertEncoder.fromPretrained(dir);
    const tokenizer = await WordPieceTokenizer.load(dir);
    return new MlmModel(encoder, tokenizer, { seed: o.seed ?? 1, head: await readHead(dir) });
  }

  get config(): BertConfig {
    return this.encoder.config;
  }

  paramGroups(): ParamGroup[] {
    const enc = this.encoder;
    const noDecay = enc.slots.filter((s) => s.name.endsWith('bias') || s.name.includes('LayerNorm')).map((s): [number, number] => [s.offset, s.numel]);
    return [
      { name: 'text_encoder', params: enc.params, grads: enc.enableGrad(), pretrained: true, noDecay },
      { name: 'mlm_head', params: this.store.params, grads: this.store.grads, pretrained: false, noDecay: this.store.noDecayRanges() },
    ];
  }

  zeroGrad(): void {
    this.encoder.zeroGrad();
    this.store.zeroGrad();
  }

  private async forward(b: MlmBatch, train: boolean): Promise<Float32Array> {
    const out = await this.encoder.forward({
      inputIds: b.inputIds, attentionMask: b.attentionMask, tokenTypeIds: b.tokenTypeIds, batch: b.batch, seqLen: b.seqLen, train,
    });
    return out.lastHiddenState;
  }

  private targets(b: MlmBatch) {
    return { positions: b.positions, targets: b.targets, tokens: b.batch * b.seqLen };
  }

  async trainStep(b: MlmBatch, _ctx: StepContext): Promise<StepResult> {
    const states = await this.forward(b, true);
    const dStates = new Float32Array(states.length);
    const r = await this.head.run(states, this.encoder.param(WORD_EMBEDDINGS), this.targets(b), {
      dStates, dEmbeddings: this.encoder.grad(WORD_EMBEDDINGS),
    });
    if (r.rows > 0) await this.encoder.backward({ dLastHiddenState: dStates });
    return { loss: r.loss, parts: { mlm: r.loss, accuracy: r.rows ? r.correct / r.rows : 0 }, samples: b.batch };
  }

  /** Loss and accuracy on a batch, no gradients. */
  async evaluate(b: MlmBatch): Promise<MlmHeadResult> {
    const states = await this.forward(b, false);
    return this.head.run(states, this.encoder.param(WORD_EMBEDDINGS), this.targets(b));
  }

  /** Writes the HF BertForMaskedLM layout (see the file header). */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const enc = this.encoder;
    await writeSafetensors(join(dir, 'model.safetensors'), [
      ...enc.slots.map((s) => ({ name: ENCODER_PREFIX + s.name, shape: s.shape, data: enc.params.subarray(s.offset, s.offset + s.numel) })),
      ...this.store.tensors(),
    ], { metadata: { format: 'pt' } });
    const config = { ...enc.config, model_type: 'bert', architectures: ['BertForMaskedLM'], tie_word_embeddings: true };
    await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    await this.tokenizer.save(dir);
    const lowercase = (this.tokenizer.toJson().normalizer as { lowercase?: boolean } | null)?.lowercase ?? true;
    await writeFileAtomic(
      join(dir, 'tokenizer_config.json'),
      `${JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: lowercase, model_max_length: enc.config.max_position_embeddings }, null, 2)}\n`,
    );
  }

  /** Loads weights that save() wrote (same architecture) into this model. */
  async loadWeights(dir: string): Promise<void> {
    const saved = await BertEncoder.fromPretrained(dir);
    try {
      if (saved.params.length !== this.encoder.params.length) throw new RangeError(`${dir}: the encoder has ${saved.params.length} parameters, expected ${this.encoder.params.length}`);
      await this.encoder.setParams(saved.params);
    } finally {
      saved.dispose();
    }
    const head = await readHead(dir);
    for (const s of this.store.slots) {
      const v = head.get(s.name);
      if (!v || v.length !== s.numel) throw new RangeError(`${dir}: expected head tensor ${s.name} with ${s.numel} values`);
      this.store.get(s.name).set(v);
    }
  }

  dispose(): void {
    this.encoder.dispose();
  }
}

/** The cls.predictions.* tensors of a checkpoint folder (HF's older decoder.bias name accepted). */
async function readHead(dir: string): Promise<Map<string, Float32Array>> {
  const ckpt = await Checkpoint.open(dir);
  const out = new Map<string, Float32Array>();
  try {
    const names = new Set(ckpt.names());
    for (const name of Object.values(MLM_HEAD)) {
      const from = names.has(name) ? name : name === MLM_HEAD.bias && names.has('cls.predictions.decoder.bias') ? 'cls.predictions.decoder.bias' : null;
      if (from) out.set(name, await ckpt.read(from));
    }
  } finally {
    await ckpt.close();
  }
  return out;
}
