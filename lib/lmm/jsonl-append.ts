// Appending records to a JSON-lines file so that a crash loses nothing finished: each record is
// one write() of one complete line followed by an fsync, appends are serialised across
// concurrent workers, and a line torn by a crash mid-write is cut off before the next run
// appends after it.
import { type FileHandle, mkdir, open, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Cuts a file back to its last complete line (one ending in "\n"). Returns the number of bytes
 * removed (0 when the file is whole or absent).
 */
export async function repairJsonlTail(path: string): Promise<number> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) return 0; // /dev/null, a pipe: nothing to repair
    size = st.size;
  } catch {
    return 0;
  }
  if (size === 0) return 0;
  const fh = await open(path, 'r');
  try {
    // Scan backwards in chunks for the last newline.
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await fh.read(chunk, 0, end - start, start);
      const last = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (last >= 0) {
        const keep = start + last + 1;
        if (keep === size) return 0;
        await truncate(path, keep);
        return size - keep;
      }
      end = start;
    }
  } finally {
    await fh.close();
  }
  await truncate(path, 0);
  return size;
}

export class JsonlAppender {
  private queue: Promise<void> = Promise.resolve();

  /** `durable`: a regular file, synced after each line (fdatasync fails on /dev/null and pipes). */
  private constructor(
    private readonly fh: FileHandle,
    private readonly durable: boolean,
  ) {}

  /** Opens (creating) a file for appending, first repairing a torn last line. */
  static async open(path: string): Promise<{ appender: JsonlAppender; repairedBytes: number }> {
    await mkdir(dirname(path), { recursive: true });
    const repairedBytes = await repairJsonlTail(path);
    const fh = await open(path, 'a');
    const durable = await fh.stat().then((st) => st.isFile(), () => false);
    return { appender: new JsonlAppender(fh, durable), repairedBytes };
  }

  /** Appends one record as one line; resolves once it is on disk. */
  append(record: unknown): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    const next = this.queue.then(async () => {
      // One write call per line: O_APPEND puts it at the end in one piece; loop only if the
      // kernel accepted part of it.
      for (let off = 0; off < line.length; ) off += (await this.fh.write(line, off, line.length - off)).bytesWritten;
      if (this.durable) await this.fh.datasync();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.fh.close();
  }
}
