// Images for dataset examples: decoded and normalised once per image with the model's recipe,
// shared by every instance of the same image (MNRE repeats a post once per entity pair), and
// failures recorded instead of thrown (the sample is kept without its image).
import { ImageResolver, imageKey } from '../data/images.js';
import { ImageError, preprocess } from '../image/preprocess.js';

export interface ImageRecipe {
  size: number;
  mean: number[];
  std: number[];
}

export class ImageLoader {
  private readonly resolver: ImageResolver | null;
  private readonly cache = new Map<string, Promise<Float32Array | null>>();
  /** Images that were missing or failed to decode, with why (once per image). */
  readonly errors: string[] = [];

  /** No folder or no recipe: every load gives null. */
  constructor(
    imagesDir: string | undefined,
    private readonly recipe: ImageRecipe | null,
  ) {
    this.resolver = imagesDir && recipe ? new ImageResolver(imagesDir) : null;
  }

  /** The preprocessed image (3 × size × size), or null when there is none or it failed. */
  load(imageId: string): Promise<Float32Array | null> {
    if (!this.resolver || !this.recipe) return Promise.resolve(null);
    const key = imageKey(imageId);
    let p = this.cache.get(key);
    if (!p) {
      p = preprocess(this.resolver.path(imageId), this.recipe).catch((err: unknown) => {
        if (!(err instanceof ImageError)) throw err;
        this.errors.push(`${imageId}: ${err.message}`);
        return null;
      });
      this.cache.set(key, p);
    }
    return p;
  }
}
