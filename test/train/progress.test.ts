// The progress bar: drawn with loss and samples/s on a terminal, silent elsewhere or when disabled.
import { Writable } from 'node:stream';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { createTrainProgress } from '../../lib/train/progress.js';

/** A stream that records what is written, posing as a terminal or not. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  Object.assign(w, { isTTY, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => text };
}

const test = suite('train: progress bar');

test('on a terminal: steps, epoch, smoothed loss and samples/s', () => {
  const { stream, text } = fakeStream(true);
  const bar = createTrainProgress(10, 0, 2, true, stream);
  bar.step(1, 0, 2.5, 100);
  bar.step(6, 1, 1.5, 120);
  bar.stop();
  bar.stop();
  const out = text();
  assert.match(out, /train \|/);
  assert.match(out, /6\/10 \| epoch 2\/2 \| loss 2\.4000 \| 102\.0 samples\/s/);
});

test('silent when not a terminal or disabled', () => {
  for (const [tty, enabled] of [[false, true], [true, false]] as const) {
    const { stream, text } = fakeStream(tty);
    const bar = createTrainProgress(10, 0, 2, enabled, stream);
    bar.step(1, 0, 2.5, 100);
    bar.status('evaluating dev');
    bar.stop();
    assert.is(text(), '', `tty ${tty}, enabled ${enabled}`);
  }
});

test.run();
