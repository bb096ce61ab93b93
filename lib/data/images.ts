// Image ids → image files. Twitter ids are bare numbers (`1015799` → `1015799.jpg`); MNRE and
// JMERE ids are already file names. Images are never shipped with the data, so the folder is
// always the user's to name.
import { access } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp', '.tif', '.tiff']);

/** The id without an image file extension: the key that joins datasets and contexts. */
export function imageKey(imageId: string): string {
  const ext = extname(imageId);
  return IMAGE_EXTENSIONS.has(ext.toLowerCase()) ? imageId.slice(0, -ext.length) : imageId;
}

export interface ImageResolverOptions {
  /** Extension added to ids that have none. Default '.jpg' (what the Twitter datasets use). */
  extension?: string;
}

/** Resolves image ids to paths inside one images folder. */
export class ImageResolver {
  readonly imagesDir: string;
  readonly extension: string;

  constructor(imagesDir: string, options: ImageResolverOptions = {}) {
    this.imagesDir = resolve(imagesDir);
    this.extension = options.extension ?? '.jpg';
  }

  /** The file name of an image: the id, plus the default extension when it has none. */
  fileName(imageId: string): string {
    return IMAGE_EXTENSIONS.has(extname(imageId).toLowerCase()) ? imageId : `${imageId}${this.extension}`;
  }

  /** The image's path. An id that would lead outside the folder (`../x`) is a RangeError. */
  path(imageId: string): string {
    const path = join(this.imagesDir, this.fileName(imageId));
    const rel = relative(this.imagesDir, path);
    if (imageId === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new RangeError(`expected an image id naming a file inside ${this.imagesDir} but received ${JSON.stringify(imageId)}`);
    }
    return path;
  }

  async exists(imageId: string): Promise<boolean> {
    try {
      await access(this.path(imageId));
      return true;
    } catch {
      return false;
    }
  }

  /** The ids (in order, without repeats) whose image file is missing. */
  async missing(imageIds: Iterable<string>): Promise<string[]> {
    const out: string[] = [];
    for (const id of new Set(imageIds)) if (!(await this.exists(id))) out.push(id);
    return out;
  }
}
