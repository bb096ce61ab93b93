// The library entry point for pipelines: a loaded model that extracts from an iterator of posts
// (results as an async iterator, same order) or from one post.
//
//   const model = await loadExtractor('runs/x/best');      // or Extractor.of(trainedModel)
//   for await (const r of model.extract(records, { batchSize: 32 })) ...
//   const one = await model.predict({ text: 'Rocky wins again', image: 'rocky.jpg' });
//   // a relation model: each record names its pair
//   const rel = await model.predict({ text: 'Rocky lives in Philadelphia', head: { start: 0, end: 1 }, tail: { name: 'Philadelphia' } });
//
// It picks a task's adapter from the task registry, so it sits above tasks/ while the rest of
// extract/ (the pipeline the adapters plug into) sits below.
import type { DeviceOptions, InferenceOptions } from '../model/io.js';
import { loadModel } from '../tasks/io.js';
import { isTaskName, TASKS, type TaskModel } from '../tasks/registry.js';
import { type ExtractOptions, runPipeline } from './pipeline.js';
import { recordItems } from './sources.js';
import type { ExtractionModel, ExtractRecord, ExtractResult } from './types.js';

/** The extraction interface of a trained model, by its task (ner, re or joint). */
export function extractionModelOf(model: TaskModel): ExtractionModel {
  const task = model.config.task;
  if (!isTaskName(task)) throw new Error(`extraction from a ${task} model is not available (supported: ${Object.keys(TASKS).join(', ')})`);
  return (TASKS[task].extraction as (m: TaskModel) => ExtractionModel)(model);
}

export class Extractor {
  constructor(
    /** What runs the posts (see ExtractionModel). */
    readonly model: ExtractionModel,
    /** Options every call starts from. */
    readonly defaults: ExtractOptions = {},
  ) {}

  /** The extractor of a model already in memory (see loadExtractor to load one). */
  static of(model: TaskModel, defaults: ExtractOptions = {}): Extractor {
    return new Extractor(extractionModelOf(model), defaults);
  }

  /**
   * Results for every record, in input order (one each: a malformed record gets `error`). Records
   * are pulled as needed, so an endless or huge source is processed in bounded memory.
   */
  extract(records: AsyncIterable<ExtractRecord> | Iterable<ExtractRecord>, options: ExtractOptions = {}): AsyncIterable<ExtractResult> {
    return runPipeline(this.model, recordItems(records), { ...this.defaults, ...options });
  }

  /** The result for one post; a malformed record (or a model failure) is an error with the reason. */
  async predict(record: ExtractRecord, options: ExtractOptions = {}): Promise<ExtractResult> {
    for await (const r of this.extract([record], { ...options, batchSize: 1, skip: 0 })) {
      if (r.error !== undefined) throw new RangeError(r.error);
      return r;
    }
    throw new Error('predict: no result'); // unreachable: one record in, one result out
  }
}

/**
 * Loads a model folder (as written by `shapca train`) for extraction; `o.device` says where its
 * encoders run ('cpu' default, 'cuda', 'auto'; see DeviceOptions) and `o.precision` at which
 * precision ('fp32' default, 'bf16', 'int8'; see InferenceOptions).
 */
export async function loadExtractor(dir: string, defaults: ExtractOptions = {}, o: DeviceOptions & InferenceOptions = {}): Promise<Extractor> {
  return new Extractor(extractionModelOf(await loadModel(dir, 'any', o)), defaults);
}
