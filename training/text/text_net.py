"""The text emotion network: a CNN turn encoder and a GRU over the turns of a bounded context window.

Each turn (token ids from the TypeScript tokenizer) is encoded by convolutions of widths 1, 3 and 5
over word embeddings with masked max and mean pooling (Kim 2014's text-CNN, the MELD paper's text
baseline). A GRU reads the window's turn vectors oldest first, each with a "same speaker as the
current turn" flag (a bounded, speaker-aware variant of bcLSTM / DialogueRNN context modelling,
Poria et al. 2017, Majumder et al. 2019); padding turns leave its state unchanged. The current turn's
vector and the GRU state feed four linear heads: the 7 emotions, 3 sentiments, and two validation-only
heads in the native label spaces of EmoryNLP (7) and EmoContext (4).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

OUTPUT_NAMES = ["logits", "sentiment_logits", "emorynlp_logits", "emocontext_logits"]
INPUT_NAMES = ["input_ids", "same_speaker"]


class TextEmotionNet(nn.Module):
    """See the module docstring. All sizes are constructor arguments so the card can record them."""

    def __init__(self, vocab_size, emb_dim=128, channels=128, kernels=(1, 3, 5), turn_dim=256, hidden=128,
                 dropout=0.3, n_emotions=7, n_sentiments=3, n_emorynlp=7, n_emocontext=4):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, emb_dim=emb_dim, channels=channels, kernels=list(kernels),
                           turn_dim=turn_dim, hidden=hidden, dropout=dropout)
        self.hidden = hidden
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(emb_dim, channels, k, padding=k // 2) for k in kernels])
        self.turn_proj = nn.Linear(2 * channels * len(kernels), turn_dim)
        self.gru = nn.GRUCell(turn_dim + 1, hidden)
        self.dropout = nn.Dropout(dropout)
        feat = turn_dim + hidden
        self.emotion_head = nn.Linear(feat, n_emotions)
        self.sentiment_head = nn.Linear(feat, n_sentiments)
        self.emorynlp_head = nn.Linear(feat, n_emorynlp)
        self.emocontext_head = nn.Linear(feat, n_emocontext)

    def encode_turns(self, ids):
        """[N, T] int64 token ids (0 = padding) -> [N, turn_dim]. Independent of how much padding follows."""
        mask = (ids > 0).float()
        x = self.dropout(self.embedding(ids)).transpose(1, 2)
        m = mask.unsqueeze(1)
        count = mask.sum(1, keepdim=True).clamp(min=1.0)
        feats = []
        for conv in self.convs:
            h = F.relu(conv(x)) * m  # ReLU output is >= 0, so zeroed padding never wins the max
            feats.append(h.max(dim=2).values)
            feats.append(h.sum(dim=2) / count)
        return F.relu(self.turn_proj(self.dropout(torch.cat(feats, 1))))

    def classify(self, enc, present, same):
        """enc [B, K, D] turn vectors (current last), present [B, K] 1/0, same [B, K] -> the four logits."""
        h = enc.new_zeros(enc.shape[0], self.hidden)
        for k in range(enc.shape[1]):
            step = self.gru(torch.cat([enc[:, k], same[:, k:k + 1]], 1), h)
            p = present[:, k:k + 1]
            h = p * step + (1.0 - p) * h
        z = self.dropout(torch.cat([enc[:, -1], h], 1))
        return (self.emotion_head(z), self.sentiment_head(z), self.emorynlp_head(z), self.emocontext_head(z))

    def forward(self, input_ids, same_speaker):
        """input_ids [B, K, T] int64, same_speaker [B, K] float32 -> (logits, sentiment, emorynlp, emocontext)."""
        b, k, t = input_ids.shape
        enc = self.encode_turns(input_ids.reshape(b * k, t)).reshape(b, k, -1)
        present = (input_ids > 0).float().max(dim=2).values
        return self.classify(enc, present, same_speaker)


class TextEnsemble(nn.Module):
    """Networks of the same shape from different seeds; each of the four outputs is the mean of the members'
    logits (one ONNX graph, so serving is unchanged)."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.config = members[0].config

    def forward(self, input_ids, same_speaker):
        outs = [m(input_ids, same_speaker) for m in self.members]
        return tuple(torch.stack([o[i] for o in outs], 0).mean(0) for i in range(len(OUTPUT_NAMES)))
