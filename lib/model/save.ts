// Writing a Shap-CA model of any task to a directory; loading it back is model/io.ts.
//
// Layout of a model directory (every file written atomically):
//   shapca.json              { format, version, config, pretrained }; config.task says which model
//   text/                    BertModel: config.json + model.safetensors (HF names)
//   image/                   ViTModel / CLIPVisionModel, when the model has an image encoder
//   tokenizer/               tokenizer.json + vocab.txt (with the relation markers for task 're')
//   heads.safetensors        the new layers: task head, fusion, alignment projections
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { writeSafetensors } from '../checkpoint/safetensors.js';
import type { ParamStore } from '../nn/params.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ShapCAParts } from './backbone.js';
import type { ShapCAConfig } from './config.js';

export const MODEL_FORMAT = 'shapca-model';
export const MODEL_VERSION = 1;

/** What shapca.json holds. */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  version: number;
  config: ShapCAConfig;
  pretrained: boolean;
}

export async function saveModel(model: { config: ShapCAConfig; parts: ShapCAParts; store: ParamStore }, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { text, image, tokenizer, pretrained } = model.parts;
  await text.save(join(dir, 'text'));
  if (image && model.config.options.useImage) await image.save(join(dir, 'image'));
  await tokenizer.save(join(dir, 'tokenizer'));
  await writeSafetensors(join(dir, 'heads.safetensors'), model.store.tensors());
  const json: ModelJson = { format: MODEL_FORMAT, version: MODEL_VERSION, config: model.config, pretrained };
  await writeFileAtomic(join(dir, 'shapca.json'), `${JSON.stringify(json, null, 2)}\n`);
}
