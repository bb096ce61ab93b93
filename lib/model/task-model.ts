// What every task's model is besides its head: the shared backbone over the parts, built with the
// head's parameter specs first, and the calls the trainer and io make on any model (parameter
// groups, zeroGrad, save). A task's model class extends it and adds its head, encode, trainStep
// and predict.
import type { ParamSpec, ParamStore } from '../nn/params.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { ParamGroup } from '../train/types.js';
import { ShapCABackbone, type ShapCAParts } from './backbone.js';
import type { ShapCAConfig } from './config.js';
import { saveModel } from './save.js';

export abstract class TaskModelBase {
  readonly backbone: ShapCABackbone;
  /** The new layers' parameters: the head's first, then fusion and alignment. */
  readonly store: ParamStore;

  protected constructor(
    readonly config: ShapCAConfig,
    readonly parts: ShapCAParts,
    headSpecs: readonly ParamSpec[],
  ) {
    this.backbone = new ShapCABackbone(config.options, parts, headSpecs);
    this.store = this.backbone.store;
  }

  get tokenizer(): WordPieceTokenizer {
    return this.parts.tokenizer;
  }

  paramGroups(): ParamGroup[] {
    return this.backbone.paramGroups();
  }

  zeroGrad(): void {
    this.backbone.zeroGrad();
  }

  /** Writes the model (see model/save.ts for the layout). */
  save(dir: string): Promise<void> {
    return saveModel(this, dir);
  }
}
