// `shapca explain`: why the model extracted what it did from one post — the exact Shapley
// attribution of text, context and image to each entity, the fusion gate's strength, and the
// context's value in its batch game. The work is lib/explain; this file reads the post and prints.
import { resolve } from 'node:path';

import { type Command, Option } from 'commander';

import type { ContextFormat } from '../../data/context-importers.js';
import { extractionModelOf } from '../../extract/extractor.js';
import { detectFormat, type InputFormat } from '../../extract/sources.js';
import type { ExtractRecord } from '../../extract/types.js';
import { explainPost, preparedFromFile, preparedRecord } from '../../explain/explain.js';
import { renderExplanation } from '../../explain/render.js';
import { loadModel } from '../../model/io.js';
import { setThreads } from '../../runtime.js';
import { readContextFiles } from '../../tasks/ner.js';
import { printJson } from '../output.js';
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
  contexts?: string[];
  contextsFormat: ContextFormat;
  batchSize: number;
  threads?: number;
  json?: boolean;
}

const HELP = `
The post: --text "..." (with --image and --context), or --input FILE --id ID (a JSONL or Twitter
CoNLL file as for \`shapca extract\`; --image / --context then replace the record's).

Per extracted entity, the exact Shapley values of three players — text, context, image — in the
game whose value for a coalition is the entity's score (mean CRF posterior of its tags) when only
those players are present: text absent = its word-pieces replaced by [MASK] ([UNK] if the
vocabulary has no [MASK]), context absent = no context segment, image absent = no image. The
values sum to v(all) − v(none); a player the post (or the model) lacks gets exactly 0.

Also: the fusion gate's mean strength (how much image evidence the model admits), and, with
--input, the context's Shapley value in its batch game: the post and its nearest --batch-size − 1
posts with contexts, players = contexts, targets = texts, on the model's alignment embeddings
(skipped, saying why, when the model has no alignment head or the post no context).

Examples:
  shapca explain --model runs/t15/best --text "Rocky wins again" --image rocky.jpg \\
    --context "A boxer raises his gloves in a ring."
  shapca explain --model runs/t15/best --input twitter2015/test.txt --id 16_05_01_6 \\
    --images t15_images --contexts camim/t15_test.json --contexts-format camim --json
`;

export function register(program: Command): void {
  program
    .command('explain')
    .description('Explain one post: Shapley attribution of text, context and image to each entity, the fusion gate, the context in its batch game')
    .requiredOption('--model <dir>', 'a model folder written by `shapca train`')
    .option('--text <text>', 'the post (tokens split on white space)')
    .option('--input <file>', 'a file of posts (JSONL or Twitter CoNLL) holding the post')
    .option('--id <id>', 'the id of the post in --input')
    .addOption(new Option('--format <format>', 'format of --input').choices(['auto', 'jsonl', 'conll']).default('auto'))
    .option('--image <path>', "the post's image")
    .option('--images <dir>', 'images folder for --input (relative image paths; <id>.jpg for CoNLL)')
    .option('--context <text>', "the image's context")
    .option('--contexts <files...>', 'context files for --input posts (merged)')
    .addOption(new Option('--contexts-format <fmt>', 'format of the context files').choices(['jsonl', 'pgim-aligned', 'blip2', 'riveg', 'camim', 'kecpm']).default('jsonl'))
    .option('--batch-size <n>', 'posts in the batch game (2..20)', positiveInt('--batch-size'), 8)
    .option('--threads <n>', 'native threads', positiveInt('--threads'))
    .option('--json', 'print the explanation as one JSON object')
    .addHelpText('after', HELP)
    .action(async (f: ExplainFlags) => {
      if ((f.text === undefined) === (f.input === undefined)) throw new Error('expected either --text or --input with --id');
      if (f.input !== undefined && f.id === undefined) throw new Error('expected --id with --input (the post to explain)');
      if (f.threads) setThreads(f.threads);
      const model = extractionModelOf(await loadModel(f.model, 'any'));
      const contexts = f.contexts?.length ? await readContextFiles(f.contexts, f.contextsFormat) : undefined;
      const override: Partial<ExtractRecord> = {
        ...(f.image !== undefined ? { image: resolve(f.image) } : {}), ...(f.context !== undefined ? { context: f.context } : {}),
      };
      const o = { ...(contexts ? { contexts } : {}), ...(f.images ? { imagesDir: f.images } : {}), batchSize: f.batchSize };
      const { post, others } = f.input !== undefined
        ? await preparedFromFile(model, f.input, f.format === 'auto' ? await detectFormat(f.input) : f.format, f.id!, { ...o, override })
        : { post: await preparedRecord(model, { id: 'post', text: f.text!, ...override }, o), others: [] };
      if (!post.input) throw new Error(post.error ?? 'the post cannot be read');
      const explanation = await explainPost(model, post, others);
      if (f.json) printJson(explanation);
      else process.stdout.write(renderExplanation(explanation));
    });
}
