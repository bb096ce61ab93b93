// BertEncoder: HF BertModel on the native core (docs/ARCHITECTURE.md, "Encoders and embeddings").
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import { selectDevice, cudaBackend, type Device, type DeviceRequest } from '../device.js';
import type { Precision } from '../precision.js';
import { type HubOptions, modelDir } from '../hub/resolve.js';
import { addon, type NativeBertCalls, type NativeBertConfig } from '../native/addon.js';
import { BERT_BASE, type BertConfig, parseBertConfig, readConfigJson } from './config.js';
import { NativeEncoder, openWithProbe } from './native-encoder.js';

const PREFIXES = ['bert.'];
const OWN_MODULES = ['embeddings', 'encoder', 'pooler'];
const BUFFERS = ['embeddings.position_ids'];

export interface BertEncoderOptions {
  /** Build the tanh pooler. fromPretrained: default whether the checkpoint has it; random: default true. */
  pooler?: boolean;
  /**
   * Where the encoder runs: 'cpu' (default), 'cuda' (parameters, gradients and optimizer state on
   * the GPU; without a usable GPU, the CPU and one warning saying why) or 'auto' (the GPU when there
   * is one, silently).
   */
  device?: DeviceRequest;
  /** fromPretrained with a Hub repo id: revision, offline mode, progress (see resolveModel). */
  hub?: HubOptions;
}

export interface BertForwardOptions {
  /** (batch, seqLen) token ids. */
  inputIds: Int32Array;
  /** (batch, seqLen), 1 for tokens and 0 for padding. Default: no padding. */
  attentionMask?: Int32Array;
  /** (batch, seqLen) segment ids (0 text, 1 context). Default 0. */
  tokenTypeIds?: Int32Array;
  batch: number;
  seqLen: number;
  /** Keep every activation so that backward() can follow. Default false. */
  train?: boolean;
  /**
   * Inference precision of the layers' linear maps: 'fp32' (default), 'bf16' or 'int8' (see
   * Precision); the weights are packed on the first such call and kept. Not with `train`.
   */
  precision?: Precision;
}

export interface BertOutput {
  /**
   * (batch, seqLen, hidden). Padded positions carry no meaning: inference (no `train`) does not
   * compute them and leaves them at 0, which leaves every real position as the full computation
   * (as PyTorch's nested-tensor encoder fast path does); `train` computes them as HF does.
   */
  lastHiddenState: Float32Array;
  /** (batch, hidden) tanh pooler output, when the model has a pooler. */
  pooledOutput?: Float32Array;
}

export class BertEncoder extends NativeEncoder<NativeBertCalls> {
  readonly config: BertConfig;
  readonly hasPooler: boolean;
  private trainTokens = 0;

  private constructor(config: BertConfig, pooler: boolean, device: Device) {
    const native: NativeBertConfig = {
      vocabSize: config.vocab_size, hiddenSize: config.hidden_size, numLayers: config.num_hidden_layers,
      numHeads: config.num_attention_heads, intermediateSize: config.intermediate_size,
      maxPositions: config.max_position_embeddings, typeVocabSize: config.type_vocab_size,
      layerNormEps: config.layer_norm_eps, hiddenAct: config.hidden_act, pooler,
    };
    super(device === 'cuda' ? { cuda: new (cudaBackend().CudaBertModel!)(native) } : { cpu: new (addon().BertModel)(native) });
    this.config = config;
    this.hasPooler = pooler;
  }

  /**
   * Loads dir/config.json and dir/model.safetensors (or a sharded index) with HF names, with or
   * without the "bert." prefix; F16 and BF16 weights are converted to float32.
   */
  static async fromPretrained(dirOrId: string, o: BertEncoderOptions = {}): Promise<BertEncoder> {
    const device = selectDevice(o.device);
    const dir = await modelDir(dirOrId, 'bert', o.hub);
    const config = parseBertConfig(await readConfigJson(dir), `${dir}/config.json`);
    const { ckpt, has } = await openWithProbe(dir, 'pooler.dense.weight', PREFIXES);
    try {
      const enc = new BertEncoder(config, o.pooler ?? has, device);
      await enc.load(ckpt);
      return enc;
    } finally {
      await ckpt.close();
    }
  }

