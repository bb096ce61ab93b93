// Test entry: runs every test/**/*.test.ts with uvu (deferred), under tsx.
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { run } from 'uvu/run';

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
