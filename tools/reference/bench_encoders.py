"""PyTorch CPU peer of bench/encoders.ts: the same model (weights from the safetensors file the
benchmark wrote), the same inputs (same formulas), the same thread count; prints one JSON line
with the median time and samples of the output (and of a gradient) for validation.

usage: bench_encoders.py {bert|vit} DIR MODE THREADS REPS BATCH SEQ_OR_SIZE
MODE: fwd (no_grad), fwdq (no_grad, every nn.Linear dynamically quantised to qint8 by
torch.ao.quantization.quantize_dynamic) or fwdbwd (forward, then backward of sum(out * dout)).
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from encoder_modules import BertRef, ClipRef, ViTRef  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402


def hashed(n, salt=0):
    i = np.arange(n, dtype=np.uint64) + np.uint64(salt)
    return torch.from_numpy(((i * np.uint64(2654435761)) % np.uint64(2 ** 32) / 2 ** 32 - 0.5).astype(np.float32))


def bert_inputs(batch, seq, vocab):
    b = np.arange(batch)[:, None]
    t = np.arange(seq)[None, :]
    ids = torch.from_numpy(((b * 131 + t * 31 + 7) % vocab).astype(np.int64))
    lengths = seq - (b % 8) * (seq // 16)
    mask = torch.from_numpy((t < lengths).astype(np.int64))
    types = torch.from_numpy((t >= seq // 2).astype(np.int64))
    return ids, mask, types


def main():
    kind, d, mode, threads, reps, batch, n = sys.argv[1:8]
    threads, reps, batch, n = int(threads), int(reps), int(batch), int(n)
    torch.set_num_threads(threads)
    config = json.load(open(os.path.join(d, "config.json")))
    state = read_safetensors(os.path.join(d, "model.safetensors"))
    if kind == "bert":
        model = BertRef(config, pooler=False)
        ids, mask, types = bert_inputs(batch, n, config["vocab_size"])
        run = lambda: model(ids, mask, types)[0]  # noqa: E731
    else:
        clip = config["model_type"] == "clip_vision_model"
        model = ClipRef(config) if clip else ViTRef(config, pooler=False)
        if clip:
            state = {k[len("vision_model."):]: v for k, v in state.items()}
        pixels = hashed(batch * 3 * n * n).reshape(batch, 3, n, n)
        run = lambda: model(pixels)[0]  # noqa: E731
    model.load_state_dict(state, strict=True)
    model.eval()
    if mode == "fwdq":
        torch.backends.quantized.engine = "fbgemm" if "fbgemm" in torch.backends.quantized.supported_engines else "qnnpack"
        torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    out_shape = None
    with torch.no_grad():
        out = run()
        out_shape = out.shape
    dout = hashed(out.numel(), 12345).reshape(out_shape) * 0.01
    grad_name = {"bert": "encoder.layer.0.attention.self.query.weight"}.get(kind, "encoder.layer.0.attention.attention.query.weight")

    def step():
        if mode in ("fwd", "fwdq"):
            with torch.no_grad():
                return run()
        for p in model.parameters():
            p.grad = None
        o = run()
        (o * dout).sum().backward()
        return o

    for _ in range(2):
        o = step()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        o = step()
        times.append((time.perf_counter() - t0) * 1000)
    res = {"ms": statistics.median(times), "threads": torch.get_num_threads(), "sample": o.flatten()[:256].tolist()}
    if mode == "fwdbwd":
        res["grad_name"] = grad_name
        res["grad_sample"] = dict(model.named_parameters())[grad_name].grad.flatten()[:256].tolist()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
