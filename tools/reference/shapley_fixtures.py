"""PyTorch references for Shapley values and Shap-CA -> test/fixtures/shapley.shfx.

Run with Debian's PyTorch:  /usr/bin/python3 tools/reference/shapley_fixtures.py
Values are computed in float64 from the float32 inputs stored beside them; the permutations come
from a Python port of the Philox draws, so the native side can be checked against the same ones.
"""
import os

import torch

from fixture_io import write_fixture
from shapley_ref import (align_loss, exact_tensor_enumeration, infonce_loss, permutations, shapca_loss,
                         shapley_exact, shapley_permutation, similarities)

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "shapley.shfx")
UTILITIES = ("softmax-expectation", "cosine-sum", "mean")
TAU_U = 0.2


def f32(shape):
    return torch.randn(*shape).float()


def exact_cases(t):
    k, n, d = 6, 4, 5
    p, q = f32((k, d)), f32((n, d))
    t.update({"exact.players": p, "exact.targets": q})
    s, g = similarities(p.double(), q.double())
    for u in UTILITIES:
        phi = shapley_exact(s, g, u, TAU_U)
        assert torch.allclose(phi, exact_tensor_enumeration(s, g, u, TAU_U), atol=1e-12)
        t[f"exact.{u}.phi"] = phi.float()


def permutation_cases(t):
    k, n, d, m, seed = 7, 5, 4, 8, 7
    p, q = f32((k, d)), f32((n, d))
    perms = permutations(k, m, True, seed)
    t.update({"perm.players": p, "perm.targets": q, "perm.perms": perms.to(torch.int32),
              "perm.plain": permutations(k, 5, False, seed).to(torch.int32)})
    s, g = similarities(p.double(), q.double())
    for u in UTILITIES:
        phi, se = shapley_permutation(s, g, perms, u, TAU_U, True)
        t[f"perm.{u}.phi"], t[f"perm.{u}.stderr"] = phi.float(), se.float()


def loss_cases(t):
    k, d, m, seed, temp = 6, 5, 8, 11, 0.07
    p, q = f32((k, d)), f32((k, d))
    perms = permutations(k, m, True, seed)
    t.update({"loss.players": p, "loss.targets": q, "loss.perms": perms.to(torch.int32)})
    for u in UTILITIES:
        pp, qq = p.double().requires_grad_(True), q.double().requires_grad_(True)
        loss, phi = shapca_loss(pp, qq, perms, u, TAU_U, temp)
        loss.backward()
        t.update({f"loss.{u}.loss": loss.detach().reshape(1), f"loss.{u}.phi": phi.float(),
                  f"loss.{u}.dplayers": pp.grad.float(), f"loss.{u}.dtargets": qq.grad.float()})
    pp, qq = p.double().requires_grad_(True), q.double().requires_grad_(True)
    loss = infonce_loss(pp, qq, temp)
    loss.backward()
    t.update({"infonce.loss": loss.detach().reshape(1), "infonce.dplayers": pp.grad.float(),
              "infonce.dtargets": qq.grad.float()})


def align_case(t):
    k, d, m, seed = 6, 5, 4, 3
    text, ctx, img = f32((k, d)), f32((k, d)), f32((k, d))
    mask = torch.tensor([1, 0, 1, 1, 0, 1], dtype=torch.uint8)
    tt, cc, ii = (x.double().requires_grad_(True) for x in (text, ctx, img))
    loss, terms = align_loss(tt, cc, ii, mask, permutations(k, m, True, seed), permutations(4, m, True, seed),
                             lambda_ct=0.7, lambda_ci=0.3, utility="softmax-expectation", tau_u=TAU_U, temperature=0.1)
    loss.backward()
    t.update({"align.text": text, "align.context": ctx, "align.image": img, "align.mask": mask,
              "align.loss": loss.detach().reshape(1), "align.terms": terms.detach(), "align.dtext": tt.grad.float(),
              "align.dcontext": cc.grad.float(), "align.dimage": ii.grad.float()})


def main():
    torch.manual_seed(3)
    t = {}
    exact_cases(t)
    permutation_cases(t)
    loss_cases(t)
    align_case(t)
    write_fixture(OUT, t)
    print(f"wrote {len(t)} tensors to {os.path.relpath(OUT)} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
