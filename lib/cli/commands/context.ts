// `shapca context`: write an LMM context for every image of a dataset (or folder) to a JSONL
// file, resumably. The work itself is lib/lmm/generate.ts; this file turns flags into options,
// reads the API key from the environment, and reports progress and the summary.
import { type Command, InvalidArgumentError, Option } from 'commander';

import { defaultCacheDir } from '../../lmm/cache.js';
import { createVisionClient } from '../../lmm/client.js';
import { generateContexts, type GenerateSummary } from '../../lmm/generate.js';
import { type DatasetFormat, jobsFromDataset, jobsFromFolder } from '../../lmm/jobs.js';
import { createProgressBar, waitNote } from '../../lmm/progress.js';
import { DEFAULT_PROMPT } from '../../lmm/prompt.js';
import { assertOutputsAreNotInputs } from '../../util/same-file.js';
import { interruptible } from '../interrupt.js';
import { addLimitFlags, type LimitFlags, LIMITS_HELP, retryLimits } from '../limit-flags.js';
import { apiKeyOf, baseUrlOf, type LmmServerFlags, OLLAMA_URL, promptTemplateOf } from '../lmm-flags.js';
import { printJson } from '../output.js';
import { positiveInt } from '../parse.js';

interface ContextFlags extends LmmServerFlags, LimitFlags {
  images: string;
  dataset?: string;
  format: 'auto' | DatasetFormat;
  withText?: boolean;
  output: string;
  model: string;
  maxTokens: number;
  temperature: number;
  maxSide: number;
  concurrency: number;
  timeout: number;
  retries: number;
  retryDelay: number;
  cache?: string;
  failures?: string;
  lenient?: boolean;
  progress: boolean;
  json?: boolean;
}

