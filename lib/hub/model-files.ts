// Which files of a repository the loaders read: config.json, the safetensors weights (one file,
// or the index and the shards it names) and, for BERT, the tokenizer (tokenizer.json and/or
// vocab.txt, with tokenizer_config.json for do_lower_case). Nothing else is fetched.
import { HubError } from './errors.js';

export type ModelKind = 'bert' | 'vit' | 'clip';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';
export const PICKLE_FILES = ['pytorch_model.bin', 'pytorch_model.bin.index.json'];
export const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt'];
export const TOKENIZER_EXTRA = ['tokenizer_config.json'];

/** Bound on the index file read to find the shards. */
export const MAX_INDEX_BYTES = 32 * 1024 * 1024;
/** Bound on a config or tokenizer file (the largest tokenizer.json files are tens of MiB). */
export const MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024;
const MAX_SHARDS = 4096;

export function needsTokenizer(kind: ModelKind | undefined): boolean {
  return kind === undefined || kind === 'bert';
}

/** The shard files an index names (each a plain file name in the same folder), in order. */
export function shardsOfIndex(text: string, where: string): string[] {
  let map: unknown;
  try {
    map = (JSON.parse(text) as { weight_map?: unknown }).weight_map;
  } catch (err) {
    throw new HubError(`${where}: not JSON (${(err as Error).message})`, 'SHAPCA_HUB_PROTOCOL');
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new HubError(`${where}: no "weight_map" object`, 'SHAPCA_HUB_PROTOCOL');
  const shards = new Set<string>();
  for (const file of Object.values(map)) {
    if (typeof file !== 'string' || !/^[\w.-]+\.safetensors$/.test(file) || file.startsWith('.')) {
      throw new HubError(`${where}: a weight_map entry ${JSON.stringify(file)} is not a .safetensors file name`, 'SHAPCA_HUB_PROTOCOL');
    }
    shards.add(file);
    if (shards.size > MAX_SHARDS) throw new HubError(`${where}: more than ${MAX_SHARDS} shards`, 'SHAPCA_HUB_PROTOCOL');
  }
  if (shards.size === 0) throw new HubError(`${where}: the weight_map is empty`, 'SHAPCA_HUB_PROTOCOL');
  return [...shards];
}

/** The error for a repository whose weights exist only as PyTorch pickles. */
export function pickleOnlyError(repoId: string, revision: string, file: string): HubError {
  const convert = 'python3 -c "import torch; from safetensors.torch import save_file; '
    + `sd = torch.load('${file === PICKLE_FILES[0] ? file : 'pytorch_model.bin'}', map_location='cpu', weights_only=True); `
    + 'save_file({k: v.contiguous().clone() for k, v in sd.items()}, \'model.safetensors\')"';
  return new HubError(
    `${repoId} at revision ${revision} has only PyTorch pickle weights (${file}), which shapca does not load (unpickling can run code): `
      + 'pass --revision with a safetensors revision if the Hub has one (e.g. refs/pr/N opened by its safetensors converter), '
      + `or download the folder and convert it with ${convert}, then pass the folder`,
    'SHAPCA_HUB_PICKLE_ONLY',
  );
}
