"""PyTorch peer of `npm run bench -- shapley` (bench/shapley.ts), same estimator, vectorised:
cumulative sums over permuted rows for the permutation estimate with autograd for backward, and
a 0/1 coalition matrix times the per-player sums for exact values.

    /usr/bin/python3 tools/reference/shapley_bench.py < lines

Line protocol (so the bench can run the peer right before ours, case by case): the first stdin
line is {"threads", "reps"}, then one case per line; each case is answered by one stdout line.
A case is {"kind": "loss", "k", "d", "m", "seed", "utility", "reuse"} (forward + backward of one
Shap-CA direction, float32; reuse: gradients zeroed in place instead of reallocated) or {"kind": "exact", "k", "n", "d", "utility"}. Prints one JSON line per case:
{"ms": median, "value": loss or null, "sample": [a few results for validation]}. Inputs follow the
bench's fill formula, permutations the native Philox draws (shapley_ref.permutations).
"""
import json
import sys
import time

import numpy as np
import torch

from shapley_ref import exact_tensor_enumeration, permutations, shapca_loss, similarities


def fill(n, salt):
    """x[i] = ((i + salt)·2654435761 mod 2^32)/2^32 − 0.5, as bench/shapley.ts."""
    i = np.arange(n, dtype=np.uint64) + np.uint64(salt)
    return torch.from_numpy(((i * np.uint64(2654435761)) % np.uint64(1 << 32)).astype(np.float64) / 2**32 - 0.5).float()


def median_ms(fn, reps, warmup=2, warmup_ms=100, timed_ms=200):
    """As bench/harness.ts timeMedian: warm up for `warmup` calls and at least warmup_ms, then
    time `reps` calls and at least timed_ms."""
    start = time.perf_counter()
    i = 0
    while i < warmup or (time.perf_counter() - start) * 1e3 < warmup_ms:
        fn()
        i += 1
    times = []
    t1 = time.perf_counter()
    while len(times) < reps or (time.perf_counter() - t1) * 1e3 < timed_ms:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return sorted(times)[len(times) // 2]


def loss_case(c, reps):
    k, d = c["k"], c["d"]
    p = fill(k * d, 1).reshape(k, d).requires_grad_(True)
    t = fill(k * d, 2).reshape(k, d).requires_grad_(True)
    perms = permutations(k, c["m"], True, c["seed"])
    out = {}

    def step():
        if c.get("reuse") and p.grad is not None:  # zero the gradient buffers in place, as a training loop would
            p.grad.zero_()
            t.grad.zero_()
        else:
            p.grad, t.grad = None, None
        loss, _ = shapca_loss(p, t, perms, c["utility"], 0.1, 0.07)
        loss.backward()
        out["loss"] = loss.item()

    ms = median_ms(step, reps)
    sample = p.grad.flatten()[:: max(1, k * d // 16)][:16].tolist()
    return {"ms": ms, "value": out["loss"], "sample": sample}


def exact_case(c, reps):
    k, n, d = c["k"], c["n"], c["d"]
    p, t = fill(k * d, 1).reshape(k, d), fill(n * d, 2).reshape(n, d)
    out = {}

    def step():
        with torch.no_grad():
            s, g = similarities(p, t, gram=c["utility"] == "cosine-sum")
            out["phi"] = exact_tensor_enumeration(s, g, c["utility"], 0.1)

    ms = median_ms(step, reps)
    return {"ms": ms, "value": None, "sample": out["phi"].flatten()[:: max(1, n * k // 16)][:16].tolist()}


def main():
    cfg = json.loads(sys.stdin.readline())
    torch.set_num_threads(cfg["threads"])
    for line in sys.stdin:
        c = json.loads(line)
        r = loss_case(c, cfg["reps"]) if c["kind"] == "loss" else exact_case(c, cfg["reps"])
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