function nonNegative(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative number for ${name}`);
    return n;
  };
}

const HELP = `
What it does:
  Sends each image (resized, base64) with a prompt to a multimodal model and appends one line
  {"id", "context", "model", "prompt"} per image to --output. Contexts are cached by
  (image hash, prompt, model): rerunning the same command after a crash or Ctrl-C skips what the
  output already holds, copies cached answers, and only asks the model for the rest.
  Failed images are written to --failures with their error; the run goes on, and the command
  exits with status 1 at the end if any image failed (rerun to retry them).

Servers:
  --provider openai   any OpenAI-compatible /chat/completions server: vLLM, llama.cpp server,
                      LM Studio, OpenAI. --base-url is required (e.g. http://localhost:8000/v1).
  --provider ollama   Ollama's native /api/chat (default base URL ${OLLAMA_URL}).
  Requests go only to --base-url.

API keys:
  Read only from the environment variable named by --api-key-env (default OPENAI_API_KEY for
  openai; none for ollama unless given). Keys are never printed or written to any file.

Prompt:
  {text} in the template is replaced by the post's text when --with-text is given; lines that
  mention {text} are dropped otherwise. The default template:

${DEFAULT_PROMPT.replace(/^/gm, '    ')}

Retries:
  429, 408, 5xx, network errors and timeouts are retried with exponential back-off (from
  --retry-delay, doubling, ±25% jitter), waiting as long as a Retry-After header asks (at most
  --max-wait; all waits of one image at most --max-total-wait).

Examples:
  shapca context --images data/twitter2015_images --dataset data/twitter2015/train.txt \\
    --provider ollama --model llava:7b -o contexts/twitter2015_train.jsonl
  OPENAI_API_KEY=... shapca context --images imgs --dataset mnre/ours_val.txt --with-text \\
    --provider openai --base-url https://api.openai.com/v1 --model gpt-4o-mini -o val.jsonl
`;

export function register(program: Command): void {
  program
    .command('context')
    .description('Generate image contexts with a multimodal model (OpenAI-compatible or Ollama), cached and resumable')
    .requiredOption('--images <dir>', 'folder holding the images')
    .option('--dataset <file>', 'dataset file whose images to describe (Twitter CoNLL, MNRE .txt, JMERE .json); default: every image in --images')
    .addOption(new Option('--format <format>', 'dataset format').choices(['auto', 'twitter', 'mnre', 'jmere']).default('auto'))
    .option('--with-text', "put the post's text into the prompt (where the template says {text})")
    .requiredOption('-o, --output <file>', 'JSONL file to append contexts to')
    .addOption(new Option('--provider <name>', 'server protocol').choices(['openai', 'ollama']).default('openai'))
    .option('--base-url <url>', `server URL (required for openai; ollama default ${OLLAMA_URL})`)
    .requiredOption('--model <name>', 'model name as the server knows it (e.g. llava:7b, llava-hf/llava-1.5-7b-hf)')
    .option('--api-key-env <name>', 'environment variable holding the API key (default OPENAI_API_KEY for openai)')
    .option('--prompt <template>', 'prompt template (see below)')
    .option('--prompt-file <file>', 'read the prompt template from a file')
    .option('--max-tokens <n>', 'longest answer in tokens', positiveInt('--max-tokens'), 512)
    .option('--temperature <t>', 'sampling temperature', nonNegative('--temperature'), 0)
    .option('--max-side <px>', 'shrink images to fit this many pixels per side before sending', positiveInt('--max-side'), 768)
    .option('--concurrency <n>', 'requests in flight at once', positiveInt('--concurrency'), 4)
    .option('--timeout <seconds>', 'per-request timeout', nonNegative('--timeout'), 120)
    .option('--retries <n>', 'retries per image after the first attempt', nonNegative('--retries'), 4)
    .option('--retry-delay <seconds>', 'first back-off delay, doubled on each retry', nonNegative('--retry-delay'), 1)
    .option('--cache <dir>', `cache folder (default ${defaultCacheDir()}; env SHAPCA_CACHE_DIR)`)
    .option('--failures <file>', 'where failed images are listed (default <output>.failures.jsonl)')
    .option('--lenient', 'skip malformed dataset records (reported) instead of stopping')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print the summary as one JSON object');
  addLimitFlags(program.commands.at(-1) as Command)
    .addHelpText('after', HELP + LIMITS_HELP)
    .action(async (flags: ContextFlags) => {
      await runContext(flags);
    });
}

async function runContext(flags: ContextFlags): Promise<void> {
  const baseURL = baseUrlOf(flags);
  if (!baseURL) {
    throw new Error('expected --base-url for --provider openai (e.g. http://localhost:8000/v1 for vLLM, https://api.openai.com/v1 for OpenAI)');
  }
  // Before anything is written: the output and the failures list must not be files this run reads.
  assertOutputsAreNotInputs([flags.output, flags.failures ?? `${flags.output}.failures.jsonl`], [flags.dataset, flags.promptFile]);
  const promptTemplate = await promptTemplateOf(flags);
  const { apiKey, keyEnv } = apiKeyOf(flags);
  if (!apiKey && /(^|\.)openai\.com$/.test(new URL(baseURL).hostname)) throw new Error(`expected an API key for ${baseURL} in ${keyEnv ?? 'OPENAI_API_KEY'}`);

  const client = createVisionClient({
    provider: flags.provider, baseURL, model: flags.model, apiKey, maxTokens: flags.maxTokens, temperature: flags.temperature, timeoutMs: flags.timeout * 1000,
    maxResponseBytes: flags.maxResponseBytes,
  });
  let jobs;
  if (flags.dataset) {
    const read = await jobsFromDataset(flags.dataset, flags.images, { format: flags.format === 'auto' ? undefined : flags.format, lenient: flags.lenient });
    for (const e of read.skipped) process.stderr.write(`shapca: skipped ${e.message}\n`);
    jobs = read.jobs;
  } else {
    jobs = await jobsFromFolder(flags.images);
  }
  if (!flags.withText) jobs = jobs.map(({ id, image }) => ({ id, image }));

  const bar = flags.progress && process.stderr.isTTY ? createProgressBar(jobs.length) : undefined;
  let summary: GenerateSummary;
  try {
    summary = await interruptible((signal) =>
      generateContexts({
        client, jobs, output: flags.output, cacheDir: flags.cache ?? defaultCacheDir(), failuresPath: flags.failures, promptTemplate,
        concurrency: flags.concurrency, maxImageSide: flags.maxSide, maxImageBytes: flags.maxImageBytes, signal,
        ...(flags.imagesOnly ? { imagesRoot: flags.images } : {}),
        retry: { retries: flags.retries, baseDelayMs: flags.retryDelay * 1000, ...retryLimits(flags) },
        onProgress: (p) => bar?.update(p),
        // A wait is said on the bar, or as a line when there is no bar (logs, pipes).
        onWait: (w) => (bar ? bar.waiting(w) : flags.progress && process.stderr.write(`shapca:${waitNote(w).slice(2)}\n`)),
      }),
    );
  } finally {
    bar?.stop();
  }

  if (flags.json) printJson(summary);
  else {
    process.stdout.write(
      `contexts: ${summary.done} done, ${summary.cached} cached, ${summary.failed} failed of ${summary.total} → ${summary.output}` +
        `${summary.repairedBytes > 0 ? ` (cut a torn last line of ${summary.repairedBytes} bytes)` : ''}\n`,
    );
  }
  if (summary.aborted) throw new Error(`stopped before the end; rerun the same command to continue (finished work is kept)`);
  if (summary.failed > 0) throw new Error(`${summary.failed} of ${summary.total} images failed; see ${summary.failuresPath} and rerun to retry them`);
}
