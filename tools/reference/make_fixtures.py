"""PyTorch references for the native kernels -> test/fixtures/kernels.shfx.

Run with Debian's PyTorch:  /usr/bin/python3 tools/reference/make_fixtures.py
Every value comes from torch ops and autograd, independent of the C++ code.
"""
import os

import torch

from fixture_io import write_fixture

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "kernels.shfx")


def gemm_cases(t):
    m, n, k = 37, 29, 41
    for ta in (False, True):
        for tb in (False, True):
            name = f"gemm_{'t' if ta else 'n'}{'t' if tb else 'n'}"
            a = torch.randn(k, m) if ta else torch.randn(m, k)
            b = torch.randn(n, k) if tb else torch.randn(k, n)
            c0 = torch.randn(m, n)
            bias = torch.randn(n)
            opa = a.t() if ta else a
            opb = b.t() if tb else b
            c = 0.5 * (opa.double() @ opb.double()) + 1.0 * c0.double() + bias.double()
            t.update({f"{name}.a": a, f"{name}.b": b, f"{name}.c0": c0, f"{name}.bias": bias,
                      f"{name}.c": c.float()})


def linear_case(t):
    inp = torch.randn(13, 24, requires_grad=True)
    lin = torch.nn.Linear(24, 10)
    out = lin(inp)
    dout = torch.randn_like(out)
    out.backward(dout)
    t.update({"linear.inp": inp, "linear.weight": lin.weight, "linear.bias": lin.bias, "linear.out": out,
              "linear.dout": dout, "linear.dinp": inp.grad, "linear.dweight": lin.weight.grad,
              "linear.dbias": lin.bias.grad})


def softmax_case(t):
    rows, cols, scale = 4, 19, 0.7
    x = torch.randn(rows, cols, requires_grad=True)
    mask = (torch.rand(rows, cols) > 0.3).to(torch.uint8)
    mask[0] = 0  # a fully masked row: shapca defines it as zeros (torch gives NaN)
    mask[1] = 1
    logits = (x * scale).masked_fill(mask == 0, float("-inf"))
    y = torch.softmax(logits, dim=-1)
    y = torch.nan_to_num(y, nan=0.0)
    dout = torch.randn(rows, cols)
    y.backward(dout)
    t.update({"softmax.x": x, "softmax.mask": mask, "softmax.scale": torch.tensor([scale]), "softmax.y": y,
              "softmax.dout": dout, "softmax.dx": torch.nan_to_num(x.grad, nan=0.0)})


def layernorm_case(t):
    n, c, eps = 6, 33, 1e-12
    x = (torch.randn(n, c) * 3 + 1).requires_grad_(True)
    ln = torch.nn.LayerNorm(c, eps=eps)
    with torch.no_grad():
        ln.weight.copy_(torch.randn(c))
        ln.bias.copy_(torch.randn(c))
    y = ln(x)
    dout = torch.randn(n, c)
    y.backward(dout)
    mean = x.detach().mean(-1)
    rstd = 1.0 / torch.sqrt(x.detach().var(-1, unbiased=False) + eps)
    t.update({"layernorm.x": x, "layernorm.weight": ln.weight, "layernorm.bias": ln.bias, "layernorm.y": y,
              "layernorm.mean": mean, "layernorm.rstd": rstd, "layernorm.dout": dout, "layernorm.dx": x.grad,
              "layernorm.dweight": ln.weight.grad, "layernorm.dbias": ln.bias.grad})


def gelu_cases(t):
    for kind in ("exact", "quick"):
        x = (torch.randn(257) * 3).requires_grad_(True)
        y = torch.nn.functional.gelu(x) if kind == "exact" else x * torch.sigmoid(1.702 * x)
        dout = torch.randn(257)
        y.backward(dout)
        t.update({f"gelu_{kind}.x": x, f"gelu_{kind}.y": y, f"gelu_{kind}.dout": dout, f"gelu_{kind}.dx": x.grad})


def embedding_case(t):
    emb = torch.nn.Embedding(17, 9)
    ids = torch.tensor([3, 0, 16, 3, 5, 3, 9, 0, 1, 2, 16], dtype=torch.int64)
    y = emb(ids)
    dout = torch.randn_like(y)
    y.backward(dout)
    t.update({"embedding.ids": ids.to(torch.int32), "embedding.table": emb.weight, "embedding.y": y,
              "embedding.dout": dout, "embedding.dtable": emb.weight.grad})


