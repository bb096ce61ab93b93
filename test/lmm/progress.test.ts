// The progress bar draws count, rate, ETA and the done/cached/failed split to the stream it is
// given (stderr in the CLI), and only when that stream is a terminal.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { lmm } from '../../lib/index.js';

const test = suite('progress bar');

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 200, write: (s: string) => chunks.push(String(s)) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

test('shows count, rate, ETA and outcomes on a terminal', () => {
  const { stream, text } = fakeStream(true);
  const bar = lmm.createProgressBar(10, stream);
  bar.update({ id: 'a', outcome: 'done', done: 2, cached: 3, failed: 1, total: 10 });
  bar.stop();
  // eslint-disable-next-line no-control-regex
  const plain = text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  assert.match(plain, /contexts \|.*\| 6\/10 \| \d+\.\d\d\/s \| ETA \S+ \| done 2 cached 3 failed 1/);
});

test('draws nothing when the stream is not a terminal', () => {
  const { stream, text } = fakeStream(false);
  const bar = lmm.createProgressBar(3, stream);
  bar.update({ id: 'a', outcome: 'cached', done: 0, cached: 1, failed: 0, total: 3 });
  bar.stop();
  assert.is(text(), '');
});

test.run();
