// A model directory's weights: model.safetensors, or a sharded model.safetensors.index.json
// ({"weight_map": {tensor: shard file}}), read tensor by tensor into a flat parameter buffer.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { CheckpointError } from './errors.js';
import { SafetensorsFile, type TensorInfo } from './safetensors.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** The tensors of one checkpoint, wherever they are stored. */
export class Checkpoint {
  private constructor(
    readonly dir: string,
    private readonly where: Map<string, SafetensorsFile>,
    private readonly files: SafetensorsFile[],
  ) {}

  /** Opens dir/model.safetensors or, when absent, the shards of dir/model.safetensors.index.json. */
  static async open(dir: string): Promise<Checkpoint> {
    const single = join(dir, WEIGHTS_FILE);
    const index = join(dir, INDEX_FILE);
    if (existsSync(single)) {
      const f = await SafetensorsFile.open(single);
      return new Checkpoint(dir, new Map([...f.tensors.keys()].map((n) => [n, f])), [f]);
    }
    if (!existsSync(index)) {
      throw new CheckpointError(`${dir}: found neither ${WEIGHTS_FILE} nor ${INDEX_FILE}`, 'SHAPCA_CHECKPOINT_NOT_FOUND', dir);
    }
    let map: Record<string, unknown>;
    try {
      const parsed = JSON.parse(await readFile(index, 'utf8')) as { weight_map?: unknown };
      if (typeof parsed.weight_map !== 'object' || parsed.weight_map === null) throw new Error('no "weight_map" object');
      map = parsed.weight_map as Record<string, unknown>;
    } catch (err) {
      throw new CheckpointError(`${index}: not a safetensors index (${(err as Error).message})`, 'SHAPCA_CHECKPOINT_HEADER', index);
    }
    const shards = new Map<string, SafetensorsFile>();
    const where = new Map<string, SafetensorsFile>();
    try {
      for (const [name, file] of Object.entries(map)) {
        if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) {
          throw new CheckpointError(`${index}: tensor ${name} maps to ${JSON.stringify(file)}, not a file name`, 'SHAPCA_CHECKPOINT_HEADER', index, name);
        }
        let shard = shards.get(file);
        if (!shard) {
          shard = await SafetensorsFile.open(join(dir, file));
          shards.set(file, shard);
        }
        if (!shard.tensors.has(name)) {
          throw new CheckpointError(`${shard.path}: tensor ${name} is listed in ${INDEX_FILE} but not in the shard`, 'SHAPCA_CHECKPOINT_MISSING_TENSOR', shard.path, name);
        }
        where.set(name, shard);
      }
    } catch (err) {
      await Promise.all([...shards.values()].map((s) => s.close()));
      throw err;
    }
    return new Checkpoint(dir, where, [...shards.values()]);
  }

  names(): string[] {
    return [...this.where.keys()];
  }

  info(name: string): TensorInfo | undefined {
    return this.where.get(name)?.tensors.get(name);
  }

  fileOf(name: string): string {
    return this.where.get(name)?.path ?? this.dir;
  }

  read(name: string, out?: Float32Array): Promise<Float32Array> {
    const f = this.where.get(name);
    if (!f) throw new CheckpointError(`${this.dir}: no tensor ${name}`, 'SHAPCA_CHECKPOINT_MISSING_TENSOR', this.dir, name);
    return f.read(name, out);
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}

/** A tensor of a model's flat parameter buffer. */
export interface ParamSlot {
  name: string;
  shape: number[];
  offset: number;
  numel: number;
}

export interface LoadOptions {
  /** Prefixes a checkpoint may put before the model's own names, e.g. ['bert.']. */
  prefixes: string[];
  /** First name components that belong to the model (e.g. embeddings, encoder, pooler). */
  ownModules: string[];
  /** Names (after the prefix) that are buffers, not parameters, and are skipped (position_ids). */
  buffers?: string[];
}

export interface LoadReport {
  /** Tensors of other heads or towers (cls.*, classifier.*, text_model.*, ...) that were skipped. */
  ignored: string[];
}

/** Checkpoints converted from TF name LayerNorm's weight and bias gamma and beta; HF renames them on load, and so do we. */
function legacyName(name: string): string {
  return name.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
}

/**
 * Fills params (the flat buffer) from the checkpoint: every slot must be present once with its
 * exact shape; a tensor that belongs to the model but has no slot is an error, as is a shape or
 * dtype mismatch, each naming the tensor. Tensors outside the model's modules are reported.
 */
export async function loadParams(ckpt: Checkpoint, slots: readonly ParamSlot[], params: Float32Array, o: LoadOptions): Promise<LoadReport> {
  const bySlot = new Map<string, string>();  // model name -> checkpoint name
  const ignored: string[] = [];
  const known = new Set(slots.map((s) => s.name));
  for (const full of ckpt.names()) {
    const prefix = o.prefixes.find((p) => full.startsWith(p));
    const name = legacyName(prefix ? full.slice(prefix.length) : full);
    const top = name.split('.')[0] ?? '';
    if (!prefix && !o.ownModules.includes(top)) {
      ignored.push(full);
      continue;
    }
    if ((o.buffers ?? []).includes(name)) continue;
    if (!known.has(name)) {
      throw new CheckpointError(`${ckpt.fileOf(full)}: unexpected tensor ${full}: the model has no parameter ${name}`, 'SHAPCA_CHECKPOINT_UNEXPECTED_TENSOR', ckpt.fileOf(full), full);
    }
    const other = bySlot.get(name);
    if (other !== undefined) {
      throw new CheckpointError(`${ckpt.dir}: tensors ${other} and ${full} both give parameter ${name}`, 'SHAPCA_CHECKPOINT_UNEXPECTED_TENSOR', ckpt.fileOf(full), full);
    }
    bySlot.set(name, full);
  }
  for (const s of slots) {
    const full = bySlot.get(s.name);
    if (full === undefined) {
      throw new CheckpointError(`${ckpt.dir}: missing tensor ${s.name} (shape [${s.shape.join(', ')}])`, 'SHAPCA_CHECKPOINT_MISSING_TENSOR', ckpt.dir, s.name);
    }
    const info = ckpt.info(full) as TensorInfo;
    if (info.shape.length !== s.shape.length || info.shape.some((d, i) => d !== s.shape[i])) {
      throw new CheckpointError(
        `${ckpt.fileOf(full)}: expected shape [${s.shape.join(', ')}] for tensor ${full} but it is [${info.shape.join(', ')}]`,
        'SHAPCA_CHECKPOINT_SHAPE', ckpt.fileOf(full), full,
      );
    }
    await ckpt.read(full, params.subarray(s.offset, s.offset + s.numel));
  }
  return { ignored };
}
