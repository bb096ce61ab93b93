// The multimodal-model server flags that `context` and `extract --generate-contexts` share: the
// server URL, the API key's environment variable and the prompt template.
import { readFile } from 'node:fs/promises';

import type { Provider } from '../lmm/client.js';
import { DEFAULT_PROMPT } from '../lmm/prompt.js';

export const OLLAMA_URL = 'http://127.0.0.1:11434';

export interface LmmServerFlags {
  provider: Provider;
  baseUrl?: string;
  apiKeyEnv?: string;
  prompt?: string;
  promptFile?: string;
}

/** --base-url, else Ollama's local default; undefined for --provider openai without one. */
export function baseUrlOf(f: LmmServerFlags): string | undefined {
  return f.baseUrl ?? (f.provider === 'ollama' ? OLLAMA_URL : undefined);
}

/** The prompt template: --prompt, the text of --prompt-file (not both), else the default. */
export async function promptTemplateOf(f: LmmServerFlags): Promise<string> {
  if (f.prompt !== undefined && f.promptFile !== undefined) throw new Error('expected --prompt or --prompt-file, not both');
  return f.promptFile !== undefined ? await readFile(f.promptFile, 'utf8') : (f.prompt ?? DEFAULT_PROMPT);
}

/**
 * The API key and the variable it is read from: --api-key-env (which must be set), else
 * OPENAI_API_KEY for --provider openai (which may be unset: local servers take no key).
 */
export function apiKeyOf(f: LmmServerFlags): { apiKey: string | undefined; keyEnv: string | undefined } {
  const keyEnv = f.apiKeyEnv ?? (f.provider === 'openai' ? 'OPENAI_API_KEY' : undefined);
  const apiKey = keyEnv ? process.env[keyEnv] : undefined;
  if (f.apiKeyEnv && !apiKey) throw new Error(`expected the API key in the environment variable ${f.apiKeyEnv}, which is not set`);
  return { apiKey, keyEnv };
}
