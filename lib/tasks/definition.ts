// The contract every task folder (tasks/ner, tasks/re, tasks/joint) fulfils with one exported
// TaskDefinition, and the only thing the registry, model io, the extractor, `shapca train`,
// `shapca eval` and `explain` know of a task. Adding a task: see docs/ARCHITECTURE.md, "Adding a task".
import type { ContextSet } from '../data/contexts.js';
import type { ContextFormat } from '../data/context-importers.js';
import type { ExtractionModel } from '../extract/types.js';
import type { PairOptions } from '../model/config.js';
import type { ImageRecipe } from '../model/image-loader.js';
import type { ModelSpec } from '../model/io.js';
import type { TrainSummary } from '../train/trainer.js';
import type { TaskTrainOptions } from './training.js';

/** How an explanation of this task's output reads (explain/render.ts). */
export interface ExplanationView {
  /** Appended to the line that says absent text is masked: what masking keeps. */
  maskNote: string;
  /** Whose score a coalition's value is: "entity's", "relation's", ... */
  valueOf: string;
  /** Whether the model finds entities itself (the view says so when it found none). */
  findsEntities: boolean;
}

/** The data part of a `shapca train` request, the same for every task. */
export interface TrainData {
  dataDir: string;
  lenient: boolean;
  contexts?: string[];
  contextsFormat?: ContextFormat;
  imagesDir?: string;
}

/** What `shapca train` asks of a task; each task reads the fields it has a use for. */
export interface TrainRequest {
  data: TrainData;
  /** ner, joint: entity types (default: those of the training data). */
  entityTypes?: string[];
  /** re: a rel2id JSON file. */
  rel2id?: string;
  /** joint: pair sampling and inference limits. */
  pairs?: Partial<PairOptions>;
}

/** A finished training run: its summary, and what the task adds to the CLI's JSON summary. */
export interface TrainOutcome {
  summary: TrainSummary;
  extra: Record<string, unknown>;
}

/** What `shapca eval` asks of a task: one gold file scored by a loaded model. */
export interface EvalRequest {
  file: string;
  lenient: boolean;
  batchSize: number;
  contexts?: ContextSet;
  imagesDir?: string;
  recipe: ImageRecipe | null;
  /** Also write one JSON line per sample here. */
  predictions?: string;
}

/** Scores of one gold file: the JSON the CLI prints with --json, and its text form. */
export interface EvalOutcome {
  json: Record<string, unknown>;
  text: string;
}

/** Everything that is one task's, as the rest of the library reaches it. */
export interface TaskDefinition<M> {
  /** config.task of its models, and the value of --task. */
  readonly name: string;
  /** How io makes, saves and reloads its model. */
  readonly model: ModelSpec<M>;
  /** The model behind the extraction interface (extract/types.ts). */
  extraction(model: M): ExtractionModel;
  readonly view: ExplanationView;
  /** `shapca train`: trains with dev selection and one test evaluation. */
  train(o: TaskTrainOptions, request: TrainRequest): Promise<TrainOutcome>;
  /** `shapca train`'s line about the selected checkpoint's test metrics (TrainSummary.testMetrics). */
  testLine(testMetrics: unknown): string;
  /** `shapca eval`: scores a gold file. */
  evaluateFile(model: M, request: EvalRequest): Promise<EvalOutcome>;
}
