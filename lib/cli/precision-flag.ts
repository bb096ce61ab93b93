// --precision, shared by extract, eval and explain: the encoders' inference precision. Resolved
// once per command; a fallback to fp32 is said once, on stderr.
import { type Command, Option } from 'commander';

import { availablePrecisions, PRECISIONS, precisionFallbackMessage, type Precision } from '../precision.js';

export const PRECISION_HELP = `
Precision (--precision): fp32 (the default) runs the encoders' linear layers in float32. bf16
rounds their weights and inputs to bfloat16 and sums in float32 (AVX-512 BF16); int8 quantises the
weights per output channel and the inputs per token and sums in int32 (AVX-512 VNNI). Softmax,
LayerNorm, GELU, fusion and the task heads stay float32. A CPU without the instructions runs fp32,
saying so once on stderr (\`shapca info\` lists the precisions this CPU has). The README gives the
measured agreement with fp32.
`;

export function addPrecisionFlag(cmd: Command): Command {
  return cmd.addOption(new Option('--precision <precision>', 'inference precision of the encoders: fp32, bf16 or int8')
    .choices([...PRECISIONS]).default('fp32'));
}

/** The precision a --precision value runs at; prints why when it falls back to fp32. */
export function precisionOf(requested: Precision): Precision {
  if (requested === 'fp32' || availablePrecisions().includes(requested)) return requested;
  process.stderr.write(`shapca: ${precisionFallbackMessage(requested)}\n`);
  return 'fp32';
}