  /** A freshly initialised model (weights ~ N(0, initializer_range²), LayerNorm 1/0, biases 0). */
  static async random(config: Partial<BertConfig> = {}, seed = 0, o: BertEncoderOptions = {}): Promise<BertEncoder> {
    const device = selectDevice(o.device);
    const full = parseBertConfig({ ...BERT_BASE, ...config, model_type: 'bert' });
    const enc = new BertEncoder(full, o.pooler ?? true, device);
    await enc.initRandom(seed, full.initializer_range);
    return enc;
  }

  private async load(ckpt: Checkpoint): Promise<void> {
    await this.loadFrom(ckpt, { prefixes: PREFIXES, ownModules: OWN_MODULES, buffers: BUFFERS });
  }

  get hiddenSize(): number {
    return this.config.hidden_size;
  }

  /** Runs the encoder; with `train: true` it keeps the activations for backward(). */
  forward(o: BertForwardOptions): Promise<BertOutput> {
    return this.serial(async (h) => {
      const c = this.config.hidden_size;
      const lastHiddenState = new Float32Array(Math.max(0, o.batch * o.seqLen * c) || 0);
      const pooledOutput = this.hasPooler ? new Float32Array(Math.max(0, o.batch * c) || 0) : undefined;
      await this.preparePrecision(o.precision, o.train ?? false);
      if (o.train) await this.prepareTraining();
      await h.forward({
        inputIds: o.inputIds, attentionMask: o.attentionMask ?? null, tokenTypeIds: o.tokenTypeIds ?? null,
        batch: o.batch, seqLen: o.seqLen, out: lastHiddenState, pooled: pooledOutput ?? null, forBackward: o.train ?? false,
      });
      this.trainTokens = o.train ? o.batch * o.seqLen : 0;
      return pooledOutput ? { lastHiddenState, pooledOutput } : { lastHiddenState };
    });
  }

  /**
   * Back-propagates the gradients of the last `train` forward's outputs: accumulates (+=) into
   * `grads` and, when `inputsEmbeds` is set, returns the gradient of the word-embedding vectors
   * (HF's inputs_embeds), (batch, seqLen, hidden).
   */
  backward(o: { dLastHiddenState?: Float32Array; dPooled?: Float32Array; inputsEmbeds?: boolean }): Promise<{ dInputsEmbeds?: Float32Array }> {
    return this.serial(async (h) => {
      const dInputsEmbeds = o.inputsEmbeds ? new Float32Array(this.trainTokens * this.config.hidden_size) : undefined;
      await h.backward({ dLastHiddenState: o.dLastHiddenState ?? null, dPooled: o.dPooled ?? null, dInputsEmbeds: dInputsEmbeds ?? null });
      return dInputsEmbeds ? { dInputsEmbeds } : {};
    });
  }

  /**
   * A copy with `vocabSize` word-embedding rows (e.g. after tokenizer.addTokens for the relation
   * markers): existing rows and every other weight are kept, new rows ~ N(0, initializer_range²)
   * drawn from `seed`. Gradients are not copied. The copy is on this encoder's device.
   */
  async resizeTokenEmbeddings(vocabSize: number, seed = 0): Promise<BertEncoder> {
    if (!Number.isInteger(vocabSize) || vocabSize < 1) {
      throw new RangeError(`resizeTokenEmbeddings: expected a positive integer but received ${vocabSize}`);
    }
    await this.syncParamsFromDevice();
    const enc = await BertEncoder.random({ ...this.config, vocab_size: vocabSize }, seed, { pooler: this.hasPooler, device: this.device });
    for (const s of this.slots) {
      const src = this.param(s.name);
      const dst = enc.param(s.name);
      dst.set(src.length > dst.length ? src.subarray(0, dst.length) : src);
    }
    await enc.syncParamsToDevice();
    return enc;
  }

  /** Writes config.json (HF keys) and model.safetensors (BertModel names, float32). */
  save(dir: string): Promise<void> {
    return this.saveTo(dir, { ...this.config, model_type: 'bert', architectures: ['BertModel'] }, '');
  }
}
