// --revision / --image-revision / --offline for commands that take --model / --image-model, and
// turning those into local folders (a folder stays as it is; a Hub id is fetched or found in the cache).
import type { Command } from 'commander';

import type { ModelKind } from '../hub/model-files.js';
import { resolveModel } from '../hub/resolve.js';

export interface HubFlags {
  revision: string;
  imageRevision: string;
  offline?: boolean;
  progress?: boolean;
}

export function addHubFlags(cmd: Command): Command {
  return cmd
    .option('--revision <rev>', 'Hub revision of --model when it is a repo id: branch, tag, commit or refs/pr/N', 'main')
    .option('--image-revision <rev>', 'Hub revision of --image-model', 'main')
    .option('--offline', 'use the Hugging Face cache only (as HF_HUB_OFFLINE=1)');
}

/** The local folder of a --model / --image-model value. */
export async function modelFolder(nameOrDir: string, kind: ModelKind, f: HubFlags, image = false): Promise<string> {
  const r = await resolveModel(nameOrDir, {
    kind, revision: image ? f.imageRevision : f.revision, ...(f.offline ? { offline: true } : {}), ...(f.progress === false ? { progress: false } : {}),
  });
  return r.dir;
}

export const HUB_HELP = `
Models by name: --model and --image-model also take a Hugging Face Hub repo id (bert-base-uncased,
google/vit-base-patch16-224-in21k, openai/clip-vit-base-patch32), fetched into the shared HF cache
(see \`shapca hub --help\`); --offline uses the cache only.
`;
