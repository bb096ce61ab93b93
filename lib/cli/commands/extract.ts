// `shapca extract`: a trained model (NER, relation or joint) over a file of posts (JSONL, Twitter
// CoNLL or MNRE), results as JSON lines in input order, resumable. The work is lib/extract; this file turns flags into options,
// builds the LMM client when contexts are to be generated, and reports the summary.
import { type Command, Option } from 'commander';

import type { ContextFormat } from '../../data/context-importers.js';
import type { DeviceRequest } from '../../device.js';
import type { Precision } from '../../precision.js';
import { extractionModelOf } from '../../extract/extractor.js';
import { extractFile, type ExtractFileSummary } from '../../extract/file.js';
import type { GenerateContextOptions } from '../../extract/contexts.js';
import type { InputFormat } from '../../extract/sources.js';
import { defaultCacheDir } from '../../lmm/cache.js';
import { createVisionClient } from '../../lmm/client.js';
import { loadModel } from '../../tasks/io.js';
import { setThreads } from '../../runtime.js';
import { readContextFiles } from '../../data/context-files.js';
import { interruptible } from '../interrupt.js';
import { apiKeyOf, baseUrlOf, type LmmServerFlags, OLLAMA_URL, promptTemplateOf } from '../lmm-flags.js';
import { dirIdentity } from '../../util/identity.js';
import { addDeviceFlag, DEVICE_HELP, deviceOf } from '../device-flag.js';
import { addLimitFlags, type LimitFlags, LIMITS_HELP, retryLimits } from '../limit-flags.js';
import { addQueueFlags, QUEUE_HELP, type QueueFlags } from '../queue-flags.js';
import { extractWithQueue, queueNotes } from '../extract-queue.js';
import { addPrecisionFlag, PRECISION_HELP, precisionOf } from '../precision-flag.js';
import { nonNegativeInt, positiveInt, positiveNumber } from '../parse.js';

export interface ExtractFlags extends LmmServerFlags, LimitFlags, QueueFlags {
  model: string;
  input: string;
  format: 'auto' | InputFormat;
  output?: string;
  images?: string;
  contexts?: string[];
  contextsFormat: ContextFormat;
  generateContexts?: boolean;
  lmmModel?: string;
  withText?: boolean;
  maxTokens: number;
  maxSide: number;
  lmmConcurrency: number;
  timeout: number;
  retries: number;
  cache?: string;
  batchSize: number;
  window?: number;
  resume?: boolean;
  overwrite?: boolean;
  threads?: number;
  progress: boolean;
  json?: boolean;
  device: DeviceRequest;
  precision: Precision;
}

const HELP = `
Input (--input, one post per record):
  JSONL   one object per line: {"id"?, "text" or "tokens", "image"? (path), "context"?}
          "text" is split on white space; "tokens" wins when both are given; a missing id becomes
          the line number. Relative image paths resolve against --images, else the input's folder.
          Relation (re) models also need the entity pair: "head" and "tail", each a token span
          {"start", "end"} (end exclusive) or {"name"} (its first occurrence as whole tokens).
  conll   a Twitter-2015/2017 file (IMGID:<id>, then token<TAB>tag lines; tags are ignored); the
          image is <id>.jpg in --images.
  mnre    an MNRE file (ours_*.txt: one Python dict per line with token, h, t, img_id; the gold
          relation is ignored); the id is <img_id>#<line>, the image img_id in --images, contexts
          are looked up by img_id.

Output (--output, default stdout), one line per record, in input order:
  ner     {"id", "tokens", "entities": [{"start", "end", "text", "type", "score"}]}
          start/end index tokens ([start, end)); score is the mean CRF posterior of the span's tags.
  re      {"id", "tokens", "entities": [], "relations": [{"head": {"start", "end", "text"},
          "tail": {…}, "label", "score"}]}: the record's pair with its most probable label (the none
          label included) and that label's softmax probability.
  joint   {"id", "tokens", "entities": [as for ner], "relations": [{"head", "tail", "label",
          "score"}]}: head and tail index "entities"; only pairs whose label is not the none label.
  A record that cannot be read gets "error" (and no entities); the run goes on. An unreadable
  image gives "imageError" and the post runs without it; a failed context request gives
  "contextError" and the post runs without a context.

Contexts, first found wins: the record's "context"; --contexts files (keyed by image id, i.e. the
image file name without extension, or by the record id); with --generate-contexts, a multimodal
model describes the image (flags as for \`shapca context\`; cached in --cache, so a rerun pays
nothing twice). Models trained without contexts ignore them.

Resuming: with --resume, the lines --output already holds are kept (a torn last line is cut off),
the run checks they belong to this input and carries on after them; the result is the same file
an uninterrupted run writes. Without --resume an existing non-empty output is an error unless
--overwrite. Ctrl-C stops after the current window; rerun with --resume.

Throughput: posts are read --window at a time, batched by length (--batch-size each) and run while
the next window's images are decoded. The summary reports records/s.

Examples:
  shapca extract --model runs/t15/best --input posts.jsonl --images imgs -o entities.jsonl
  shapca extract --model runs/mnre/best --input mnre/ours_test.txt --images mnre_images \\
    --contexts camim_mnre_captions/caption/caption_test.txt --contexts-format camim -o relations.jsonl
  shapca extract --model runs/t15/best --input twitter2015/test.txt --images t15_images \\
    --contexts camim/t15_test.json --contexts-format camim -o out.jsonl --resume
  shapca extract --model runs/t15/best --input posts.jsonl --generate-contexts \\
    --provider ollama --lmm-model llava:7b -o out.jsonl
`;

