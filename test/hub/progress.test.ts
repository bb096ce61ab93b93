// The download bar shows bytes, size, rate and ETA on a terminal; elsewhere only the summary line
// of a large or resumed file is written.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { createDownloadProgress, formatBytes } from '../../lib/hub/progress.js';

const test = suite('hub: download progress');

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 200, write: (s: string) => chunks.push(String(s)) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

test('bytes, size, rate and ETA on a terminal; a summary line for a large file', async () => {
  const { stream, text } = fakeStream(true);
  const lines: string[] = [];
  const total = 3 * 1024 * 1024;
  const p = createDownloadProgress('org/m/model.safetensors', total, 0, { bar: true, log: (l) => lines.push(l), stream });
  await new Promise((r) => setTimeout(r, 20));
  p.update(1024 * 1024);
  p.update(total);
  p.stop(true);
  // eslint-disable-next-line no-control-regex
  const plain = text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  assert.match(plain, /org\/m\/model\.safetensors \|.*\| 3\.0 MiB\/3\.0 MiB \| [\d.]+ (KiB|MiB|GiB)\/s \| ETA /);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^downloaded org\/m\/model\.safetensors: 3\.0 MiB in [\d.]+ s \([\d.]+ (KiB|MiB|GiB)\/s\)$/);
});

test('no bar off a terminal, no line for a small file unless resumed', () => {
  const { stream, text } = fakeStream(false);
  const lines: string[] = [];
  const small = createDownloadProgress('org/m/config.json', 300, 0, { bar: true, log: (l) => lines.push(l), stream });
  small.update(300);
  small.stop(true);
  const resumed = createDownloadProgress('org/m/vocab.txt', 300, 100, { bar: true, log: (l) => lines.push(l), stream });
  resumed.update(300);
  resumed.stop(true);
  assert.is(text(), '');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /org\/m\/vocab\.txt: 300 B .*resumed at 100 B/);
  assert.is(formatBytes(1536), '1.5 KiB');
  assert.is(formatBytes(440 * 1024 * 1024), '440 MiB');
});

test.run();
