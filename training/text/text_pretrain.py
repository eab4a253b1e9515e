"""Skip-gram word embeddings (Mikolov et al. 2013, negative sampling) learned from the unlabelled text of
the training splits, to initialise the text model's embedding table. Uses the same TypeScript token ids."""
import time

import numpy as np
import torch


def skipgram_pairs(turn_ids, lengths, turns, window, rng, subsample=1e-4):
    """(centre, context) id pairs within `window` tokens inside each turn, frequent words subsampled."""
    flat = np.concatenate([turn_ids[t, :lengths[t]] for t in turns])
    owner = np.repeat(np.arange(len(turns)), lengths[turns])
    counts = np.bincount(flat, minlength=int(turn_ids.max()) + 1).astype(np.float64)
    freq = counts / counts.sum()
    keep_p = np.minimum(1.0, np.sqrt(subsample / np.maximum(freq[flat], 1e-12)))
    keep = rng.random(len(flat)) < keep_p
    flat, owner = flat[keep], owner[keep]
    centres, contexts = [], []
    for d in range(1, window + 1):
        same = owner[d:] == owner[:-d]
        centres += [flat[d:][same], flat[:-d][same]]
        contexts += [flat[:-d][same], flat[d:][same]]
    return np.concatenate(centres), np.concatenate(contexts), counts


def pretrain_embeddings(data, turns, emb_dim, epochs=3, window=4, negatives=5, batch=8192, lr=0.01, seed=13,
                        log=print):
    """Returns a [vocab, emb_dim] float tensor (row 0, padding, is zero)."""
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    vocab = data.vocab_size
    inp = torch.nn.Embedding(vocab, emb_dim, sparse=True)
    out = torch.nn.Embedding(vocab, emb_dim, sparse=True)
    torch.nn.init.uniform_(inp.weight, -0.5 / emb_dim, 0.5 / emb_dim)
    torch.nn.init.zeros_(out.weight)
    opt = torch.optim.SparseAdam(list(inp.parameters()) + list(out.parameters()), lr=lr)
    started = time.time()
    for epoch in range(epochs):
        c, x, counts = skipgram_pairs(data.turn_ids, data.lengths, turns, window, rng)
        noise = torch.from_numpy(counts ** 0.75 / (counts ** 0.75).sum())
        perm = rng.permutation(len(c))
        c, x = torch.from_numpy(c[perm]), torch.from_numpy(x[perm])
        total = 0.0
        for s in range(0, len(c), batch):
            cb, xb = c[s:s + batch], x[s:s + batch]
            nb = torch.multinomial(noise, len(cb) * negatives, replacement=True, generator=gen).view(len(cb), negatives)
            u = inp(cb)
            pos = (u * out(xb)).sum(1)
            neg = torch.bmm(out(nb), u.unsqueeze(2)).squeeze(2)
            loss = -(torch.nn.functional.logsigmoid(pos).mean() + torch.nn.functional.logsigmoid(-neg).sum(1).mean())
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(cb)
        log(f"skip-gram epoch {epoch + 1}/{epochs}: {len(c)} pairs, loss {total / len(c):.3f}, "
            f"{time.time() - started:.0f}s")
    w = inp.weight.detach().clone()
    w[0] = 0
    return w
