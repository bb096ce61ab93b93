// Test entry: runs every test/**/*.test.ts with uvu (deferred), under tsx.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { run } from 'uvu/run';

// No test may reach the public Hugging Face Hub or a developer's cache: the hub tests pass their
// own settings (a stand-in on 127.0.0.1, a temporary HF_HOME); everything else sees an offline,
// empty cache and an endpoint on a closed loopback port.
process.env.HF_HUB_OFFLINE = '1';
process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
process.env.HF_HOME = join(tmpdir(), `shapca-test-hf-home-${process.pid}`);
delete process.env.HF_HUB_CACHE;
delete process.env.HF_TOKEN;

const here = dirname(fileURLToPath(import.meta.url));
const pattern = process.argv[2] ? new RegExp(process.argv[2]) : null;

function find(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : find(join(dir, e.name));
    return e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [];
  });
}

const files = find(here)
  .filter((f) => !pattern || pattern.test(relative(here, f)))
  .sort();
await run(files.map((file) => ({ name: relative(here, file), file })), { bail: false });
