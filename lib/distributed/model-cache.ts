// The models a worker keeps loaded between chunks: the few used last (LRU), each with the hash of
// the copy it was loaded from. A chunk naming a model whose hash differs from this copy's is
// refused (ModelMismatchError): the worker must not write another model's results.
import { resolve } from 'node:path';

import type { DeviceRequest } from '../device.js';
import { extractionModelOf } from '../extract/extractor.js';
import type { ExtractionModel } from '../extract/types.js';
import { loadModel } from '../tasks/io.js';
import type { TaskModel } from '../tasks/registry.js';
import { modelHash, type ModelIdentity } from './model-identity.js';
import { QueueError } from './redis-url.js';

/** This worker's copy of the model differs from the run's. */
export class ModelMismatchError extends QueueError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMismatchError';
  }
}

interface Entry {
  hash: string;
  model: Promise<{ task: TaskModel; extraction: ExtractionModel }>;
  users: number;
}

export class ModelCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly o: { capacity: number; device: DeviceRequest }) {}

  /**
   * Runs `fn` with the run's model, loading it on first use (a relative path is resolved in this
   * process's working directory); the model stays loaded for the next chunks.
   */
  async use<T>(id: ModelIdentity, fn: (model: ExtractionModel) => Promise<T>): Promise<T> {
    const dir = resolve(id.path);
    let entry = this.entries.get(dir);
    if (!entry) {
      const hash = await modelHash(dir);
      if (hash !== id.hash) throw this.mismatch(id, dir, hash); // refused before paying for the load
      entry = this.entries.get(dir); // loaded by a concurrent chunk meanwhile
      if (!entry) {
        const model = loadModel(dir, 'any', { device: this.o.device }).then((task) => ({ task, extraction: extractionModelOf(task) }));
        entry = { hash, model, users: 0 };
        this.entries.set(dir, entry);
        model.catch(() => this.entries.delete(dir)); // a failed load is retried by the next chunk
      }
    }
    if (entry.hash !== id.hash) throw this.mismatch(id, dir, entry.hash);
    this.entries.delete(dir); // most recently used last
    this.entries.set(dir, entry);
    entry.users++;
    try {
      return await fn((await entry.model).extraction);
    } finally {
      entry.users--;
      this.evict();
    }
  }

  private mismatch(id: ModelIdentity, dir: string, local: string): ModelMismatchError {
    return new ModelMismatchError(`this worker's copy of the model ${id.path} (${dir}) has hash ${local.slice(0, 12)}… but the run's has ${id.hash.slice(0, 12)}…`);
  }

  private evict(): void {
    for (const [dir, e] of this.entries) {
      if (this.entries.size <= this.o.capacity) return;
      if (e.users > 0) continue;
      this.entries.delete(dir);
      void e.model.then((m) => {
        m.task.backbone.parts.text.dispose();
        m.task.backbone.parts.image?.dispose();
      }, () => undefined);
    }
  }

  /** Releases every model (the worker is stopping). */
  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) {
      const m = await e.model.catch(() => null);
      m?.task.backbone.parts.text.dispose();
      m?.task.backbone.parts.image?.dispose();
    }
  }
}
