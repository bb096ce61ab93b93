// Children of fuzz-kills.test.ts, one per long job, each resuming whatever an earlier (killed) run
// left and printing a line per unit of work so the parent can kill it at a chosen point:
//   train OUT_DIR                        the toy trainer, a checkpoint after every step
//   extract MODEL INPUT OUTPUT IMAGES    extraction, a model call per 4 posts
//   context ORIGIN IMAGES OUTPUT CACHE   the context generator against the parent's fake server
import { extractionModelOf } from '../../lib/extract/extractor.js';
import { extractFile } from '../../lib/extract/file.js';
import type { ExtractionModel } from '../../lib/extract/types.js';
import { createVisionClient } from '../../lib/lmm/client.js';
import { generateContexts } from '../../lib/lmm/generate.js';
import { jobsFromFolder } from '../../lib/lmm/jobs.js';
import { loadModel } from '../../lib/model/io.js';
import * as train from '../../lib/train/index.js';
import { ToyModel, toyOptions } from '../train/toy.js';

const [kind, ...args] = process.argv.slice(2) as [string, ...string[]];
const say = (line: string) => process.stdout.write(`${line}\n`);

if (kind === 'train') {
  const model = new ToyModel(3);
  await train.train(model, toyOptions(model, args[0]!, { epochs: 4, checkpointEvery: 1, resume: true, onStep: (r) => say(`step ${r.step}`) }));
} else if (kind === 'extract') {
  const [modelDir, input, output, images] = args as [string, string, string, string];
  const model = extractionModelOf(await loadModel(modelDir));
  const announced: ExtractionModel = { ...model, run: async (inputs) => {
    const out = await model.run(inputs);
    say('batch');
    return out;
  } };
  await extractFile(announced, { input, output, imagesDir: images, batchSize: 4, window: 8, resume: true });
} else if (kind === 'context') {
  const [origin, images, output, cache] = args as [string, string, string, string];
  const client = createVisionClient({ provider: 'ollama', baseURL: origin, model: 'fake-vlm', timeoutMs: 5000 });
  await generateContexts({ client, jobs: await jobsFromFolder(images), output, cacheDir: cache, concurrency: 2, onProgress: (p) => say(`${p.outcome} ${p.id}`) });
} else {
  throw new Error(`unknown job ${kind}`);
}
say('finished');
