"""Tiny BERT, ViT and CLIP-vision checkpoints (HF names) and their PyTorch forward/backward
-> test/fixtures/encoders/ (model directories) and test/fixtures/encoders.shfx (inputs, outputs,
every gradient).

Run with Debian's PyTorch:  /usr/bin/python3 tools/reference/make_encoder_fixtures.py
References are computed in float64 from the float32 (or F16/BF16-rounded) weights.
"""
import json
import os

import torch

from encoder_modules import BertRef, ClipRef, ViTRef
from fixture_io import write_fixture
from safetensors_io import write_safetensors

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures")
DIRS = os.path.join(ROOT, "encoders")

BERT = dict(model_type="bert", vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=32, max_position_embeddings=20, type_vocab_size=2, layer_norm_eps=1e-12,
            hidden_act="gelu", initializer_range=0.02, pad_token_id=0)
VIT = dict(model_type="vit", image_size=16, patch_size=4, num_channels=3, hidden_size=16, num_hidden_layers=2,
           num_attention_heads=2, intermediate_size=32, layer_norm_eps=1e-12, hidden_act="gelu", qkv_bias=True)
CLIP_VISION = dict(image_size=16, patch_size=8, num_channels=3, hidden_size=16, num_hidden_layers=2,
                   num_attention_heads=2, intermediate_size=24, layer_norm_eps=1e-5, hidden_act="quick_gelu")


def randomise(model, scale=0.3):
    """Non-trivial weights: N(0, scale²), LayerNorm weights near 1."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ("LayerNorm" in name or "layernorm" in name or "layer_norm" in name or "layrnorm" in name) and name.endswith("weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(scale * torch.randn_like(p))


def save_dir(name, config, tensors, dtype=torch.float32, prefix="", extra=None, shards=1):
    d = os.path.join(DIRS, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    out = {prefix + k: v.to(dtype) for k, v in tensors.items()}
    out.update(extra or {})
    if shards == 1:
        write_safetensors(os.path.join(d, "model.safetensors"), out)
        return
    names = list(out)
    weight_map = {}
    for s in range(shards):
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: out[n] for n in names[s::shards]}
        write_safetensors(os.path.join(d, file), part)
        weight_map.update({n: file for n in part})
    total = sum(t.numel() * t.element_size() for t in out.values())
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def rounded(model, dtype):
    """A float64 copy of model whose weights went through dtype (what a F16/BF16 file holds)."""
    import copy
    m = copy.deepcopy(model).double()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.to(dtype).to(torch.float64))
    return m


def grads_of(model, prefix, fx):
    for name, p in model.named_parameters():
        fx[f"{prefix}.grad.{name}"] = p.grad.float()


def bert_case(fx):
    model = BertRef(BERT)
    randomise(model)
    b, t = 3, 7
    ids = torch.randint(1, BERT["vocab_size"], (b, t))
    mask = torch.ones(b, t, dtype=torch.int64)
    mask[1, 4:] = 0
    mask[2, 2:] = 0
    ids[mask == 0] = 0
    types = torch.zeros(b, t, dtype=torch.int64)
    types[0, 4:] = 1
    types[1, 2:4] = 1
    state = {k: v.clone() for k, v in model.state_dict().items()}
    save_dir("bert", BERT, state)
    m64 = model.double()
    embeds = m64.embeddings.word_embeddings(ids).detach().requires_grad_(True)
    last, pooled = m64(ids, mask, types, inputs_embeds=embeds)
    dlast, dpooled = torch.randn_like(last), torch.randn_like(pooled)
    ((last * dlast).sum() + (pooled * dpooled).sum()).backward()
    # inputs_embeds bypasses word_embeddings: its weight gradient is the scatter of embeds.grad
    word_grad = torch.zeros_like(m64.embeddings.word_embeddings.weight).index_add_(0, ids.flatten(), embeds.grad.reshape(-1, BERT["hidden_size"]))
    m64.embeddings.word_embeddings.weight.grad = word_grad
    fx.update({"bert.input_ids": ids.int(), "bert.attention_mask": mask.int(), "bert.token_type_ids": types.int(),
               "bert.last": last.float(), "bert.pooled": pooled.float(), "bert.dlast": dlast.float(),
               "bert.dpooled": dpooled.float(), "bert.dinputs_embeds": embeds.grad.float()})
    grads_of(m64, "bert", fx)
    # BF16 weights, "bert." prefix, a pretraining head and the position_ids buffer
    extra = {"cls.predictions.bias": torch.randn(BERT["vocab_size"]),
             "bert.embeddings.position_ids": torch.arange(BERT["max_position_embeddings"])[None]}
    save_dir("bert-bf16", BERT, state, dtype=torch.bfloat16, prefix="bert.", extra=extra)
    with torch.no_grad():
        last16, _ = rounded(model, torch.bfloat16)(ids, mask, types)
    fx["bert_bf16.last"] = last16.float()


def vit_case(fx):
    model = ViTRef(VIT)
    randomise(model)
    save_dir("vit-sharded", VIT, {k: v.clone() for k, v in model.state_dict().items()}, prefix="vit.", shards=2)
    m64 = model.double()
    pixels = torch.randn(2, 3, VIT["image_size"], VIT["image_size"], dtype=torch.float64, requires_grad=True)
    last, pooled = m64(pixels)
    dlast, dpooled = torch.randn_like(last), torch.randn_like(pooled)
    ((last * dlast).sum() + (pooled * dpooled).sum()).backward()
    fx.update({"vit.pixels": pixels.float(), "vit.last": last.float(), "vit.pooled": pooled.float(),
               "vit.dlast": dlast.float(), "vit.dpooled": dpooled.float(), "vit.dpixels": pixels.grad.float()})
    grads_of(m64, "vit", fx)


def clip_case(fx):
    model = ClipRef(CLIP_VISION)
    randomise(model)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    config = {"model_type": "clip", "vision_config": CLIP_VISION, "text_config": {"hidden_size": 8}}
    extra = {"text_model.embeddings.token_embedding.weight": torch.randn(10, 8), "logit_scale": torch.tensor(2.6592)}
    save_dir("clip-f16", config, state, dtype=torch.float16, prefix="vision_model.", extra=extra)
    m64 = rounded(model, torch.float16)
    pixels = torch.randn(2, 3, CLIP_VISION["image_size"], CLIP_VISION["image_size"], dtype=torch.float64, requires_grad=True)
    last, pooled = m64(pixels)
    dlast, dpooled = torch.randn_like(last), torch.randn_like(pooled)
    ((last * dlast).sum() + (pooled * dpooled).sum()).backward()
    fx.update({"clip.pixels": pixels.float(), "clip.last": last.float(), "clip.pooled": pooled.float(),
               "clip.dlast": dlast.float(), "clip.dpooled": dpooled.float(), "clip.dpixels": pixels.grad.float()})
    grads_of(m64, "clip", fx)


def main():
    torch.manual_seed(0)
    fx = {}
    bert_case(fx)
    vit_case(fx)
    clip_case(fx)
    out = os.path.join(ROOT, "encoders.shfx")
    write_fixture(out, fx)
    print(f"wrote {len(fx)} tensors to {os.path.relpath(out)} and model directories under {os.path.relpath(DIRS)} "
          f"(torch {torch.__version__})")


if __name__ == "__main__":
    main()
