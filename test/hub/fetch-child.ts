// Child process for test/hub/processes.test.ts: resolves a repo id with the settings given as
// JSON in argv[3], after "go" on stdin (so that two children start together); notes go to stdout.
import { createInterface } from 'node:readline';

import { resolveModel } from '../../lib/hub/index.js';

const [name, envJson] = process.argv.slice(2);
if (!name || !envJson) throw new Error('usage: fetch-child.ts REPO_ID ENV_JSON');
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
lines.close();
const r = await resolveModel(name, { env: JSON.parse(envJson) as Record<string, string>, progress: false, log: (l) => process.stdout.write(`${l}\n`) });
process.stdout.write(`done ${r.dir}\n`);
