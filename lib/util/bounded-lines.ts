// Lines of a file with a cap on each: node:readline keeps a line without a newline in memory
// until the file ends, so one gigabyte-long line (a binary file given by mistake, a torn dump)
// exhausts memory with a V8 stack trace instead of a reason. Here a line longer than the cap is
// skipped up to its newline and reported as `tooLong` with its length, and reading goes on with
// the next line. Lines end at '\n'; a '\r' before it is dropped (CRLF files).
import { createReadStream } from 'node:fs';

/** Default cap on one input line: records are posts of at most a few kilobytes. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

export type BoundedLine = { text: string; tooLong?: undefined } | { text?: undefined; tooLong: number };

export async function* boundedLines(path: string, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<BoundedLine> {
  const input = createReadStream(path, { highWaterMark: 1 << 16 });
  const decoder = new TextDecoder('utf-8');
  let parts: Buffer[] = [];
  let held = 0;  // bytes in parts
  let skipped = -1;  // ≥ 0 while discarding an over-long line: its length so far
  const finish = (): BoundedLine => {
    if (skipped >= 0) {
      const n = skipped;
      skipped = -1;
      return { tooLong: n };
    }
    let line = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, held);
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    parts = [];
    held = 0;
    if (line.length > maxLineBytes) return { tooLong: line.length };
    return { text: decoder.decode(line) };
  };
  const take = (piece: Buffer) => {
    if (skipped >= 0) {
      skipped += piece.length;
    } else if (held + piece.length > maxLineBytes + 1) {  // +1: room for the '\r' of a CRLF line at the cap
      skipped = held + piece.length;
      parts = [];
      held = 0;
    } else if (piece.length > 0) {
      parts.push(piece);
      held += piece.length;
    }
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        // Copied: a subarray would keep the whole 64 KiB chunk alive per held line.
        take(Buffer.from(chunk.subarray(start, nl)));
        yield finish();
        start = nl + 1;
      }
      if (start < chunk.length) take(Buffer.from(chunk.subarray(start)));
    }
    if (held > 0 || skipped >= 0) yield finish();
  } finally {
    input.destroy();
  }
}
