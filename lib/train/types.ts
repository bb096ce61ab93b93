// The contract between the trainer and a model: flat parameter groups the optimizer updates in
// place, and a training step that accumulates gradients into them.

interface ParamGroupBase {
  /** Unique among the model's groups, e.g. 'text_encoder', 'image_encoder', 'fusion', 'head'. */
  name: string;
  /** Flat buffer, updated in place by the optimizer (a device group: the host mirror, for its length). */
  params: Float32Array;
  /** true → the encoder learning rate; false → the new-layer learning rate. */
  pretrained: boolean;
  /** Ranges (offset, length) of params without weight decay: biases, LayerNorm. */
  noDecay?: ReadonlyArray<readonly [offset: number, length: number]>;
  /** Ranges (offset, length) of params trained at the feature learning rate instead (the word-feature table). */
  featureRanges?: ReadonlyArray<readonly [offset: number, length: number]>;
}

/** A group on the host: a flat buffer and its gradient, updated by the CPU kernels. */
export interface HostParamGroup extends ParamGroupBase {
  /** Same length as params, accumulated by the model's backward. */
  grads: Float32Array;
  device?: undefined;
}

/** A group whose parameters, gradients and optimizer moments live on a GPU (an encoder on 'cuda'). */
export interface DeviceParamGroup extends ParamGroupBase {
  grads?: undefined;
  device: DeviceParams;
}

/** One group of parameters sharing a learning rate. */
export type ParamGroup = HostParamGroup | DeviceParamGroup;

/** AdamW settings of one update of a parameter range. */
export interface DeviceAdamWSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Bias-correction count, ≥ 1. */
  step: number;
  /** Gradients are multiplied by this first (global-norm clipping). */
  gradScale: number;
}

/**
 * What the optimizer calls for a device group instead of touching host buffers; ranges are
 * [begin, end) offsets into the group, as for `noDecay`.
 */
export interface DeviceParams {
  /** Σ g² over the range (double accumulation). */
  gradNormSq(begin: number, end: number): Promise<number>;
  adamwStep(begin: number, end: number, o: DeviceAdamWSettings): Promise<void>;
  /** Copies both moments (each of params.length) to the host, for optimizer checkpoints. */
  downloadMoments(m: Float32Array, v: Float32Array): Promise<void>;
  uploadMoments(m: Float32Array, v: Float32Array): Promise<void>;
  /** Copies the device's parameters into the group's `params` (the host mirror) when they changed there. */
  syncToHost?(): Promise<void>;
}

/** Where a training step sits in the run; randomness inside a step (dropout) should derive from it. */
export interface StepContext {
  /** The run's seed. */
  seed: number;
  /** 0-based epoch. */
  epoch: number;
  /** 0-based index of the batch within the epoch. */
  batch: number;
  /** 0-based global step (optimizer updates done before this one). */
  step: number;
}

/** What one forward + backward reports. */
export interface StepResult {
  /** The total loss that was back-propagated. */
  loss: number;
  /** Its parts (task loss, alignment terms, ...), logged as they are. */
  parts: Record<string, number>;
  /** Samples in the batch, for samples/s; counted as 1 per batch when absent. */
  samples?: number;
}

export interface TrainableModel<Batch> {
  /**
   * The trainable parameters. Called at the start of a run and again after every `reload`, so
   * a reload may replace buffers. Frozen parameters are best left out altogether.
   */
  paramGroups(): ParamGroup[];
  zeroGrad(): void;
  /**
   * Forward + backward on one batch; gradients accumulate into the groups' grads. For a resumed
   * run to replay an uninterrupted one exactly, any randomness must come from `ctx` (seed, step),
   * never from state kept between calls.
   */
  trainStep(batch: Batch, ctx: StepContext): Promise<StepResult>;
  /** Writes weights + config (+ whatever it needs to reload) into dir (dir exists, is empty). */
  save(dir: string): Promise<void>;
}

/** An evaluation on one split; `score` is what dev selection maximises (higher is better). */
export interface EvalResult {
  score: number;
  metrics: unknown;
}
