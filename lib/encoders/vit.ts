// VitEncoder: HF ViTModel or the CLIP vision tower (CLIPVisionModel) on the native core.
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import { selectDevice, cudaBackend, type Device, type DeviceRequest } from '../device.js';
import type { Precision } from '../precision.js';
import { type HubOptions, modelDir } from '../hub/resolve.js';
import { addon, type NativeVitCalls, type NativeVitConfig } from '../native/addon.js';
import { CLIP_VIT_B16, VIT_BASE, type VitConfig, parseVitConfig, readConfigJson } from './config.js';
import { NativeEncoder, openWithProbe } from './native-encoder.js';

const VIT_LOAD = { prefixes: ['vit.'], ownModules: ['embeddings', 'encoder', 'layernorm', 'pooler'], buffers: [] };
const CLIP_LOAD = {
  prefixes: ['vision_model.'],
  ownModules: ['embeddings', 'encoder', 'pre_layrnorm', 'post_layernorm'],
  buffers: ['embeddings.position_ids'],
};

export interface VitEncoderOptions {
  /** ViT only: build the tanh pooler. fromPretrained: default whether the checkpoint has it; random: false. */
  pooler?: boolean;
  /** Where the encoder runs: 'cpu' (default), 'cuda' or 'auto' (see BertEncoderOptions.device). */
  device?: DeviceRequest;
  /** fromPretrained with a Hub repo id: revision, offline mode, progress (see resolveModel). */
  hub?: HubOptions;
}

export interface VitOutput {
  /** (batch, tokens, hidden), tokens = (imageSize / patchSize)² + 1, CLS first. */
  lastHiddenState: Float32Array;
  /** (batch, hidden): CLIP's post-layernormed CLS state, or ViT's tanh pooler output. */
  pooledOutput?: Float32Array;
}

export class VitEncoder extends NativeEncoder<NativeVitCalls> {
  readonly config: VitConfig;
  readonly hasPooler: boolean;
  private trainBatch = 0;

  private constructor(config: VitConfig, pooler: boolean, device: Device) {
    const clip = config.model_type === 'clip_vision_model';
    const native: NativeVitConfig = {
      kind: clip ? 'clip' : 'vit', imageSize: config.image_size, patchSize: config.patch_size,
      numChannels: config.num_channels, hiddenSize: config.hidden_size, numLayers: config.num_hidden_layers,
      numHeads: config.num_attention_heads, intermediateSize: config.intermediate_size,
      layerNormEps: config.layer_norm_eps, hiddenAct: config.hidden_act, pooler: clip ? false : pooler,
    };
    super(device === 'cuda' ? { cuda: new (cudaBackend().CudaVitModel!)(native) } : { cpu: new (addon().VitModel)(native) });
    this.config = config;
    this.hasPooler = clip || pooler;
  }

  get isClip(): boolean {
    return this.config.model_type === 'clip_vision_model';
  }

  /** Tokens per image: one per patch plus CLS. */
  get tokens(): number {
    return (this.config.image_size / this.config.patch_size) ** 2 + 1;
  }

  get hiddenSize(): number {
    return this.config.hidden_size;
  }

  /**
   * Loads dir/config.json (model_type 'vit', 'clip_vision_model' or 'clip') and the safetensors
   * weights, with or without the "vit." / "vision_model." prefixes; a full CLIP checkpoint's
   * text tower is skipped.
   */
  static async fromPretrained(dirOrId: string, o: VitEncoderOptions = {}): Promise<VitEncoder> {
    const device = selectDevice(o.device);
    const dir = await modelDir(dirOrId, 'vit', o.hub);
    const config = parseVitConfig(await readConfigJson(dir), `${dir}/config.json`);
    const load = config.model_type === 'vit' ? VIT_LOAD : CLIP_LOAD;
    const { ckpt, has } = await openWithProbe(dir, 'pooler.dense.weight', load.prefixes);
    try {
      const enc = new VitEncoder(config, o.pooler ?? has, device);
      await enc.load(ckpt);
      return enc;
    } finally {
      await ckpt.close();
    }
  }

  /** A freshly initialised model; config.model_type picks ViT (default) or CLIP. */
  static async random(config: Partial<VitConfig> = {}, seed = 0, o: VitEncoderOptions = {}): Promise<VitEncoder> {
    const base = config.model_type === 'clip_vision_model' ? CLIP_VIT_B16 : VIT_BASE;
    const device = selectDevice(o.device);
    const full = parseVitConfig({ ...base, ...config });
    const enc = new VitEncoder(full, o.pooler ?? false, device);
    await enc.initRandom(seed, full.initializer_range);
    return enc;
  }

  private async load(ckpt: Checkpoint): Promise<void> {
    await this.loadFrom(ckpt, this.isClip ? CLIP_LOAD : VIT_LOAD);
  }

  /**
   * pixels: (batch, channels, imageSize, imageSize), e.g. from image.preprocess. `precision`: the
   * inference precision of the layers' linear maps, as BertForwardOptions.precision.
   */
  forward(o: { pixels: Float32Array; batch: number; train?: boolean; precision?: Precision }): Promise<VitOutput> {
    return this.serial(async (h) => {
      const c = this.config.hidden_size;
      const lastHiddenState = new Float32Array(Math.max(0, o.batch * this.tokens * c) || 0);
      const pooledOutput = this.hasPooler ? new Float32Array(Math.max(0, o.batch * c) || 0) : undefined;
      await this.preparePrecision(o.precision, o.train ?? false);
      if (o.train) await this.prepareTraining();
      await h.forward({ pixels: o.pixels, batch: o.batch, out: lastHiddenState, pooled: pooledOutput ?? null, forBackward: o.train ?? false });
      this.trainBatch = o.train ? o.batch : 0;
      return pooledOutput ? { lastHiddenState, pooledOutput } : { lastHiddenState };
    });
  }

  /** Accumulates (+=) into `grads`; with `pixels: true` also returns dPixels (batch, channels, S, S). */
  backward(o: { dLastHiddenState?: Float32Array; dPooled?: Float32Array; pixels?: boolean }): Promise<{ dPixels?: Float32Array }> {
    return this.serial(async (h) => {
      const s = this.config.image_size;
      const dPixels = o.pixels ? new Float32Array(this.trainBatch * this.config.num_channels * s * s) : undefined;
      await h.backward({ dLastHiddenState: o.dLastHiddenState ?? null, dPooled: o.dPooled ?? null, dPixels: dPixels ?? null });
      return dPixels ? { dPixels } : {};
    });
  }

  /** Writes config.json and model.safetensors (ViTModel names, or CLIPVisionModel's "vision_model." ones). */
  save(dir: string): Promise<void> {
    const arch = this.isClip ? 'CLIPVisionModel' : 'ViTModel';
    return this.saveTo(dir, { ...this.config, architectures: [arch] }, this.isClip ? 'vision_model.' : '');
  }
}
