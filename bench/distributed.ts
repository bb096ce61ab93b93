// Distributed extraction on one machine: posts/s of (a) one process with 2 native threads
// (`shapca extract`'s path, extractFile) and (b) two `shapca worker` processes with 1 thread each
// plus the coordinator (extractDistributed, in this process) over a local redis-server, same
// input, same run, for the tiny preset (with images) and a BERT-base-sized text model. (b) must
// write the bytes (a) wrote before it is timed. The queue's cost per chunk is what the workers'
// time does not cover: (2 × wall time of (b) − the time workers report running chunks) / chunks;
// it includes the start and end of the run, when one worker may wait for the other's last chunk.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { generateSyntheticDataset, readContexts } from '../lib/data/index.js';
import { extractDistributed } from '../lib/distributed/index.js';
import { extractionModelOf } from '../lib/extract/extractor.js';
import { extractFile } from '../lib/extract/file.js';
import { createFromScratch, loadModel } from '../lib/model/index.js';
import { loadNerExamples } from '../lib/tasks/ner/data.js';
import * as runtime from '../lib/runtime.js';
import { startRedis } from '../test/distributed/redis-server.js';
import { report, type BenchOptions } from './harness.js';

interface Case {
  name: string;
  text: Record<string, number>;
  useImage: boolean;
  posts: number;
  batchSize: number;
  window: number;
}

const CASES: Case[] = [
  { name: 'tiny (BERT 4x256 + ViT 4x192@96, fusion, Shap-CA)', text: {}, useImage: true, posts: 4096, batchSize: 32, window: 256 },
  {
    name: 'base-sized (BERT 12x768) text+context',
    text: { hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072 }, useImage: false, posts: 384, batchSize: 16, window: 64,
  },
];

const ROOT = resolve(import.meta.dirname, '..');

function startWorker(url: string, name: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib', 'cli', 'main.ts'), 'worker', '--queue', url, '--threads', '1', '--name', name, '--quiet'], {
    cwd: ROOT, stdio: 'ignore',
  });
}

export async function run(opts: BenchOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shapca-bench-distributed-'));
  const redis = await startRedis();
  const workers = [startWorker(redis.url, 'w1'), startWorker(redis.url, 'w2')];
  try {
    await generateSyntheticDataset({ outDir: join(dir, 'data'), seed: 3, sizes: { train: 64, dev: 1, test: 1 }, imageSize: 96 });
    const contexts = await readContexts(join(dir, 'data', 'contexts', 'captions.jsonl'));
    const images = join(dir, 'data', 'images');
    const { examples } = await loadNerExamples(
      { file: join(dir, 'data', 'ner', 'train.txt'), contexts, imagesDir: images, entityTypes: ['PER', 'LOC', 'ORG'] },
      { size: 96, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    );
    for (const [k, c] of CASES.entries()) {
      const modelDir = join(dir, `model-${k}`);
      const created = await createFromScratch({
        entityTypes: ['PER', 'LOC', 'ORG'], corpus: examples.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 2000, seed: 1,
        text: c.text, options: { useImage: c.useImage, maxLength: 64 },
      });
      await created.save(modelDir);
      created.parts.text.dispose();
      created.parts.image?.dispose();
      const posts = (n: number) => `${Array.from({ length: n }, (_, i) => {
        const ex = examples[i % examples.length]!;
        return JSON.stringify({ id: `p${i}`, tokens: ex.tokens, image: `${ex.id.split('#')[0]}.jpg`, context: ex.context });
      }).join('\n')}\n`;
      const input = join(dir, `posts-${k}.jsonl`);
      const warmInput = join(dir, `warm-${k}.jsonl`);
      await writeFile(input, posts(c.posts));
      await writeFile(warmInput, posts(2 * c.window));
      const batching = { batchSize: c.batchSize, window: c.window };

      // (a) one process, 2 threads (the model loaded beforehand, as the workers have theirs after the warm-up)
      runtime.setThreads(2);
      const model = await loadModel(modelDir, 'any');
      const single = join(dir, `single-${k}.jsonl`);
      let t0 = performance.now();
      await extractFile(extractionModelOf(model), { input, output: single, overwrite: true, imagesDir: images, ...batching });
      const aMs = performance.now() - t0;
      model.backbone.parts.text.dispose();
      model.backbone.parts.image?.dispose();
      runtime.setThreads(0);

      // (b) 2 workers × 1 thread + this coordinator; a warm-up run first loads the model in both workers
      const common = { queue: redis.url, model: modelDir, imagesDir: images, overwrite: true, chunkSize: c.window, inFlight: 8, ...batching };
      await extractDistributed({ ...common, input: warmInput, output: join(dir, `warm-${k}.out.jsonl`) });
      const fleet = join(dir, `fleet-${k}.jsonl`);
      t0 = performance.now();
      const s = await extractDistributed({ ...common, input, output: fleet });
      const bMs = performance.now() - t0;
      if (!(await readFile(fleet)).equals(await readFile(single))) throw new Error(`${c.name}: the fleet's output differs from the single process's`);
      const overheadMs = (2 * bMs - s.workerSeconds * 1000) / s.chunks;
      const shape = `${c.name}, ${c.posts} posts, ${s.chunks} chunks of ${c.window}`;
      report({
        bench: 'distributed', shape, ours_ms: bMs / c.posts, peer: '1 process × 2 threads', peer_ms: aMs / c.posts, ratio: aMs / bMs,
        unit: 'posts/s', value: c.posts / (bMs / 1e3), peer_value: c.posts / (aMs / 1e3),
      }, opts);
      report({
        bench: 'distributed-overhead', shape: `${shape}: (2 × wall − worker time) / chunks`, ours_ms: overheadMs, peer: 'none', peer_ms: null, ratio: null,
        unit: 'ms/chunk', value: overheadMs,
      }, opts);
    }
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : null)));
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
