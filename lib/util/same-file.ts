// Inputs are never overwritten: before a command opens an output for writing it asks whether
// that output is one of the files it reads. Names are not enough — `-o ./x.jsonl` may reach the
// input through a symlink, a hard link or another spelling of the path — so both are compared by
// their real path and by (device, inode), the identity the kernel uses.
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

import { ShapcaError } from '../errors.js';

/** Raised when an output would truncate or replace one of the command's inputs. */
export class OutputIsInputError extends ShapcaError<'SHAPCA_OUTPUT_IS_INPUT'> {
  constructor(
    readonly output: string,
    readonly input: string,
  ) {
    super(`refusing to write ${output}: it is the input ${input} (same file${realpathOrSelf(output) === realpathOrSelf(input) ? '' : ' through a link'}); choose another output`, 'SHAPCA_OUTPUT_IS_INPUT');
    this.name = 'OutputIsInputError';
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function identity(path: string): { dev: number; ino: number } | undefined {
  try {
    const s = statSync(path); // follows symlinks: the file that would be written
    return { dev: s.dev, ino: s.ino };
  } catch {
    return undefined; // an output that does not exist yet cannot be an input
  }
}

/** True when `a` and `b` name the same existing file (same real path or same device and inode). */
export function sameFile(a: string, b: string): boolean {
  const ia = identity(a);
  const ib = identity(b);
  if (!ia || !ib) return false;
  return (ia.dev === ib.dev && ia.ino === ib.ino) || realpathOrSelf(a) === realpathOrSelf(b);
}

/**
 * Throws OutputIsInputError when any output names the same file as any input. Outputs and inputs
 * that are undefined are ignored, so callers can pass optional flags as they are.
 */
export function assertOutputsAreNotInputs(outputs: readonly (string | undefined)[], inputs: readonly (string | undefined)[]): void {
  for (const output of outputs) {
    if (output === undefined) continue;
    for (const input of inputs) {
      if (input !== undefined && sameFile(output, input)) throw new OutputIsInputError(output, input);
    }
  }
}
