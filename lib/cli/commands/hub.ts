// `shapca hub ls` / `shapca hub download`: what the shared Hugging Face cache holds, and fetching
// a model into it ahead of time (for a machine that will run offline).
import { type Command, Option } from 'commander';

import { hubSettings } from '../../hub/settings.js';
import { listCache } from '../../hub/list.js';
import type { ModelKind } from '../../hub/model-files.js';
import { formatBytes } from '../../hub/progress.js';
import { resolveModel } from '../../hub/resolve.js';
import { printJson } from '../output.js';

const HELP = `
Models by name: wherever shapca takes a model folder (--model, --image-model), a name that is not a
folder is a Hugging Face Hub repo id (org/name, or a legacy name such as bert-base-uncased),
fetched from HF_ENDPOINT (default https://huggingface.co) into the cache Python's
huggingface_hub uses: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. Only the
files the model needs are fetched (config.json, model.safetensors or its shards, the tokenizer).
Offline (--offline or HF_HUB_OFFLINE=1): the cache only. Gated or private models need a token:
HF_TOKEN, or the file \`huggingface-cli login\` writes ($HF_HOME/token, or HF_TOKEN_PATH).

Examples:
  shapca hub download bert-base-uncased
  shapca hub download google/vit-base-patch16-224-in21k --kind vit
  shapca hub ls
`;

export function register(program: Command): void {
  const hub = program.command('hub').description('Models by Hugging Face Hub id: list the shared cache, download ahead of time').addHelpText('after', HELP);
  hub
    .command('ls')
    .description('List the models in the Hugging Face cache: revisions, snapshots, files, size')
    .argument('[repo]', 'only this repo id')
    .option('--json', 'one JSON object per repository')
    .action(async (repo: string | undefined, f: { json?: boolean }) => {
      const { cacheDir } = hubSettings();
      const repos = await listCache(cacheDir, repo);
      if (f.json) {
        for (const r of repos) printJson(r);
        return;
      }
      if (repos.length === 0) {
        process.stdout.write(`no models${repo ? ` named ${repo}` : ''} in ${cacheDir}\n`);
        return;
      }
      for (const r of repos) {
        const partial = r.partialBytes > 0 ? ` (+${formatBytes(r.partialBytes)} partial)` : '';
        process.stdout.write(`${r.repoId}  ${formatBytes(r.bytes)}${partial}  ${r.folder}\n`);
        for (const s of r.snapshots) {
          const refs = s.refs.length > 0 ? `${s.refs.join(', ')} → ` : '';
          process.stdout.write(`  ${refs}${s.commit.slice(0, 12)}  ${s.files.join(' ')}\n`);
        }
      }
    });
  hub
    .command('download')
    .description('Fetch what a model needs into the cache and print its snapshot folder')
    .argument('<repo>', 'Hub repo id (org/name)')
    .option('--revision <rev>', 'branch, tag, commit or refs/pr/N', 'main')
    .addOption(new Option('--kind <kind>', 'what the model is for (bert also fetches the tokenizer)').choices(['bert', 'vit', 'clip']).default('bert'))
    .option('--offline', 'check the cache only (as HF_HUB_OFFLINE=1)')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print one JSON object')
    .action(async (repo: string, f: { revision: string; kind: ModelKind; offline?: boolean; progress: boolean; json?: boolean }) => {
      const r = await resolveModel(repo, { revision: f.revision, kind: f.kind, progress: f.progress, ...(f.offline ? { offline: true } : {}) });
      if (f.json) printJson(r);
      else process.stdout.write(`${r.dir}\n`);
    });
}
