// AdamW over a model's flat parameter groups: one adamwStep per contiguous range of a group;
// weight decay is off for the group's noDecay ranges; pretrained groups take the encoder lr, the
// others the new-layer lr, and a group's featureRanges (the word-feature table) the feature lr;
// gradients are clipped by the global norm over every trainable group, as
// torch.nn.utils.clip_grad_norm_. Each group is driven through its ParamGroupBackend
// (param-backend.ts): on the CPU, native kernels on subarray views (zero-copy) with the moments
// beside the group; on the GPU, the encoder's device calls, the moments crossing to the host only
// to be saved or restored.
import { SafetensorsFile, writeSafetensors } from '../checkpoint/safetensors.js';
import { clipScale } from '../kernels/optim.js';
import { TrainError } from './errors.js';
import { checkParamGroup, paramBackend, type ParamGroupBackend } from './param-backend.js';
import type { ParamGroup } from './types.js';

export interface AdamWOptions {
  /** Learning rate of the groups marked `pretrained` (before the schedule's factor). */
  encoderLr: number;
  /** Learning rate of the other (new) groups. */
  headLr: number;
  /** Learning rate of the groups' featureRanges. Default headLr. */
  featureLr?: number;
  /** Decoupled weight decay, off for noDecay ranges. Default 0.01. */
  weightDecay?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Clip the global gradient norm to this; 0 or Infinity turns clipping off. Default 1. */
  maxGradNorm?: number;
  /** Leave the pretrained groups as they are: no update, not in the gradient norm. Default false. */
  freezePretrained?: boolean;
}

/** What one update did. */
export interface AdamWStepReport {
  /** Global gradient norm before clipping (over the trainable groups). */
  gradNorm: number;
  /** The factor the gradients were multiplied by (1 when not clipped). */
  clipScale: number;
  /** The learning rates used, schedule included. */
  lr: StepLr;
}

/** Learning rates of one update, schedule included. */
export interface StepLr {
  encoder: number;
  head: number;
  features: number;
}

interface Segment {
  begin: number;
  end: number;
  decay: boolean;
  features: boolean;
}

interface GroupState {
  group: ParamGroup;
  backend: ParamGroupBackend;
  segments: Segment[];
}

const STATE_FORMAT = 'shapca-adamw-1';

export class AdamW {
  /** Updates done so far (the bias-correction count of the next one is steps + 1). */
  steps = 0;
  private readonly trainable: GroupState[];
  private readonly o: Required<AdamWOptions>;

  constructor(groups: readonly ParamGroup[], o: AdamWOptions) {
    this.o = {
      weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, maxGradNorm: 1, freezePretrained: false, ...o,
      featureLr: o.featureLr ?? o.headLr,
    };
    checkOptions(this.o);
    checkGroups(groups);
    this.trainable = groups
      .filter((g) => !(this.o.freezePretrained && g.pretrained))
      .map((group) => ({ group, backend: paramBackend(group), segments: segmentsOf(group) }));
  }

  /** The names of the groups this optimizer updates. */
  get groupNames(): string[] {
    return this.trainable.map((s) => s.group.name);
  }

  /** Learning rates for a schedule factor. */
  lr(lrScale = 1): StepLr {
    return { encoder: this.o.encoderLr * lrScale, head: this.o.headLr * lrScale, features: this.o.featureLr * lrScale };
  }

  /**
   * Global L2 norm over the trainable groups' gradients: per-group norms (native, double
   * accumulation) combined as sqrt(Σ norm²). Throws naming the group when one is not finite.
   */
  async gradNorm(): Promise<number> {
    const norms = await Promise.all(this.trainable.map(({ backend }) => backend.gradNorm()));
    let sq = 0;
    norms.forEach((n, i) => {
      if (!Number.isFinite(n)) {
        throw new TrainError(
          `Expected finite gradients but the gradient norm of group '${this.trainable[i]?.group.name}' is ${n} (update ${this.steps + 1})`,
          'SHAPCA_TRAIN_NON_FINITE',
        );
      }
      sq += n * n;
    });
    return Math.sqrt(sq);
  }

  /** Clips, then applies one AdamW update with the learning rates times `lrScale`. */
  async step(lrScale = 1): Promise<AdamWStepReport> {
    if (!(lrScale >= 0) || !Number.isFinite(lrScale)) {
      throw new TrainError(`Expected a finite lrScale ≥ 0 but received ${lrScale}`, 'SHAPCA_TRAIN_OPTIONS');
    }
    const norm = await this.gradNorm();
    const max = this.o.maxGradNorm;
    const scale = max > 0 && Number.isFinite(max) ? clipScale(norm, max) : 1;
    const lr = this.lr(lrScale);
    const step = this.steps + 1;
    // The ranges are disjoint, so their updates may run side by side on the libuv pool.
    // (A device group's calls queue one after another on its encoder.)
    await Promise.all(
      this.trainable.flatMap(({ group, backend, segments }) => segments.map(({ begin, end, decay, features }) => backend.adamwStep(begin, end, {
        lr: features ? lr.features : group.pretrained ? lr.encoder : lr.head, beta1: this.o.beta1, beta2: this.o.beta2, eps: this.o.eps,
        weightDecay: decay ? this.o.weightDecay : 0, gradScale: scale, step,
      }))),
    );
    this.steps = step;
    return { gradNorm: norm, clipScale: scale, lr };
  }

  /** Makes the host copy (`params`) of every trainable group current, for callers that read it after updates. */
  async syncToHost(): Promise<void> {
    await Promise.all(this.trainable.map(({ backend }) => backend.syncToHost()));
  }

