// Keeps paths named by records inside one folder: an image path may be absolute or climb out with
// '..', and a symlink inside the folder may point anywhere, so the check is made on real paths.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';

/** Undefined when `path` (resolved through symlinks) lies inside `root`, else why not. */
export async function outsideReason(path: string, root: string): Promise<string | undefined> {
  const realRoot = await realpath(root).catch(() => resolve(root));
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    real = resolve(path); // missing: judged by its name (reading it will fail anyway)
  }
  const rel = relative(realRoot, real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    return `${path} is outside the images folder ${root}${real !== resolve(path) ? ` (it leads to ${real})` : ''}; --images-only allows only images inside it`;
  }
  return undefined;
}
