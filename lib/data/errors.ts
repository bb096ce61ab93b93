// Malformed dataset input: one error class that names the file, the line and what was expected,
// and a collector that either throws it (strict, the default) or records it and lets the reader
// skip the record (lenient), so a user can see everything wrong with a file in one pass.

import { ShapcaError } from '../errors.js';

/** A malformed line or record in a dataset or context file. */
export class DataFormatError extends ShapcaError<'SHAPCA_DATA_FORMAT'> {
  readonly file: string;
  /** 1-based line number of the offending line (of the record's start for multi-line records). */
  readonly line: number;
  readonly expected: string;
  readonly found: string | undefined;

  constructor(file: string, line: number, expected: string, found?: string) {
    super(`${file}:${line}: expected ${expected}${found === undefined ? '' : ` but found ${found}`}`, 'SHAPCA_DATA_FORMAT');
    this.name = 'DataFormatError';
    this.file = file;
    this.line = line;
    this.expected = expected;
    this.found = found;
  }
}

/** Options shared by every reader. */
export interface ReadOptions {
  /** Skip malformed records and report them in `skipped` instead of throwing. Default false. */
  lenient?: boolean;
}

/** What a reader returns: the records in file order, and (lenient mode) what it skipped. */
export interface Dataset<T> {
  file: string;
  records: T[];
  skipped: DataFormatError[];
}

/** Quotes a short excerpt of offending text for an error message. */
export function excerpt(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * The per-file error policy of a reader: record parsers call `fail` to abandon a record, and
 * `guard` turns that into a throw (strict) or a reported skip (lenient).
 */
export class Issues {
  readonly skipped: DataFormatError[] = [];

  constructor(
    readonly file: string,
    readonly lenient: boolean,
  ) {}

  /** Throws a DataFormatError for this file (the record being parsed is abandoned). */
  fail(line: number, expected: string, found?: string): never {
    throw new DataFormatError(this.file, line, expected, found);
  }

  /**
   * Runs one record's parser. Strict mode lets its DataFormatError propagate; lenient mode
   * records it and returns undefined so the caller skips the record.
   */
  guard<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (err) {
      if (this.lenient && err instanceof DataFormatError) {
        this.skipped.push(err);
        return undefined;
      }
      throw err;
    }
  }
}