  /** Writes the moments (`<group>.m`, `<group>.v`) and the step count to a safetensors file, atomically. */
  async save(path: string): Promise<void> {
    const moments = await Promise.all(this.trainable.map(async ({ group, backend }) => ({ group, ...(await backend.readMoments()) })));
    await writeSafetensors(
      path,
      moments.flatMap(({ group, m, v }) => [
        { name: `${group.name}.m`, shape: [m.length], data: m },
        { name: `${group.name}.v`, shape: [v.length], data: v },
      ]),
      { metadata: { format: STATE_FORMAT, steps: String(this.steps) } },
    );
  }

  /** Restores what `save` wrote; the file must hold exactly this optimizer's groups and sizes. */
  async load(path: string): Promise<void> {
    const file = await SafetensorsFile.open(path);
    try {
      const bad = (msg: string) => new TrainError(`${path}: ${msg}`, 'SHAPCA_TRAIN_RESUME');
      if (file.metadata.format !== STATE_FORMAT) {
        throw bad(`expected optimizer state of format ${STATE_FORMAT} but found ${JSON.stringify(file.metadata.format)}`);
      }
      const steps = Number(file.metadata.steps);
      if (!Number.isSafeInteger(steps) || steps < 0) throw bad(`expected a step count but found ${JSON.stringify(file.metadata.steps)}`);
      const expected = new Set(this.trainable.flatMap((s) => [`${s.group.name}.m`, `${s.group.name}.v`]));
      for (const name of file.tensors.keys()) {
        if (!expected.has(name)) throw bad(`holds state ${name} for a group this model does not train (${this.groupNames.join(', ')})`);
      }
      for (const { group, backend } of this.trainable) {
        await backend.writeMoments(async (m, v) => {
          for (const [suffix, into] of [['m', m], ['v', v]] as const) {
            const name = `${group.name}.${suffix}`;
            const info = file.tensors.get(name);
            if (!info) throw bad(`has no state ${name} for group '${group.name}'`);
            const numel = info.shape.reduce((a, b) => a * b, 1);
            if (numel !== into.length) throw bad(`state ${name} has ${numel} values but group '${group.name}' has ${into.length} parameters`);
            await file.read(name, into);
          }
        });
      }
      this.steps = steps;
    } finally {
      await file.close();
    }
  }
}

function checkOptions(o: Required<AdamWOptions>): void {
  const bad = (name: string, want: string, got: unknown) =>
    new TrainError(`Expected ${want} for ${name} but received ${got}`, 'SHAPCA_TRAIN_OPTIONS');
  for (const name of ['encoderLr', 'headLr', 'featureLr', 'weightDecay'] as const) {
    if (!(o[name] >= 0) || !Number.isFinite(o[name])) throw bad(name, 'a finite number ≥ 0', o[name]);
  }
  for (const name of ['beta1', 'beta2'] as const) {
    if (!(o[name] >= 0 && o[name] < 1)) throw bad(name, 'a number in [0, 1)', o[name]);
  }
  if (!(o.eps > 0)) throw bad('eps', 'a number > 0', o.eps);
  if (!(o.maxGradNorm >= 0)) throw bad('maxGradNorm', 'a number ≥ 0 (0 or Infinity: no clipping)', o.maxGradNorm);
}

function checkGroups(groups: readonly ParamGroup[]): void {
  const bad = (msg: string) => new TrainError(msg, 'SHAPCA_TRAIN_PARAMS');
  if (groups.length === 0) throw bad('Expected at least one parameter group but the model has none');
  const names = new Set<string>();
  for (const g of groups) {
    if (typeof g.name !== 'string' || g.name === '' || names.has(g.name)) {
      throw bad(`Expected unique, non-empty group names but received ${JSON.stringify(g.name)} (twice or empty)`);
    }
    names.add(g.name);
    checkParamGroup(g);
  }
}

/** The group's [0, n) cut into contiguous ranges of one kind (decayed or not, feature lr or not), in order. */
function segmentsOf(g: ParamGroup): Segment[] {
  const n = g.params.length;
  const noDecay = checkedRanges(g, 'noDecay ranges', g.noDecay);
  const features = checkedRanges(g, 'featureRanges', g.featureRanges);
  const cuts = [...new Set([0, n, ...[...noDecay, ...features].flatMap(([a, b]) => [a, b])])].sort((a, b) => a - b);
  const inside = (ranges: [number, number][], at: number) => ranges.some(([a, b]) => a <= at && at < b);
  const merged: Segment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const s = { begin: cuts[i]!, end: cuts[i + 1]!, decay: !inside(noDecay, cuts[i]!), features: inside(features, cuts[i]!) };
    // Neighbouring ranges of the same kind are one call.
    const last = merged[merged.length - 1];
    if (last && last.decay === s.decay && last.features === s.features) last.end = s.end;
    else merged.push(s);
  }
  return merged;
}

/** The ranges as sorted [begin, end), checked to lie inside the group and not to overlap. */
function checkedRanges(g: ParamGroup, what: string, ranges: ParamGroup['noDecay']): [number, number][] {
  const n = g.params.length;
  const sorted = [...(ranges ?? [])].sort((a, b) => a[0] - b[0]);
  let at = 0;
  return sorted.map(([offset, length]) => {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > n) {
      throw new TrainError(
        `Expected ${what} inside the ${n} parameters of group '${g.name}' but received [${offset}, ${length}]`,
        'SHAPCA_TRAIN_PARAMS',
      );
    }
    if (offset < at) {
      throw new TrainError(`Expected disjoint ${what} in group '${g.name}' but [${offset}, ${length}] overlaps another`, 'SHAPCA_TRAIN_PARAMS');
    }
    at = offset + length;
    return [offset, offset + length];
  });
}
