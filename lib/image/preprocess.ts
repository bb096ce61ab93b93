// Image preprocessing as the HF ViT / CLIP image processors do it, with sharp (libvips):
// decode (JPEG, PNG, WebP, GIF first frame, ...), apply the EXIF orientation, convert to 8-bit
// sRGB without alpha, resize, centre-crop, then (x/255 − mean) / std into a CHW Float32Array.
import sharp from 'sharp';

import { ShapcaError } from '../errors.js';
import { DEFAULT_MAX_IMAGE_BYTES, readRegularFile, UnreadableFileError } from '../util/bounded-read.js';

/** CLIP's normalisation (openai/clip-vit-*). */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
/** ViT's (google/vit-base-patch16-224): 0.5 everywhere. */
export const VIT_MEAN = [0.5, 0.5, 0.5];
export const VIT_STD = [0.5, 0.5, 0.5];

export interface PreprocessOptions {
  /** Output side in pixels (square). */
  size: number;
  /** Per-channel mean and std of the normalisation (RGB). */
  mean: number[];
  std: number[];
  /**
   * 'crop' (default, CLIPImageProcessor): shortest side to `size`, then a centred size×size crop.
   * 'stretch' (ViTImageProcessor): resize straight to size×size.
   */
  resize?: 'crop' | 'stretch';
  /** Resampling kernel. Default 'cubic' for crop, 'linear' for stretch (as the HF processors). */
  kernel?: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
  /** Largest image file read (a path must also name a regular file). Default 64 MiB. */
  maxFileBytes?: number;
}

export type ImageErrorCode = 'SHAPCA_IMAGE_NOT_FOUND' | 'SHAPCA_IMAGE_DECODE' | 'SHAPCA_IMAGE_NOT_A_FILE' | 'SHAPCA_IMAGE_TOO_LARGE';

/** An image that could not be read or decoded; callers can catch it per sample. */
export class ImageError extends ShapcaError<ImageErrorCode> {
  readonly source: string;

  constructor(message: string, code: ImageErrorCode, source: string) {
    super(message, code);
    this.name = 'ImageError';
    this.source = source;
  }
}

function checkOptions(o: PreprocessOptions): void {
  if (!Number.isInteger(o.size) || o.size < 1 || o.size > 8192) {
    throw new RangeError(`image.preprocess: expected an integer size in [1, 8192] but received ${o.size}`);
  }
  for (const [name, v] of [['mean', o.mean], ['std', o.std]] as const) {
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => Number.isFinite(x))) {
      throw new RangeError(`image.preprocess: expected 3 finite numbers for ${name} but received ${JSON.stringify(v)}`);
    }
  }
  if (!o.std.every((x) => x > 0)) throw new RangeError(`image.preprocess: expected std > 0 but received ${JSON.stringify(o.std)}`);
}

/** Decodes and resizes to size×size RGB bytes (HWC). */
async function resizedRgb(input: string | Buffer, o: PreprocessOptions): Promise<Buffer> {
  const source = typeof input === 'string' ? input : `<buffer of ${input.length} bytes>`;
  let bytes: Buffer;
  if (typeof input === 'string') {
    try {
      bytes = await readRegularFile(input, o.maxFileBytes ?? DEFAULT_MAX_IMAGE_BYTES, 'image');
    } catch (err) {
      const code = err instanceof UnreadableFileError ? err.code : undefined;
      if (code === 'SHAPCA_NOT_A_REGULAR_FILE') throw new ImageError(`${input}: ${(err as Error).message}`, 'SHAPCA_IMAGE_NOT_A_FILE', input);
      if (code === 'SHAPCA_FILE_TOO_LARGE') throw new ImageError(`${input}: ${(err as Error).message}`, 'SHAPCA_IMAGE_TOO_LARGE', input);
      const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
      throw new ImageError(`${input}: cannot read the image (${cause?.code ?? (err as Error).message})`, 'SHAPCA_IMAGE_NOT_FOUND', input);
    }
  } else {
    bytes = input;
  }
  const mode = o.resize ?? 'crop';
  const kernel = o.kernel ?? (mode === 'crop' ? 'cubic' : 'linear');
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error' })
      .rotate()  // EXIF orientation
      .removeAlpha()
      .toColourspace('srgb')
      .resize({ width: o.size, height: o.size, fit: mode === 'crop' ? 'cover' : 'fill', position: 'centre', kernel })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== o.size || info.height !== o.size) {
      throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${o.size}×${o.size}×3`);
    }
    return data;
  } catch (err) {
    throw new ImageError(`${source}: cannot decode the image (${(err as Error).message})`, 'SHAPCA_IMAGE_DECODE', source);
  }
}

/** Writes (x/255 − mean) / std of HWC RGB bytes into out (CHW) at offset. */
function normalise(rgb: Buffer, o: PreprocessOptions, out: Float32Array, offset: number): void {
  const plane = o.size * o.size;
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * (o.std[c] as number));
    const shift = (o.mean[c] as number) / (o.std[c] as number);
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (rgb[i * 3 + c] as number) * scale - shift;
  }
}

/** One image (file path or encoded bytes) → (3, size, size) normalised Float32Array. */
export async function preprocess(input: string | Buffer, o: PreprocessOptions): Promise<Float32Array> {
  checkOptions(o);
  const out = new Float32Array(3 * o.size * o.size);
  normalise(await resizedRgb(input, o), o, out, 0);
  return out;
}

export interface BatchResult {
  /** (batch, 3, size, size); the images that failed are zeros. */
  pixels: Float32Array;
  /** Per image: whether it was read (false: mask its image terms out; docs/ARCHITECTURE.md, "Encoders and embeddings"). */
  ok: boolean[];
  /** The errors of the images that failed, by index. */
  errors: Map<number, ImageError>;
}

/** Several images into one batch; an unreadable image is reported and left as zeros, never thrown. */
export async function preprocessBatch(inputs: (string | Buffer)[], o: PreprocessOptions): Promise<BatchResult> {
  checkOptions(o);
  const per = 3 * o.size * o.size;
  const pixels = new Float32Array(inputs.length * per);
  const ok = inputs.map(() => false);
  const errors = new Map<number, ImageError>();
  await Promise.all(
    inputs.map(async (input, i) => {
      try {
        normalise(await resizedRgb(input, o), o, pixels, i * per);
        ok[i] = true;
      } catch (err) {
        if (!(err instanceof ImageError)) throw err;
        errors.set(i, err);
      }
    }),
  );
  return { pixels, ok, errors };
}