async function generateOptions(f: ExtractFlags): Promise<GenerateContextOptions> {
  const baseURL = baseUrlOf(f);
  if (!baseURL) throw new Error('expected --base-url for --provider openai (e.g. http://localhost:8000/v1 for vLLM)');
  if (!f.lmmModel) throw new Error('expected --lmm-model (the multimodal model the server runs) with --generate-contexts');
  const promptTemplate = await promptTemplateOf(f);
  const { apiKey } = apiKeyOf(f);
  const client = createVisionClient({
    provider: f.provider, baseURL, model: f.lmmModel, apiKey, maxTokens: f.maxTokens, temperature: 0, timeoutMs: f.timeout * 1000, maxResponseBytes: f.maxResponseBytes,
  });
  return {
    client, cacheDir: f.cache ?? defaultCacheDir(), withText: f.withText ?? false, maxImageSide: f.maxSide, concurrency: f.lmmConcurrency,
    promptTemplate, retry: { retries: f.retries, ...retryLimits(f) }, maxImageBytes: f.maxImageBytes,
  };
}

function report(s: ExtractFileSummary, json: boolean): void {
  // Results may be on stdout: the summary then goes to stderr.
  const stream = s.output ? process.stdout : process.stderr;
  if (json) {
    stream.write(`${JSON.stringify(s)}\n`);
    return;
  }
  const notes = [
    s.resumed > 0 ? `${s.resumed} already done` : '',
    s.repairedBytes > 0 ? `cut a torn last line of ${s.repairedBytes} bytes` : '',
    s.imageErrors > 0 ? `${s.imageErrors} without their image` : '',
    s.contextErrors > 0 ? `${s.contextErrors} without a generated context` : '',
    ...queueNotes(s),
  ].filter(Boolean);
  stream.write(
    `extract: ${s.written} records in ${s.seconds.toFixed(1)} s (${s.recordsPerSecond.toFixed(1)} records/s), ${s.errors} with an error` +
      `${notes.length ? `; ${notes.join(', ')}` : ''}${s.output ? ` → ${s.output}` : ''}\n`,
  );
}

