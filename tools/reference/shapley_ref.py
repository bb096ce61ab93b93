"""PyTorch reference of Shap-CA's Shapley values and losses (docs/ARCHITECTURE.md, "Shapley batch games" and "Alignment"), independent of the
C++ code: the Philox4x32-10 permutation draws (counter/key layout of native/core/rng.cpp), the
vectorised permutation estimator (cumulative sums over permuted rows, autograd for backward),
brute-force exact values, and the losses. Used by shapley_fixtures.py and shapley_bench.py.
"""
import math

import torch
import torch.nn.functional as F

MASK32 = 0xFFFFFFFF
M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85


def philox4x32_10(ctr, key):
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for _ in range(10):
        p0, p1 = M0 * c0, M1 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & MASK32, (p0 >> 32) ^ c3 ^ k1, p0 & MASK32
        k0, k1 = (k0 + W0) & MASK32, (k1 + W1) & MASK32
    return [c0, c1, c2, c3]


class CounterRng:
    """Stream (seed, stream): key = seed (lo, hi), counter = (block lo, block hi, stream lo, stream hi)."""

    def __init__(self, seed, stream):
        self.key = [seed & MASK32, (seed >> 32) & MASK32]
        self.counter = [0, 0, stream & MASK32, (stream >> 32) & MASK32]
        self.block, self.used = None, 4

    def next_u32(self):
        if self.used == 4:
            self.block = philox4x32_10(self.counter, self.key)
            self.counter[0] = (self.counter[0] + 1) & MASK32
            if self.counter[0] == 0:
                self.counter[1] = (self.counter[1] + 1) & MASK32
            self.used = 0
        self.used += 1
        return self.block[self.used - 1]

    def next_below(self, bound):  # Lemire's method, as rng.cpp
        m = self.next_u32() * bound
        if (m & MASK32) < bound:
            threshold = ((1 << 32) - bound) % bound
            while (m & MASK32) < threshold:
                m = self.next_u32() * bound
        return m >> 32


