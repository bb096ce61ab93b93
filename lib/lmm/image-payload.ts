// Images as the models receive them: the original file's hash (the cache key, so a changed image
// is described again), then a JPEG resized to fit a maximum side and encoded as base64. Large
// photos would otherwise cost upload time and tokens without helping the description.
import { createHash } from 'node:crypto';

import sharp from 'sharp';

import { DEFAULT_MAX_IMAGE_BYTES, readRegularFile } from '../util/bounded-read.js';
import { LmmError } from './errors.js';

export interface ImagePayload {
  /** base64 of the (resized) image. */
  base64: string;
  mime: 'image/jpeg';
  width: number;
  height: number;
}

/**
 * Reads an image file and its sha256; a file that is unreadable, not a regular file (a FIFO, a
 * device) or larger than maxBytes is an 'image' LmmError.
 */
export async function readImageFile(path: string, maxBytes = DEFAULT_MAX_IMAGE_BYTES): Promise<{ bytes: Buffer; hash: string }> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, maxBytes, 'image');
  } catch (err) {
    throw new LmmError('image', (err as Error).message, { cause: err });
  }
  return { bytes, hash: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Decodes, orients (EXIF), flattens transparency onto white, shrinks to fit `maxSide` (never
 * enlarges) and encodes as JPEG. A file sharp cannot decode is an 'image' LmmError.
 */
export async function encodeImage(bytes: Buffer, path: string, maxSide = 768, quality = 90): Promise<ImagePayload> {
  try {
    const { data, info } = await sharp(bytes)
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality })
      .toBuffer({ resolveWithObject: true });
    return { base64: data.toString('base64'), mime: 'image/jpeg', width: info.width, height: info.height };
  } catch (err) {
    throw new LmmError('image', `cannot decode image ${path}: ${(err as Error).message}`, { cause: err });
  }
}