export function register(program: Command): void {
  const cmd = program
    .command('extract')
    .description('Extract entities and relations from a file of posts (JSONL, Twitter CoNLL or MNRE) with a trained model: JSONL out, in order, resumable')
    .requiredOption('--model <dir>', 'a model folder written by `shapca train` (e.g. runs/x/best)')
    .requiredOption('--input <file>', 'posts: JSONL records, a Twitter CoNLL file or an MNRE file')
    .addOption(new Option('--format <format>', 'input format').choices(['auto', 'jsonl', 'conll', 'mnre']).default('auto'))
    .option('-o, --output <file>', 'results file (default: stdout)')
    .option('--images <dir>', 'images folder (relative image paths; <id>.jpg for CoNLL input, img_id for MNRE)')
    .option('--contexts <files...>', 'image contexts (one or more files, merged)')
    .addOption(new Option('--contexts-format <fmt>', 'format of the context files').choices(['jsonl', 'pgim-aligned', 'blip2', 'riveg', 'camim', 'kecpm']).default('jsonl'))
    .option('--generate-contexts', 'describe images that have no context with a multimodal model (see below)')
    .addOption(new Option('--provider <name>', 'context server protocol').choices(['openai', 'ollama']).default('openai'))
    .option('--base-url <url>', `context server URL (required for openai; ollama default ${OLLAMA_URL})`)
    .option('--lmm-model <name>', 'the multimodal model name, as the server knows it (e.g. llava:7b)')
    .option('--api-key-env <name>', 'environment variable holding the API key (default OPENAI_API_KEY for openai)')
    .option('--prompt <template>', 'prompt template ({text}: the post, with --with-text)')
    .option('--prompt-file <file>', 'read the prompt template from a file')
    .option('--with-text', "put the post's text into the prompt")
    .option('--max-tokens <n>', 'longest context in tokens', positiveInt('--max-tokens'), 512)
    .option('--max-side <px>', 'shrink images to this many pixels per side before sending', positiveInt('--max-side'), 768)
    .option('--lmm-concurrency <n>', 'context requests in flight at once', positiveInt('--lmm-concurrency'), 4)
    .option('--timeout <seconds>', 'per-request timeout', positiveNumber('--timeout'), 120)
    .option('--retries <n>', 'retries per context request', nonNegativeInt('--retries'), 4)
    .option('--cache <dir>', `context cache folder (default ${defaultCacheDir()})`)
    .option('--batch-size <n>', 'posts per model call', positiveInt('--batch-size'), 32)
    .option('--window <n>', 'posts read and batched by length together (default 8 × batch size)', positiveInt('--window'))
    .option('--resume', 'continue the output of an earlier run')
    .option('--overwrite', 'replace an existing output')
    .option('--threads <n>', 'native threads', positiveInt('--threads'))
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print the summary as one JSON object');
  addQueueFlags(addPrecisionFlag(addLimitFlags(addDeviceFlag(cmd), { lines: true })), { chunk: 'records (a multiple of --window; default 256 rounded up to whole windows)' })
    .addHelpText('after', HELP + LIMITS_HELP + DEVICE_HELP + PRECISION_HELP + QUEUE_HELP)
    .action(async (f: ExtractFlags) => {
      if (f.resume && f.overwrite) throw new Error('expected --resume or --overwrite, not both');
      if (f.resume && !f.output) throw new Error('--resume needs --output (stdout cannot be resumed)');
      if (f.queue !== undefined) return extractWithQueue(f, report);
      if (f.threads) setThreads(f.threads);
      const model = extractionModelOf(await loadModel(f.model, 'any', { device: deviceOf(f.device), precision: precisionOf(f.precision) }));
      const contexts = f.contexts?.length ? await readContextFiles(f.contexts, f.contextsFormat) : undefined;
      const generate = f.generateContexts ? await generateOptions(f) : undefined;
      // What the output depends on besides its input, and every file read (the output must be none of them).
      const modelFiles = await dirIdentity(f.model);
      const otherInputs = [...Object.values(modelFiles).map((m) => m.path), ...(f.contexts ?? []), ...(f.promptFile ? [f.promptFile] : [])];
      const summary = await interruptible((signal) =>
        extractFile(model, {
          input: f.input, format: f.format, batchSize: f.batchSize, resume: f.resume ?? false, overwrite: f.overwrite ?? false,
          progress: f.progress, signal, otherInputs, identity: { model: modelFiles },
          maxImageBytes: f.maxImageBytes, ...(f.imagesOnly ? { imagesOnly: true } : {}), ...(f.maxLineBytes ? { maxLineBytes: f.maxLineBytes } : {}),
          ...(f.output ? { output: f.output } : {}), ...(f.window ? { window: f.window } : {}), ...(f.images ? { imagesDir: f.images } : {}),
          ...(contexts ? { contexts } : {}), ...(generate ? { generate: { ...generate, signal } } : {}),
        }),
      );
      report(summary, f.json ?? false);
      if (summary.aborted) throw new Error('stopped before the end; rerun with --resume to continue (finished lines are kept)');
    });
}