def permutations(k, m, antithetic=True, seed=0):
    """(m, k) int64: Fisher-Yates from stream (seed, q); with antithetic, rows 2q, 2q+1 = draw q and its reverse."""
    rows = []
    for q in range(m // 2 if antithetic else m):
        row = list(range(k))
        rng = CounterRng(seed, q)
        for i in range(k - 1, 0, -1):
            j = rng.next_below(i + 1)
            row[i], row[j] = row[j], row[i]
        rows.append(row)
        if antithetic:
            rows.append(row[::-1])
    return torch.tensor(rows, dtype=torch.int64)


def similarities(players, targets, normalize=True, gram=True):
    """(S = P̂ T̂ᵀ, G = P̂ P̂ᵀ or None)."""
    p = F.normalize(players, dim=1) if normalize else players
    t = F.normalize(targets, dim=1) if normalize else targets
    return p @ t.T, (p @ p.T if gram else None)


def prefix_values(s, g, perms, utility, tau_u):
    """V (M, k, n): the utility of every prefix of every permutation in every game."""
    mm, k = perms.shape
    sp = s[perms]  # (M, k, n): rows in permutation order
    if utility == "softmax-expectation":
        m = s.max(0).values.detach()  # the shift cancels in the ratio
        st = sp - m
        w = torch.exp(st / tau_u)
        return m + torch.cumsum(w * st, 1) / torch.cumsum(w, 1)
    num = torch.cumsum(sp, 1)
    if utility == "mean":
        return num / torch.arange(1, k + 1, dtype=s.dtype)[None, :, None]
    gp = g[perms[:, :, None], perms[:, None, :]]  # (M, k, k)
    q = torch.diagonal(torch.cumsum(torch.cumsum(gp, 1), 2), dim1=1, dim2=2)  # ||Σ prefix||²
    return num / torch.sqrt(q)[:, :, None]


def shapley_permutation(s, g, perms, utility="softmax-expectation", tau_u=0.1, antithetic=True):
    """(phi (n, k), stderr (n, k)): the permutation estimate and its standard error."""
    v = prefix_values(s, g, perms, utility, tau_u)
    delta = v - F.pad(v, (0, 0, 1, 0))[:, :-1]  # marginal of the player at each position
    mm, k, n = delta.shape
    d = torch.zeros(mm, k, n, dtype=s.dtype).scatter(1, perms[:, :, None].expand(mm, k, n), delta)
    samples = d.reshape(mm // 2, 2, k, n).mean(1) if antithetic else d
    phi = samples.mean(0)
    se = samples.std(0, unbiased=True) / math.sqrt(samples.shape[0]) if samples.shape[0] > 1 else torch.full_like(phi, float("nan"))
    return phi.T, se.T


def utility_table(s, g, utility, tau_u):
    """v (2^k, n) of every coalition (bitmask order) from scratch."""
    k, n = s.shape
    v = torch.zeros(1 << k, n, dtype=s.dtype)
    for mask in range(1, 1 << k):
        idx = [i for i in range(k) if mask >> i & 1]
        sub = s[idx]
        if utility == "softmax-expectation":
            w = torch.exp(sub / tau_u)
            v[mask] = (w * sub).sum(0) / w.sum(0)
        elif utility == "mean":
            v[mask] = sub.mean(0)
        else:
            v[mask] = sub.sum(0) / torch.sqrt(g[idx][:, idx].sum())
    return v


def shapley_exact(s, g, utility="softmax-expectation", tau_u=0.1):
    """(n, k) by the subset formula over all coalitions."""
    k, n = s.shape
    v = utility_table(s, g, utility, tau_u)
    phi = torch.zeros(k, n, dtype=s.dtype)
    for i in range(k):
        for mask in range(1 << k):
            if mask >> i & 1:
                continue
            size = bin(mask).count("1")
            w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            phi[i] += w * (v[mask | 1 << i] - v[mask])
    return phi.T


def shapca_loss(players, targets, perms, utility="softmax-expectation", tau_u=0.1, temperature=0.07, antithetic=True):
    """(loss, phi (k, k)): L(P→T) = cross-entropy of phi[j, :]/τ with class j."""
    s, g = similarities(players, targets, gram=utility == "cosine-sum")
    phi, _ = shapley_permutation(s, g, perms, utility, tau_u, antithetic)
    k = phi.shape[0]
    return F.cross_entropy(phi / temperature, torch.arange(k)), phi


def infonce_loss(players, targets, temperature=0.07):
    s, _ = similarities(players, targets, gram=False)
    k = s.shape[0]
    return F.cross_entropy(s.T / temperature, torch.arange(k))


def align_loss(text, context, image, mask, perms_full, perms_img, lambda_ct=0.5, lambda_ci=0.5, **kw):
    """The alignment loss (docs/ARCHITECTURE.md, "Alignment"); image terms over the samples whose mask is 1."""
    c2t, _ = shapca_loss(context, text, perms_full, **kw)
    t2c, _ = shapca_loss(text, context, perms_full, **kw)
    keep = torch.nonzero(mask).flatten()
    c2i, _ = shapca_loss(context[keep], image[keep], perms_img, **kw)
    i2c, _ = shapca_loss(image[keep], context[keep], perms_img, **kw)
    loss = lambda_ct * (c2t + t2c) / 2 + lambda_ci * (c2i + i2c) / 2
    return loss, torch.stack([c2t, t2c, c2i, i2c])


def exact_tensor_enumeration(s, g, utility="softmax-expectation", tau_u=0.1):
    """Vectorised exact values (the benchmark peer): all 2^k coalitions as a 0/1 matrix."""
    k, n = s.shape
    masks = ((torch.arange(1 << k)[:, None] >> torch.arange(k)) & 1).to(s.dtype)  # row r = bits of r
    sizes = masks.sum(1).long()
    w = torch.tensor([math.factorial(t) * math.factorial(k - t - 1) / math.factorial(k) if t < k else 0.0
                      for t in range(k + 1)], dtype=torch.float64).to(s.dtype)
    if utility == "softmax-expectation":
        m = s.max(0).values
        e = torch.exp((s - m) / tau_u)
        num, den = masks @ (e * (s - m)), masks @ e
        v = m + num / den.clamp_min(1e-300)
    elif utility == "mean":
        v = (masks @ s) / sizes.clamp_min(1)[:, None]
    else:
        q = ((masks @ g) * masks).sum(1)
        v = (masks @ s) / torch.sqrt(q).clamp_min(1e-30)[:, None]
    v[0] = 0
    a = w[(sizes - 1).clamp_min(0)] * (sizes > 0) + w[sizes]
    return (masks.T @ (a[:, None] * v) - (w[sizes][:, None] * v).sum(0)).T
