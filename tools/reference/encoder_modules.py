"""Plain-PyTorch reference encoders whose state_dict keys are exactly HF's.

BertRef   == transformers.BertModel           (post-LN, exact GELU, extended attention mask, tanh pooler)
ViTRef    == transformers.ViTModel            (pre-LN, exact GELU, final layernorm, tanh pooler)
ClipRef   == transformers.CLIPVisionModel's vision_model (pre_layrnorm, quick GELU, post_layernorm on CLS)

Written from the architecture descriptions, independent of the C++ code (and of `transformers`,
which is not installed here).
"""
import math

import torch
from torch import nn


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class SelfAttention(nn.Module):
    """Multi-head self-attention with HF's additive key mask; q/k/v/out names given by the caller."""

    def __init__(self, hidden, heads, names):
        super().__init__()
        self.heads = heads
        self.names = names
        for n in names[:3]:
            setattr(self, n, nn.Linear(hidden, hidden))

    def forward(self, x, mask):
        b, t, c = x.shape
        hs = c // self.heads
        q, k, v = (getattr(self, n)(x).view(b, t, self.heads, hs).transpose(1, 2) for n in self.names[:3])
        scores = q @ k.transpose(-1, -2) / math.sqrt(hs)
        if mask is not None:  # (B, T) with 1 = keep: HF adds finfo.min to padded keys
            scores = scores + (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        att = torch.softmax(scores, dim=-1)
        return (att @ v).transpose(1, 2).reshape(b, t, c)


# ---------------------------------------------------------------- BERT
class BertSelfOutput(nn.Module):
    def __init__(self, hidden, eps):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)


class BertAttention(nn.Module):
    def __init__(self, hidden, heads, eps):
        super().__init__()
        self.self = SelfAttention(hidden, heads, ("query", "key", "value"))
        self.output = BertSelfOutput(hidden, eps)


class Dense(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.dense = nn.Linear(i, o)


class BertOutputBlock(nn.Module):
    def __init__(self, inter, hidden, eps):
        super().__init__()
        self.dense = nn.Linear(inter, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c["hidden_size"], c["num_attention_heads"], c["layer_norm_eps"])
        self.intermediate = Dense(c["hidden_size"], c["intermediate_size"])
        self.output = BertOutputBlock(c["intermediate_size"], c["hidden_size"], c["layer_norm_eps"])

    def forward(self, x, mask):
        a = self.attention.self(x, mask)
        h = self.attention.output.LayerNorm(self.attention.output.dense(a) + x)
        f = nn.functional.gelu(self.intermediate.dense(h))
        return self.output.LayerNorm(self.output.dense(f) + h)


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], h)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=c["layer_norm_eps"])


class Encoder(nn.Module):
    def __init__(self, layers, attr):
        super().__init__()
        setattr(self, attr, nn.ModuleList(layers))
        self.attr = attr

    def forward(self, x, mask):
        for layer in getattr(self, self.attr):
            x = layer(x, mask)
        return x


class BertRef(nn.Module):
    def __init__(self, c, pooler=True):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = Encoder([BertLayer(c) for _ in range(c["num_hidden_layers"])], "layer")
        if pooler:
            self.pooler = Dense(c["hidden_size"], c["hidden_size"])

    def forward(self, input_ids, attention_mask, token_type_ids, inputs_embeds=None):
        e = self.embeddings
        t = input_ids.shape[1]
        if inputs_embeds is None:
            inputs_embeds = e.word_embeddings(input_ids)
        pos = e.position_embeddings(torch.arange(t))[None]
        x = e.LayerNorm(inputs_embeds + pos + e.token_type_embeddings(token_type_ids))
        last = self.encoder(x, attention_mask)
        pooled = torch.tanh(self.pooler.dense(last[:, 0])) if hasattr(self, "pooler") else None
        return last, pooled


# ---------------------------------------------------------------- ViT
class ViTAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.attention = SelfAttention(hidden, heads, ("query", "key", "value"))
        self.output = Dense(hidden, hidden)


class ViTLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, eps = c["hidden_size"], c["layer_norm_eps"]
        self.layernorm_before = nn.LayerNorm(h, eps=eps)
        self.attention = ViTAttention(h, c["num_attention_heads"])
        self.layernorm_after = nn.LayerNorm(h, eps=eps)
        self.intermediate = Dense(h, c["intermediate_size"])
        self.output = Dense(c["intermediate_size"], h)

    def forward(self, x, mask):
        x = x + self.attention.output.dense(self.attention.attention(self.layernorm_before(x), mask))
        f = nn.functional.gelu(self.intermediate.dense(self.layernorm_after(x)))
        return x + self.output.dense(f)


class PatchEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        p = c["patch_size"]
        self.projection = nn.Conv2d(c["num_channels"], c["hidden_size"], kernel_size=p, stride=p)


class ViTEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        n = (c["image_size"] // c["patch_size"]) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c["hidden_size"]))
        self.position_embeddings = nn.Parameter(torch.zeros(1, n + 1, c["hidden_size"]))
        self.patch_embeddings = PatchEmbeddings(c)


class ViTRef(nn.Module):
    def __init__(self, c, pooler=True):
        super().__init__()
        self.embeddings = ViTEmbeddings(c)
        self.encoder = Encoder([ViTLayer(c) for _ in range(c["num_hidden_layers"])], "layer")
        self.layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        if pooler:
            self.pooler = Dense(c["hidden_size"], c["hidden_size"])

    def forward(self, pixels):
        e = self.embeddings
        pe = e.patch_embeddings.projection(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([e.cls_token.expand(pixels.shape[0], -1, -1), pe], dim=1) + e.position_embeddings
        last = self.layernorm(self.encoder(x, None))
        pooled = torch.tanh(self.pooler.dense(last[:, 0])) if hasattr(self, "pooler") else None
        return last, pooled


# ---------------------------------------------------------------- CLIP vision
class ClipMlp(nn.Module):
    def __init__(self, h, i):
        super().__init__()
        self.fc1 = nn.Linear(h, i)
        self.fc2 = nn.Linear(i, h)


class ClipAttention(SelfAttention):
    def __init__(self, hidden, heads):
        super().__init__(hidden, heads, ("q_proj", "k_proj", "v_proj"))
        self.out_proj = nn.Linear(hidden, hidden)


class ClipLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, eps = c["hidden_size"], c["layer_norm_eps"]
        self.self_attn = ClipAttention(h, c["num_attention_heads"])
        self.layer_norm1 = nn.LayerNorm(h, eps=eps)
        self.mlp = ClipMlp(h, c["intermediate_size"])
        self.layer_norm2 = nn.LayerNorm(h, eps=eps)

    def forward(self, x, mask):
        x = x + self.self_attn.out_proj(self.self_attn(self.layer_norm1(x), mask))
        return x + self.mlp.fc2(quick_gelu(self.mlp.fc1(self.layer_norm2(x))))


class ClipEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        p, h = c["patch_size"], c["hidden_size"]
        self.class_embedding = nn.Parameter(torch.zeros(h))
        self.patch_embedding = nn.Conv2d(c["num_channels"], h, kernel_size=p, stride=p, bias=False)
        self.position_embedding = nn.Embedding((c["image_size"] // p) ** 2 + 1, h)


class ClipRef(nn.Module):
    """CLIPVisionModel.vision_model: its keys carry the "vision_model." prefix in checkpoints."""

    def __init__(self, c):
        super().__init__()
        self.embeddings = ClipEmbeddings(c)
        self.pre_layrnorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.encoder = Encoder([ClipLayer(c) for _ in range(c["num_hidden_layers"])], "layers")
        self.post_layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, pixels):
        e = self.embeddings
        pe = e.patch_embedding(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([e.class_embedding.expand(pixels.shape[0], 1, -1), pe], dim=1) + e.position_embedding.weight[None]
        last = self.encoder(self.pre_layrnorm(x), None)
        return last, self.post_layernorm(last[:, 0])
