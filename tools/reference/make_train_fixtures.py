"""PyTorch reference for the training optimizer -> test/fixtures/train.shfx.

Run with Debian's PyTorch:  /usr/bin/python3 tools/reference/make_train_fixtures.py

Two flat parameter groups, as lib/train sees them: "encoder" (pretrained, lr 2e-3) and "head"
(new layers, lr 1e-2), each with no-weight-decay ranges (biases, LayerNorm). PyTorch has no
ranges inside a tensor, so each range becomes its own nn.Parameter in a torch param group with
the group's lr and weight_decay 0.01 or 0. Six steps with fixed gradients of varying size (some
clipped, some not) through clip_grad_norm_ over all parameters, torch.optim.AdamW and LambdaLR
with transformers' get_linear_schedule_with_warmup lambda (written out: transformers is not a
dependency). Stored per step: gradients, the pre-clip total norm, each group's lr and the flat
parameters after the step.
"""
import os

import torch

from fixture_io import write_fixture

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "train.shfx")

STEPS = 6
WARMUP = 2
MAX_GRAD_NORM = 1.0
WEIGHT_DECAY = 0.01
GROUPS = {
    # name: (size, lr, no-decay ranges as (offset, length))
    "encoder": (40, 2e-3, [(10, 5), (35, 5)]),
    "head": (23, 1e-2, [(0, 3), (20, 3)]),
}
# Gradient scale per step: small ones leave the norm under MAX_GRAD_NORM, large ones are clipped.
GRAD_SCALE = [0.05, 1.0, 0.02, 3.0, 0.1, 0.5]


def linear_schedule_with_warmup(warmup, total):
    # transformers.get_linear_schedule_with_warmup's lr_lambda
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    return f


def segments(size, no_decay):
    """[(begin, end, decays)] covering [0, size) in order."""
    out, at = [], 0
    for off, length in sorted(no_decay):
        if off > at:
            out.append((at, off, True))
        out.append((off, off + length, False))
        at = off + length
    if at < size:
        out.append((at, size, True))
    return out


def main():
    torch.manual_seed(0)
    t = {"schedule.warmup": torch.tensor([WARMUP], dtype=torch.int32),
         "schedule.total": torch.tensor([STEPS], dtype=torch.int32),
         "clip.max_norm": torch.tensor([MAX_GRAD_NORM], dtype=torch.float64),
         "adamw.weight_decay": torch.tensor([WEIGHT_DECAY], dtype=torch.float64)}
    flat = {}
    pieces = {}  # name -> [(begin, end, Parameter)]
    torch_groups = []
    first_group = {}  # name -> index of its first torch param group (all share the group's lr)
    for name, (size, lr, no_decay) in GROUPS.items():
        p0 = torch.randn(size)
        flat[name] = p0
        t[f"{name}.p0"] = p0.clone()
        t[f"{name}.lr"] = torch.tensor([lr], dtype=torch.float64)
        t[f"{name}.no_decay"] = torch.tensor(no_decay, dtype=torch.int32)
        pieces[name] = []
        first_group[name] = len(torch_groups)
        for b, e, decays in segments(size, no_decay):
            p = torch.nn.Parameter(p0[b:e].clone())
            pieces[name].append((b, e, p))
            torch_groups.append({"params": [p], "lr": lr, "weight_decay": WEIGHT_DECAY if decays else 0.0})
    opt = torch.optim.AdamW(torch_groups, betas=(0.9, 0.999), eps=1e-8)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, linear_schedule_with_warmup(WARMUP, STEPS))
    every = [p for name in GROUPS for (_, _, p) in pieces[name]]
    for step in range(1, STEPS + 1):
        for name, (size, lr, _) in GROUPS.items():
            g = torch.randn(size) * GRAD_SCALE[step - 1]
            t[f"{name}.g{step}"] = g
            for b, e, p in pieces[name]:
                p.grad = g[b:e].clone()
            # the lr this step uses (LambdaLR sets it before the step, from the count of steps done)
            t[f"{name}.lr{step}"] = torch.tensor([opt.param_groups[first_group[name]]["lr"]], dtype=torch.float64)
        norm = torch.nn.utils.clip_grad_norm_(every, MAX_GRAD_NORM)
        t[f"norm{step}"] = norm.double().reshape(1)
        opt.step()
        sched.step()
        for name in GROUPS:
            t[f"{name}.p{step}"] = torch.cat([p.detach() for (_, _, p) in pieces[name]])
    write_fixture(OUT, t)
    print(f"wrote {len(t)} tensors to {os.path.relpath(OUT)} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
