// The flags that bound what comes from outside, shared by `extract` and `context`: image files,
// input lines, the multimodal server's bodies and waits, and where image paths may lead.
import type { Command } from 'commander';

import { DEFAULT_MAX_RESPONSE_BYTES } from '../lmm/guarded-fetch.js';
import type { RetryOptions } from '../lmm/retry.js';
import { DEFAULT_MAX_LINE_BYTES } from '../util/bounded-lines.js';
import { DEFAULT_MAX_IMAGE_BYTES } from '../util/bounded-read.js';
import { positiveInt, positiveNumber } from './parse.js';

export interface LimitFlags {
  maxImageBytes: number;
  imagesOnly?: boolean;
  maxLineBytes?: number;
  maxResponseBytes: number;
  maxWait: number;
  maxTotalWait: number;
}

export const LIMITS_HELP = `
Limits (everything from outside is bounded; one bad record or server costs that record an error):
  --max-image-bytes   an image must be a regular file (not a FIFO or a device) of at most this many
                      bytes (default ${DEFAULT_MAX_IMAGE_BYTES}).
  --images-only       read only images whose real path (symlinks followed) is inside --images. Off by
                      default: records you wrote yourself often name images anywhere; turn it on for
                      records from someone else, whose paths could point at any file you can read
                      (and, with contexts generated, send it to the model server).
  --max-response-bytes, --max-wait, --max-total-wait
                      a model server's answer is read up to this many bytes (default ${DEFAULT_MAX_RESPONSE_BYTES}),
                      within --timeout; a Retry-After is waited at most --max-wait seconds (default 60),
                      all the waits of one request at most --max-total-wait seconds (default 300). A wait
                      is shown on the progress line. Redirects to another origin are refused.
`;

/** Adds the limit flags; `lines` also adds --max-line-bytes (commands that read JSONL/text posts). */
export function addLimitFlags(cmd: Command, o: { lines?: boolean } = {}): Command {
  cmd
    .option('--max-image-bytes <n>', 'largest image file read', positiveInt('--max-image-bytes'), DEFAULT_MAX_IMAGE_BYTES)
    .option('--images-only', 'read only images inside --images (symlinks followed)')
    .option('--max-response-bytes <n>', 'largest model-server answer read', positiveInt('--max-response-bytes'), DEFAULT_MAX_RESPONSE_BYTES)
    .option('--max-wait <seconds>', 'longest single back-off wait (Retry-After included)', positiveNumber('--max-wait'), 60)
    .option('--max-total-wait <seconds>', 'longest total of back-off waits for one request', positiveNumber('--max-total-wait'), 300);
  if (o.lines) cmd.option('--max-line-bytes <n>', `longest input line; a longer one is that record's error (default ${DEFAULT_MAX_LINE_BYTES})`, positiveInt('--max-line-bytes'));
  return cmd;
}

/** The retry bounds the flags give. */
export function retryLimits(f: LimitFlags): Pick<RetryOptions, 'maxDelayMs' | 'maxTotalWaitMs'> {
  return { maxDelayMs: f.maxWait * 1000, maxTotalWaitMs: f.maxTotalWait * 1000 };
}
