// Child process for the kill-and-resume test: extracts INPUT into OUTPUT with a model slowed down
// per batch, printing "batch" as it goes, until the parent kills it.
import { extractionModelOf } from '../../lib/extract/extractor.js';
import { extractFile } from '../../lib/extract/file.js';
import type { ExtractionModel } from '../../lib/extract/types.js';
import { loadModel } from '../../lib/tasks/io.js';

const [modelDir, input, output, images] = process.argv.slice(2);
if (!modelDir || !input || !output || !images) throw new Error('usage: kill-child.ts MODEL_DIR INPUT OUTPUT IMAGES');
const model = extractionModelOf(await loadModel(modelDir));
const slow: ExtractionModel = {
  ...model,
  async run(inputs) {
    const out = await model.run(inputs);
    process.stdout.write('batch\n');
    await new Promise((resolve) => setTimeout(resolve, 25));
    return out;
  },
};
await extractFile(slow, { input, output, imagesDir: images, batchSize: 4, window: 8, overwrite: true });
process.stdout.write('finished\n');
