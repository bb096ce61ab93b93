// `shapca explain`: why the model extracted what it did from one post — the exact Shapley
// attribution of text, context and image to each entity and relation, the fusion gate's strength,
// and the context's value in its batch game. The work is lib/explain; this file reads the post and prints.
import { resolve } from 'node:path';

import { type Command, InvalidArgumentError, Option } from 'commander';

import type { ContextFormat } from '../../data/context-importers.js';
import type { DeviceRequest } from '../../device.js';
import type { Precision } from '../../precision.js';
import { extractionModelOf } from '../../extract/extractor.js';
import { detectFormat, type InputFormat } from '../../extract/sources.js';
import type { ExtractRecord, SpanRef } from '../../extract/types.js';
import { explainPost, preparedFromFile, preparedRecord } from '../../explain/explain.js';
import { renderExplanation } from '../../explain/render.js';
import { loadModel } from '../../tasks/io.js';
import { setThreads } from '../../runtime.js';
import { readContextFiles } from '../../data/context-files.js';
import { printJson } from '../output.js';
import { addDeviceFlag, DEVICE_HELP, deviceOf } from '../device-flag.js';
import { addPrecisionFlag, PRECISION_HELP, precisionOf } from '../precision-flag.js';
import { positiveInt } from '../parse.js';

interface ExplainFlags {
  model: string;
  text?: string;
  input?: string;
  id?: string;
  format: 'auto' | InputFormat;
  image?: string;
  images?: string;
  context?: string;
  head?: SpanRef;
  tail?: SpanRef;
  contexts?: string[];
  contextsFormat: ContextFormat;
  batchSize: number;
  threads?: number;
  json?: boolean;
  device: DeviceRequest;
  precision: Precision;
}

const HELP = `
The post: --text "..." (with --image and --context), or --input FILE --id ID (a JSONL, Twitter
CoNLL or MNRE file as for \`shapca extract\`; --image / --context then replace the record's). A
relation (re) model also needs the pair: --head and --tail, each START:END (token span, end
exclusive) or a name found in the tokens; with --input they replace the record's.

Per extracted entity, the exact Shapley values of three players — text, context, image — in the
game whose value for a coalition is the entity's score (mean CRF posterior of its tags) when only
those players are present: text absent = its word-pieces replaced by [MASK] ([UNK] if the
vocabulary has no [MASK]), context absent = no context segment, image absent = no image. The
values sum to v(all) − v(none); a player the post (or the model) lacks gets exactly 0. Per
relation (re: the post's pair; joint: each extracted relation), the same game, its value being the
probability the relation classifier gives the relation's label for its pair (re: the entity markers
stay when the text is absent; joint: the pair is scored under every coalition, whether or not that
coalition would extract its entities).

Also: the fusion gate's mean strength (how much image evidence the model admits), and, with
--input, the context's Shapley value in its batch game: the post and its nearest --batch-size − 1
posts with contexts, players = contexts, targets = texts, on the model's alignment embeddings
(skipped, saying why, when the model has no alignment head or the post no context).

Examples:
  shapca explain --model runs/t15/best --text "Rocky wins again" --image rocky.jpg \\
    --context "A boxer raises his gloves in a ring."
  shapca explain --model runs/t15/best --input twitter2015/test.txt --id 16_05_01_6 \\
    --images t15_images --contexts camim/t15_test.json --contexts-format camim --json
  shapca explain --model runs/mnre/best --text "Nadal gets engaged to Xisca Perello" \\
    --head Nadal --tail "Xisca Perello"
  shapca explain --model runs/mnre/best --input mnre/ours_test.txt --id twitter_stream_2018_10_10_13_0_2_142.jpg#1
`;

/** A --head / --tail value: START:END, or a name. */
function spanArg(flag: string): (value: string) => SpanRef {
  return (value) => {
    const m = /^(\d+):(\d+)$/.exec(value.trim());
    if (m) return { start: Number(m[1]), end: Number(m[2]) };
    if (value.trim() === '') throw new InvalidArgumentError(`expected ${flag} to be START:END or a name but received an empty string`);
    return { name: value };
  };
}

export function register(program: Command): void {
  const cmd = program
    .command('explain')
    .description('Explain one post: Shapley attribution of text, context and image to each entity and relation, the fusion gate, the context in its batch game')
    .requiredOption('--model <dir>', 'a model folder written by `shapca train`')
    .option('--text <text>', 'the post (tokens split on white space)')
    .option('--input <file>', 'a file of posts (JSONL, Twitter CoNLL or MNRE) holding the post')
    .option('--id <id>', 'the id of the post in --input')
    .addOption(new Option('--format <format>', 'format of --input').choices(['auto', 'jsonl', 'conll', 'mnre']).default('auto'))
    .option('--image <path>', "the post's image")
    .option('--images <dir>', 'images folder for --input (relative image paths; <id>.jpg for CoNLL)')
    .option('--context <text>', "the image's context")
    .option('--head <span>', 'relation models: the head entity, START:END (tokens, end exclusive) or a name', spanArg('--head'))
    .option('--tail <span>', 'relation models: the tail entity, START:END or a name', spanArg('--tail'))
    .option('--contexts <files...>', 'context files for --input posts (merged)')
    .addOption(new Option('--contexts-format <fmt>', 'format of the context files').choices(['jsonl', 'pgim-aligned', 'blip2', 'riveg', 'camim', 'kecpm']).default('jsonl'))
    .option('--batch-size <n>', 'posts in the batch game (2..20)', positiveInt('--batch-size'), 8)
    .option('--threads <n>', 'native threads', positiveInt('--threads'))
    .option('--json', 'print the explanation as one JSON object');
  addPrecisionFlag(addDeviceFlag(cmd))
    .addHelpText('after', HELP + DEVICE_HELP + PRECISION_HELP)
    .action(async (f: ExplainFlags) => {
      if ((f.text === undefined) === (f.input === undefined)) throw new Error('expected either --text or --input with --id');
      if (f.input !== undefined && f.id === undefined) throw new Error('expected --id with --input (the post to explain)');
      if (f.threads) setThreads(f.threads);
      const model = extractionModelOf(await loadModel(f.model, 'any', { device: deviceOf(f.device), precision: precisionOf(f.precision) }));
      const contexts = f.contexts?.length ? await readContextFiles(f.contexts, f.contextsFormat) : undefined;
      const override: Partial<ExtractRecord> = {
        ...(f.image !== undefined ? { image: resolve(f.image) } : {}), ...(f.context !== undefined ? { context: f.context } : {}),
        ...(f.head !== undefined ? { head: f.head } : {}), ...(f.tail !== undefined ? { tail: f.tail } : {}),
      };
      if (!model.pair && (f.head !== undefined || f.tail !== undefined)) throw new Error(`--head and --tail are for relation models; this is a ${model.task} model`);
      const o = { ...(contexts ? { contexts } : {}), ...(f.images ? { imagesDir: f.images } : {}), batchSize: f.batchSize };
      const { post, others } = f.input !== undefined
        ? await preparedFromFile(model, f.input, f.format === 'auto' ? await detectFormat(f.input) : f.format, f.id!, { ...o, ...(Object.keys(override).length ? { override } : {}) })
        : { post: await preparedRecord(model, { id: 'post', text: f.text!, ...override }, o), others: [] };
      if (!post.input) throw new Error(post.error ?? 'the post cannot be read');
      const explanation = await explainPost(model, post, others);
      if (f.json) printJson(explanation);
      else process.stdout.write(renderExplanation(explanation));
    });
}
