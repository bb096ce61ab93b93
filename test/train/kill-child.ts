// Child process for the SIGKILL test in trainer.test.ts: trains the toy model with a checkpoint
// after every step, printing "step N" as it goes, until the parent kills it.
import * as train from '../../lib/train/index.js';
import { ToyModel, toyOptions } from './toy.js';

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: kill-child.ts OUT_DIR');
const model = new ToyModel(3);
await train.train(model, toyOptions(model, outDir, {
  epochs: 4,
  checkpointEvery: 1,
  onStep: async (r) => {
    process.stdout.write(`step ${r.step}\n`);
    // Slow enough that the parent's kill lands before the run ends.
    await new Promise((resolve) => setTimeout(resolve, 5));
  },
}));
process.stdout.write('finished\n');
