// --device, shared by train, eval, demo, extract and explain: where the encoders run. Resolved
// once per command; a fallback from 'cuda' to the CPU is said once, on stderr.
import { type Command, Option } from 'commander';

import { DEVICE_REQUESTS, fallbackMessage, resolveDevice, type Device, type DeviceRequest } from '../device.js';

export const DEVICE_HELP = `
Device (--device): cpu (the default) runs everything on the CPU. cuda runs the encoders (BERT,
ViT/CLIP: forward, backward, AdamW, with parameters, gradients and optimizer state kept on the GPU)
on GPU 0 and the task heads, fusion and alignment on the CPU; it needs the CUDA build of the addon
(npm run build:cuda) and a GPU with its driver, and without them runs on the CPU, saying why once
on stderr (\`shapca info\` shows what the CUDA probe found). auto uses the GPU when there is one,
silently.
`;

export function addDeviceFlag(cmd: Command): Command {
  return cmd
    .addOption(new Option('--device <device>', 'where the encoders run: cpu, cuda (GPU; the CPU when none is usable) or auto')
      .choices([...DEVICE_REQUESTS]).default('cpu'));
}

/** The device a --device value runs on; prints the reason of a fallback from 'cuda' to stderr. */
export function deviceOf(requested: DeviceRequest): Device {
  const choice = resolveDevice(requested);
  if (choice.fallbackReason !== undefined) process.stderr.write(`shapca: ${fallbackMessage(choice.fallbackReason)}\n`);
  return choice.device;
}
