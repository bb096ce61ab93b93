#!/usr/bin/env node
// The `shapca` command line. Each command lives in commands/<name>.ts and exports
// `register(program)`; this file only wires them up and turns failures into one-line errors.
import { createRequire } from 'node:module';

import { Command, CommanderError } from 'commander';

import { register as registerBaseline } from './commands/baseline.js';
import { register as registerBench } from './commands/bench.js';
import { register as registerContext } from './commands/context.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerEval } from './commands/eval.js';
import { register as registerExplain } from './commands/explain.js';
import { register as registerExtract } from './commands/extract.js';
import { register as registerHub } from './commands/hub.js';
import { register as registerInfo } from './commands/info.js';
import { register as registerPretrain } from './commands/pretrain.js';
import { register as registerTrain } from './commands/train.js';
import { register as registerWorker } from './commands/worker.js';
import { fail } from './output.js';

export function buildProgram(): Command {
  const program = new Command('shapca')
    .description(
      'Multimodal information extraction (entities, relations, joint) from social-media posts ' +
        'with Shapley value-based contrastive alignment (Shap-CA).',
    )
    .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInfo(program);
  registerContext(program);
  registerTrain(program);
  registerEval(program);
  registerExtract(program);
  registerExplain(program);
  registerDemo(program);
  registerBaseline(program);
  registerPretrain(program);
  registerHub(program);
  registerWorker(program);
  registerBench(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    return fail(err);
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/shapca')) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
