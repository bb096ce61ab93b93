// The repositories the Hub stand-in serves (the small BERT and sharded ViT of
// test/fixtures/encoders, plus a vocabulary), and a settings environment for each test: its own
// HF_HOME in a temporary folder and HF_ENDPOINT on the stand-in, never the public Hub.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FakeHub, FakeRepo } from './hub-server.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'encoders');

export const commitOf = (name: string) => createHash('sha1').update(`commit ${name}`).digest('hex');

function folder(name: string): Record<string, Buffer> {
  const dir = join(fixtures, name);
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

/** 50 tokens, as many as the fixture BERT's vocab_size. */
export const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 45 }, (_, i) => `w${i}`)].join('\n') + '\n';

export function bertRepo(extra: Partial<FakeRepo> = {}): FakeRepo {
  return {
    commit: commitOf('bert'),
    files: {
      ...folder('bert'), 'vocab.txt': Buffer.from(VOCAB), 'tokenizer_config.json': Buffer.from('{"do_lower_case": true}'),
      // Present in the repository, never needed: must not be fetched.
      'pytorch_model.bin': Buffer.alloc(64, 1), 'README.md': Buffer.from('# tiny bert\n'),
    },
    ...extra,
  };
}

export function vitShardedRepo(): FakeRepo {
  return { commit: commitOf('vit'), files: { ...folder('vit-sharded'), 'preprocessor_config.json': Buffer.from('{}') } };
}

export function pickleOnlyRepo(): FakeRepo {
  const { 'model.safetensors': _, ...rest } = bertRepo().files;
  return { commit: commitOf('pickle'), files: rest };
}

/** A fresh HF_HOME and the settings every hub test uses; nothing is inherited from process.env. */
export async function hubEnv(hub: FakeHub | null, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const home = await mkdtemp(join(tmpdir(), 'shapca-hf-'));
  return {
    HF_HOME: home,
    // With no stand-in, a closed port on the loopback: any request fails at once, locally.
    HF_ENDPOINT: hub?.origin ?? 'http://127.0.0.1:9',
    HF_HUB_ETAG_TIMEOUT: '5',
    HF_HUB_DOWNLOAD_TIMEOUT: '5',
    ...extra,
  };
}
