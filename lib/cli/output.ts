// Shared CLI output helpers: one-line failures, JSON lines.
import { ShapcaError } from '../errors.js';

/**
 * Prints "shapca: <reason>" to stderr and returns exit code 1. Errors of the native core (the
 * ShapcaError class itself, not one of its subclasses, whose messages already name the file or
 * the request at fault) also show their code.
 */
export function fail(err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof ShapcaError && err.constructor === ShapcaError ? ` [${err.code}]` : '';
  process.stderr.write(`shapca: ${message.split('\n')[0]}${code}\n`);
  if (process.env.SHAPCA_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}

/** Writes one JSON object per line to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
