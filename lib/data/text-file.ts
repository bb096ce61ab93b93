// Reading text datasets: UTF-8, an optional BOM dropped, CRLF and LF both accepted (PGIM's files
// mix them), and a way to turn a character offset into a line number for error messages.
import { readFile } from 'node:fs/promises';

/** Reads a UTF-8 text file, dropping a leading byte-order mark. */
export async function readText(path: string): Promise<string> {
  const text = await readFile(path, 'utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Splits text into lines without their line endings (LF or CRLF). A final line ending does not
 * produce an extra empty line, so `lines[i]` is line i + 1 of the file.
 */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** The 1-based line number of a character offset. */
export function lineAt(text: string, offset: number): number {
  return new LineCounter(text).lineAt(offset);
}

/** Line (and column) numbers of increasing offsets in one text, in linear total time. */
export class LineCounter {
  private offset = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  /** 1-based line of `offset`; offsets must not decrease between calls. */
  lineAt(offset: number): number {
    for (let i = this.text.indexOf('\n', this.offset); i !== -1 && i < offset; i = this.text.indexOf('\n', i + 1)) {
      this.line++;
      this.lineStart = i + 1;
    }
    this.offset = Math.max(this.offset, offset);
    return this.line;
  }

  /** 1-based column of `offset` (call after lineAt with the same offset). */
  columnAt(offset: number): number {
    return offset - this.lineStart + 1;
  }
}
