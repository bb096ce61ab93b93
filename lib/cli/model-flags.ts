// The model switches shared by `train` and `demo`: ablations and Shap-CA settings.
import { type Command, Option } from 'commander';

import type { ShapCAOptions } from '../model/config.js';
import { positiveInt, positiveNumber } from './parse.js';

export interface ModelFlags {
  context: boolean;
  image: boolean;
  fusion: boolean;
  align: boolean;
  objective: 'shapley' | 'infonce';
  utility: ShapCAOptions['utility'];
  permutations: number;
  temperature: number;
  tauU: number;
  lambdaCt: number;
  lambdaCi: number;
  maxLength: number;
  wordFeatures?: boolean;
}

export function addModelFlags(cmd: Command): Command {
  return cmd
    .option('--no-context', 'ablation: do not feed the image context (text only, no alignment)')
    .option('--no-image', 'ablation: no image encoder (and so no fusion, no image alignment terms)')
    .option('--no-fusion', 'ablation: no adaptive fusion of image patches')
    .option('--no-align', 'ablation: no alignment loss')
    .addOption(new Option('--objective <name>', 'alignment objective').choices(['shapley', 'infonce']).default('shapley'))
    .addOption(new Option('--utility <name>', 'Shapley utility').choices(['softmax-expectation', 'cosine-sum', 'mean']).default('softmax-expectation'))
    .option('--permutations <M>', 'antithetic permutations per Shapley estimate', positiveInt('--permutations'), 16)
    .option('--temperature <tau>', 'contrastive temperature τ', positiveNumber('--temperature'), 0.07)
    .option('--tau-u <tau>', 'utility temperature τ_u', positiveNumber('--tau-u'), 0.1)
    .option('--lambda-ct <w>', 'weight of the context–text terms', positiveNumber('--lambda-ct'), 0.5)
    .option('--lambda-ci <w>', 'weight of the context–image terms', positiveNumber('--lambda-ci'), 0.5)
    .option('--max-length <n>', 'tokens per input, [CLS] text [SEP] context [SEP] (context cut first)', positiveInt('--max-length'), 128)
    .option('--word-features', 'add a hashed word-feature layer to the heads (the tagger: word, shape, affixes, ±2 window; the relation classifier: the pair\'s bag of words) — the linear baselines\' features, trained jointly at --lr-features')
}

export function modelOptions(f: ModelFlags): Partial<ShapCAOptions> {
  return {
    useContext: f.context, useImage: f.image, useFusion: f.fusion && f.image, useAlignment: f.align && f.context,
    objective: f.objective, utility: f.utility, permutations: f.permutations, temperature: f.temperature, tauU: f.tauU,
    lambdaCt: f.lambdaCt, lambdaCi: f.lambdaCi, maxLength: f.maxLength, ...(f.wordFeatures ? { wordFeatures: true } : {}),
  };
}