def adamw_case(t):
    p = torch.nn.Parameter(torch.randn(100))
    t["adamw.p0"] = p.detach().clone()
    opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
    for step in range(1, 4):
        g = torch.randn(100)
        p.grad = g.clone()
        opt.step()
        t[f"adamw.g{step}"] = g
        t[f"adamw.p{step}"] = p.detach().clone()


def grad_norm_case(t):
    g = torch.randn(5000) * 0.1
    t["gradnorm.g"] = g
    t["gradnorm.norm"] = torch.linalg.vector_norm(g.double()).reshape(1)


def crf_case(t):
    """Linear-chain CRF: log Z by enumerating every path (independent of the forward algorithm)."""
    import itertools

    B, T, L = 3, 4, 5
    em = torch.randn(B, T, L, requires_grad=True)
    trans = torch.randn(L, L, requires_grad=True)
    start = torch.randn(L, requires_grad=True)
    end = torch.randn(L, requires_grad=True)
    lengths = torch.tensor([4, 3, 1], dtype=torch.int32)
    tags = torch.randint(0, L, (B, T), dtype=torch.int32)

    def score(b, path):
        s = start[path[0]] + end[path[-1]]
        for i, y in enumerate(path):
            s = s + em[b, i, y]
        for i in range(1, len(path)):
            s = s + trans[path[i - 1], path[i]]
        return s

    nll = []
    best = torch.full((B, T), -1, dtype=torch.int32)
    for b in range(B):
        n = int(lengths[b])
        scores = [score(b, p) for p in itertools.product(range(L), repeat=n)]
        paths = list(itertools.product(range(L), repeat=n))
        stacked = torch.stack(scores)
        nll.append(torch.logsumexp(stacked, 0) - score(b, [int(y) for y in tags[b, :n]]))
        best[b, :n] = torch.tensor(paths[int(stacked.argmax())], dtype=torch.int32)
    nll = torch.stack(nll)
    dnll = torch.tensor([1.0, 0.5, 2.0])
    (nll * dnll).sum().backward()
    t.update({"crf.emissions": em, "crf.transitions": trans, "crf.start": start, "crf.end": end,
              "crf.lengths": lengths, "crf.tags": tags, "crf.nll": nll, "crf.dnll": dnll, "crf.best": best,
              "crf.demissions": em.grad, "crf.dtransitions": trans.grad, "crf.dstart": start.grad,
              "crf.dend": end.grad})
    crf_marginal_cases(t, score, lengths, L)


def crf_marginal_cases(t, score, lengths, L):
    """Tag posteriors P(y_t = j): softmax over every path's score, summed by the tag at t; again over
    the paths BIO allows with tags O, B-A, I-A, B-B, I-B (no I-X after O or the other type, none first)."""
    import itertools

    names = ["O", "B-A", "I-A", "B-B", "I-B"]
    allowed = torch.tensor([[0 if to.startswith("I-") and (fr == "O" or fr[2:] != to[2:]) else 1 for to in names]
                            for fr in names], dtype=torch.uint8)
    allowed_start = torch.tensor([0 if n.startswith("I-") else 1 for n in names], dtype=torch.uint8)
    allowed_end = torch.ones(L, dtype=torch.uint8)

    def ok(path):
        return bool(allowed_start[path[0]]) and bool(allowed_end[path[-1]]) and all(
            bool(allowed[path[i - 1], path[i]]) for i in range(1, len(path)))

    B, T = lengths.shape[0], int(lengths.max())
    with torch.no_grad():
        for key, constrained in (("crf.marginals", False), ("crf.marginals_bio", True)):
            out = torch.zeros(B, T, L, dtype=torch.float64)
            for b in range(B):
                n = int(lengths[b])
                paths = [p for p in itertools.product(range(L), repeat=n) if not constrained or ok(p)]
                probs = torch.softmax(torch.stack([score(b, p) for p in paths]).double(), 0)
                for p, w in zip(paths, probs):
                    for i, y in enumerate(p):
                        out[b, i, y] += w
            t[key] = out.float()
    t.update({"crf.allowed": allowed, "crf.allowed_start": allowed_start, "crf.allowed_end": allowed_end})


def main():
    torch.manual_seed(0)
    t = {}
    gemm_cases(t)
    linear_case(t)
    softmax_case(t)
    layernorm_case(t)
    gelu_cases(t)
    embedding_case(t)
    adamw_case(t)
    grad_norm_case(t)
    crf_case(t)
    write_fixture(OUT, t)
    print(f"wrote {len(t)} tensors to {os.path.relpath(OUT)} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
