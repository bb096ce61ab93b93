// Reads a file that came from outside (an image named by a record, a prompt file) without
// trusting it: it must be a regular file — a FIFO would block forever, /dev/zero or /dev/urandom
// would never end — and no larger than a cap. The file is opened with O_NONBLOCK so that opening
// a FIFO cannot block either, then checked with fstat on the open descriptor (the same file that
// will be read, not one swapped in after a stat by name), and read up to the cap plus one byte,
// so a file that grows while it is read is caught as well.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

import { ShapcaError } from '../errors.js';

export type UnreadableFileCode = 'SHAPCA_NOT_A_REGULAR_FILE' | 'SHAPCA_FILE_TOO_LARGE' | 'SHAPCA_FILE_UNREADABLE';

export class UnreadableFileError extends ShapcaError<UnreadableFileCode> {
  constructor(message: string, code: UnreadableFileCode, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = 'UnreadableFileError';
  }
}

/** What a stat says a path is, for messages ("a FIFO", "a character device"). */
export function describeKind(s: { isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean; isDirectory(): boolean }): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  if (s.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/** Opens `path` for reading without blocking and checks it is a regular file of at most maxBytes. */
export async function openRegularFile(path: string, maxBytes: number, what = 'file'): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new UnreadableFileError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'SHAPCA_FILE_UNREADABLE', { cause: err });
  }
  try {
    const s = await fh.stat();
    if (!s.isFile()) throw new UnreadableFileError(`expected ${what} ${path} to be a regular file but it is ${describeKind(s)}`, 'SHAPCA_NOT_A_REGULAR_FILE');
    if (s.size > maxBytes) throw new UnreadableFileError(`expected ${what} ${path} to be at most ${maxBytes} bytes but it is ${s.size}`, 'SHAPCA_FILE_TOO_LARGE');
    return { fh, size: s.size };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The whole content of a regular file of at most maxBytes (see openRegularFile). */
export async function readRegularFile(path: string, maxBytes: number, what = 'file'): Promise<Buffer> {
  const { fh, size } = await openRegularFile(path, maxBytes, what);
  try {
    // One byte more than allowed: reading it means the file grew past the cap after the fstat.
    const buf = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await fh.read(buf, done, buf.length - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done > maxBytes) throw new UnreadableFileError(`expected ${what} ${path} to be at most ${maxBytes} bytes but it grew while being read`, 'SHAPCA_FILE_TOO_LARGE');
    return buf.subarray(0, done);
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'SHAPCA_FILE_UNREADABLE', { cause: err });
  } finally {
    await fh.close();
  }
}

/** Default cap on one image file: far above any photo in the datasets (a few MB), far below memory. */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;
