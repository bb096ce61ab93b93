"""PyTorch references for the Shap-CA model's own layers -> test/fixtures/model.shfx.

Run with Debian's PyTorch:  /usr/bin/python3 tools/reference/make_model_fixtures.py
The fusion layer is written here from its description (docs/ARCHITECTURE.md, "Fusion") with torch modules, independently of the
native kernels; parameter names match lib/model/fusion.ts.
"""
import math
import os

import torch

from fixture_io import write_fixture

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "model.shfx")


class FusionRef(torch.nn.Module):
    def __init__(self, hidden, image_hidden, heads, eps=1e-12):
        super().__init__()
        self.heads = heads
        self.proj = torch.nn.Linear(image_hidden, hidden)
        self.q = torch.nn.Linear(hidden, hidden)
        self.k = torch.nn.Linear(hidden, hidden)
        self.v = torch.nn.Linear(hidden, hidden)
        self.o = torch.nn.Linear(hidden, hidden)
        self.gate = torch.nn.Linear(2 * hidden, hidden)
        self.ln = torch.nn.LayerNorm(hidden, eps=eps)

    def forward(self, h, image, has_image):
        b, t, c = h.shape
        p = image.shape[1]
        hs = c // self.heads
        vp = self.proj(image)
        q = self.q(h).view(b, t, self.heads, hs).transpose(1, 2)
        k = self.k(vp).view(b, p, self.heads, hs).transpose(1, 2)
        v = self.v(vp).view(b, p, self.heads, hs).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hs), dim=-1)
        a = self.o((att @ v).transpose(1, 2).reshape(b, t, c))
        g = torch.sigmoid(self.gate(torch.cat([h, a], dim=-1)))
        fused = self.ln(h + g * a)
        keep = has_image.view(b, 1, 1).to(h.dtype)
        return keep * fused + (1 - keep) * h


def fusion_case(t):
    B, T, P, C, DV, NH = 3, 5, 4, 8, 6, 2
    m = FusionRef(C, DV, NH)
    with torch.no_grad():
        m.ln.weight.copy_(1 + 0.1 * torch.randn(C))
        m.ln.bias.copy_(0.1 * torch.randn(C))
        m.gate.bias.copy_(0.5 * torch.randn(C))
    h = torch.randn(B, T, C, requires_grad=True)
    image = torch.randn(B, P, DV, requires_grad=True)
    has_image = torch.tensor([1, 0, 1], dtype=torch.uint8)
    out = m(h, image, has_image)
    probe = torch.randn_like(out)
    (out * probe).sum().backward()
    t.update({"fusion.h": h, "fusion.image": image, "fusion.has_image": has_image, "fusion.out": out,
              "fusion.probe": probe, "fusion.dh": h.grad, "fusion.dimage": image.grad})
    for name, param in m.named_parameters():
        t[f"fusion.param.{name}"] = param
        t[f"fusion.grad.{name}"] = param.grad


def main():
    torch.manual_seed(0)
    t = {}
    fusion_case(t)
    write_fixture(OUT, t)
    print(f"wrote {len(t)} tensors to {os.path.relpath(OUT)} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
