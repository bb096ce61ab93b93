// Parameters of the layers the model adds on top of the encoders (projections, fusion, heads): one
// flat buffer with named slots, a gradient buffer of the same layout, seeded initialisation.
import { randomUniform } from '../runtime.js';

export type ParamInit = 'zeros' | 'ones' | { std: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Default { std: 0.02 } (BERT's initializer_range), drawn uniform with that standard deviation. */
  init?: ParamInit;
  /** Weight decay applies; default true for weights, false for 1-d tensors (biases, LayerNorm). */
  decay?: boolean;
  /**
   * 'features': trained at the feature learning rate (the hashed word-feature table, whose rows see
   * a gradient only in the batches where their feature occurs); default: the group's rate.
   */
  lr?: 'features';
}

export interface ParamSlot {
  name: string;
  shape: number[];
  offset: number;
  numel: number;
  decay: boolean;
  /** Trained at the feature learning rate (ParamSpec.lr). */
  features: boolean;
}

export class ParamStore {
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly slots: readonly ParamSlot[];
  private readonly byName = new Map<string, ParamSlot>();

  /** Lays out the specs back to back; `seed` makes the initial values reproducible. */
  constructor(specs: readonly ParamSpec[], seed: number) {
    let offset = 0;
    const slots: ParamSlot[] = [];
    for (const s of specs) {
      if (this.byName.has(s.name)) throw new RangeError(`duplicate parameter name ${s.name}`);
      const numel = s.shape.reduce((a, b) => a * b, 1);
      const slot = { name: s.name, shape: [...s.shape], offset, numel, decay: s.decay ?? s.shape.length > 1, features: s.lr === 'features' };
      slots.push(slot);
      this.byName.set(s.name, slot);
      offset += numel;
    }
    this.slots = slots;
    this.params = new Float32Array(offset);
    this.grads = new Float32Array(offset);
    specs.forEach((s, i) => this.initialise(slots[i]!, s.init ?? { std: 0.02 }, seed, i));
  }

  private initialise(slot: ParamSlot, init: ParamInit, seed: number, stream: number): void {
    const view = this.params.subarray(slot.offset, slot.offset + slot.numel);
    if (init === 'zeros') return;
    if (init === 'ones') {
      view.fill(1);
      return;
    }
    // uniform on [−a, a] has standard deviation a/√3
    const a = init.std * Math.sqrt(3);
    const u = randomUniform(slot.numel, seed, stream);
    for (let i = 0; i < slot.numel; i++) view[i] = (u[i]! * 2 - 1) * a;
  }

  slot(name: string): ParamSlot {
    const s = this.byName.get(name);
    if (!s) throw new RangeError(`no parameter named ${name}`);
    return s;
  }

  /** The parameter's values (a view into `params`). */
  get(name: string): Float32Array {
    const s = this.slot(name);
    return this.params.subarray(s.offset, s.offset + s.numel);
  }

  /** The parameter's gradient (a view into `grads`). */
  grad(name: string): Float32Array {
    const s = this.slot(name);
    return this.grads.subarray(s.offset, s.offset + s.numel);
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }

  /** [offset, length] of every slot without weight decay. */
  noDecayRanges(): [number, number][] {
    return this.slots.filter((s) => !s.decay).map((s) => [s.offset, s.numel]);
  }

  /** [offset, length] of every slot trained at the feature learning rate. */
  featureRanges(): [number, number][] {
    return this.slots.filter((s) => s.features).map((s) => [s.offset, s.numel]);
  }

  /** name → { shape, data } for saving (views, not copies). */
  tensors(prefix = ''): { name: string; shape: number[]; data: Float32Array }[] {
    return this.slots.map((s) => ({ name: prefix + s.name, shape: s.shape, data: this.get(s.name) }));
  }
}
