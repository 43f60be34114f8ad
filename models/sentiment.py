"""Many-to-one: a review's tokens -> recurrent encoder -> pooled state -> P(positive)."""

import functools
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from models.atlas import Atlas, beside
from models.cells import FUSED
from models.checkpoint import CheckpointError
from models.encoder import RecurrentEncoder
from models.errors import InputError
from models.predictor import Predictor
from models.settings import option
from models.text import SPECIALS, VOCABS, Embedding, PieceVocab, Vocab, pad_batch, read_pieces, read_words

# The sentiment page's examples by the language a model reads; every training run records them too
# (its probes).
EXAMPLES = {
    "en": {
        "Negation": "This film is not terrible, it's great!",
        "Mixed, then positive": (
            "The first hour drags and the dialogue is clumsy, but the last act is so moving and "
            "beautifully shot that I left the theater smiling. Highly recommended."
        ),
        "Negative": "A dull, lifeless script. I kept checking my watch and nothing ever happened.",
        "Sarcasm": "Oh great, another two hours of my life I will never get back. Brilliant.",
        "Raw HTML from IMDB": "Loved it.<br /><br />The cast is wonderful and the music stays with you.",
    },
    "ko": {
        "부정의 부정": "재미없지는 않았다",
        "늦게 뒤집히는 평": "초반은 지루했는데 마지막 30분이 다 했다",
        "띄어쓰기 없음, 오타": "너무재밓었다",
        "반어법": "참 잘~ 만들었네요 돈이 아깝다",
        "분명한 부정": "시간 아깝고 연기도 어색하고 내용도 없다",
    },
}


def language(tokens: list[str]) -> str:
    """ "ko" when most of the tokens (a vocabulary, a text) hold Hangul, else "en"."""
    hangul = sum(any("\uac00" <= c <= "\ud7a3" or "\u3131" <= c <= "\u318e" for c in t) for t in tokens)
    return "ko" if hangul * 2 > len(tokens) else "en"


@dataclass
class SentimentConfig:
    vocab_size: int  # the vocabulary built from the training texts (at most --vocab-size words)
    embedding_dim: int = option(128, "token embedding size", minimum=1)
    hidden_dim: int = option(256, "recurrent state size per direction", minimum=1)
    num_layers: int = option(1, "stacked recurrent layers", minimum=1)
    bidirectional: bool = option(False, "add a backward direction to every layer")
    cell: str = option("lstm", "recurrent cell", choices=list(FUSED))
    dropout: float = option(
        0.4, "dropout on embeddings, between layers and before the classifier", minimum=0, below=1
    )
    max_tokens: int = option(800, "tokens read per text; longer texts are cut", minimum=1)
    tokens: str = option(
        "words",
        "how a text becomes tokens: words (an English word, clitic or symbol each), syllables (one "
        "character each) or pieces (sentencepiece unigram pieces learned from the training texts)",
        choices=list(VOCABS),
    )
    pool_last: bool = option(True, "also classify from the state after the last token")
    word_dropout: float = option(
        0.0, "zero a word's embedding for a whole batch with this probability (AWD-LSTM)", minimum=0, below=1
    )
    weight_drop: float = option(
        0.0,
        "DropConnect on the recurrent matrices W_h, a fresh mask each batch (AWD-LSTM)",
        minimum=0,
        below=1,
    )
    locked_dropout: bool = option(
        False, "one dropout mask per sequence, the same at every step (variational dropout)"
    )


def pool(outputs: torch.Tensor, lengths: torch.Tensor, last: bool) -> torch.Tensor:
    """Max, mean (and last) of each sequence's real steps: [batch, steps, dim] -> [batch, k * dim]."""
    mask = torch.arange(outputs.size(1), device=outputs.device)[None, :] < lengths[:, None]
    maximum = outputs.masked_fill(~mask[:, :, None], float("-inf")).amax(dim=1)
    mean = (outputs * mask[:, :, None]).sum(dim=1) / lengths[:, None]
    final = [outputs[torch.arange(outputs.size(0)), lengths - 1]] if last else []
    return torch.cat([maximum, mean, *final], dim=-1)


def prefix_pool(outputs: torch.Tensor, last: bool) -> torch.Tensor:
    """`pool` of every prefix of one sequence at once: [steps, dim] -> [steps, k * dim]."""
    steps = torch.arange(1, outputs.size(0) + 1, device=outputs.device)[:, None]
    final = [outputs] if last else []
    return torch.cat([outputs.cummax(dim=0).values, outputs.cumsum(dim=0) / steps, *final], dim=-1)


class SentimentModel(nn.Module):
    def __init__(self, config: SentimentConfig):
        super().__init__()
        self.config = config
        self.embedding = Embedding(config.vocab_size, config.embedding_dim, padding_idx=0)
        self.encoder = RecurrentEncoder(
            config.cell,
            config.embedding_dim,
            config.hidden_dim,
            config.num_layers,
            config.bidirectional,
            config.dropout,
            weight_drop=config.weight_drop,
            locked=config.locked_dropout,
        )
        self.dropout = nn.Dropout(config.dropout)
        pooled = 3 if config.pool_last else 2
        self.classifier = nn.Linear(pooled * self.encoder.output_dim, 1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids [batch, steps] right-padded with 0 -> logit of positive [batch]."""
        outputs = self.encoder(self.embed(ids), lengths)
        features = pool(outputs, lengths, self.config.pool_last)
        return self.classifier(self.dropout(features)).squeeze(-1)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Embedded ids [batch, steps, embedding_dim], with word dropout and dropout while training."""
        embedded = self.embedding(ids)
        if self.training and self.config.word_dropout:
            keep = torch.full((self.config.vocab_size,), 1 - self.config.word_dropout, device=ids.device)
            embedded = embedded * (keep.bernoulli() / keep)[ids][..., None]
        return self.encoder.drop(embedded) if self.config.locked_dropout else self.dropout(embedded)


class NextTokenModel(nn.Module):
    """A sentiment model's embedding and encoder as a language model, for pretraining: the
    encoder's state after each token predicts the next token through an adaptive softmax (frequent
    words cost a small matrix, rare ones share smaller clusters)."""

    def __init__(self, model: SentimentModel):
        super().__init__()
        self.model = model
        vocab_size = model.config.vocab_size
        cutoffs = [c for c in (2000, 10000) if c < vocab_size - 1] or [vocab_size // 2]  # tiny: 2 clusters
        self.head = nn.AdaptiveLogSoftmaxWithLoss(
            model.encoder.output_dim, vocab_size, cutoffs=cutoffs, div_value=4.0
        )

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids [batch, steps] right-padded with 0, every length >= 2 -> mean loss per predicted token."""
        model, inputs, targets = self.model, ids[:, :-1], ids[:, 1:]
        outputs = model.encoder(model.embed(inputs), lengths - 1)
        real = targets != 0
        return self.head(model.dropout(outputs)[real], targets[real]).loss


@dataclass(frozen=True)
class SentimentAnalysis:
    tokens: list[str]
    label: str
    positive: float
    step_positive: list[float]  # P(positive) had the text ended after each token
    states: dict[str, np.ndarray]  # "layer0.forward.h" -> [len(tokens), hidden_dim], and gates
    truncated: bool


class SentimentPredictor(Predictor):
    task = "sentiment"
    config_class = SentimentConfig
    model_class = SentimentModel
    specials = SPECIALS[:2]  # a classifier reads: no beginning or end to mark

    @classmethod
    def read_vocab(cls, entry: dict, config: SentimentConfig) -> Vocab:
        """Words or syllables as a token list; pieces as the sentencepiece model that splits them."""
        if config.tokens != "pieces":
            return VOCABS[config.tokens](read_words(entry, config.vocab_size, cls.specials).tokens)
        vocab = PieceVocab(read_pieces(entry))
        if len(vocab) != config.vocab_size or tuple(vocab.tokens[:2]) != cls.specials:
            raise CheckpointError(
                "its {count} pieces do not fit an embedding of {size}.",
                "checkpoint.pieces_misfit",
                count=len(vocab),
                size=config.vocab_size,
            )
        return vocab

    def vocab_entry(self) -> dict:
        if self.config.tokens != "pieces":
            return super().vocab_entry()
        return {"words": self.vocab.tokens, "sentencepiece": self.vocab.processor.serialized_model_proto()}

    @property
    def atlas(self) -> Atlas | None:
        """What each unit responds to over texts the model never trained on (models/atlas.py), read
        from the atlas file beside the checkpoint; None when there is none. Raises AtlasError, whose
        message names the rebuilding command, when that file is stale (other weights) or unreadable."""
        return None if self.path is None else beside(self.path, self._weights_hash, self.vocab.spans)

    @functools.cached_property
    def language(self) -> str:
        """The language of the texts the model learned from: "en" or "ko" (by its vocabulary)."""
        return language(self.vocab.tokens[2:])

    def encode(self, text: str) -> tuple[list[str], list[int], bool]:
        if not isinstance(text, str) or not text.strip():
            raise InputError("Enter some text to classify: the input is empty.", "sentiment.empty")
        tokens, truncated = self.vocab.split(text, self.config.max_tokens)
        if not tokens:
            raise InputError("The text has no words or symbols the model can read.", "sentiment.unreadable")
        return tokens, self.vocab.encode(tokens), truncated

    @torch.inference_mode()
    def predict(self, texts: list[str], batch_size: int = 64) -> list[float]:
        """P(positive) per text; batches similar lengths together."""
        encoded = [self.encode(text)[1] for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        probabilities = [0.0] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            ids, lengths = pad_batch([encoded[i] for i in chunk])
            logits = self.model(ids.to(self._device), lengths.to(self._device))
            for i, p in zip(chunk, torch.sigmoid(logits).tolist()):
                probabilities[i] = p
        return probabilities

    @torch.inference_mode()
    def mean_states(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """[texts, units] each text's mean layer0.forward.h over its tokens: what the atlas ranks
        units by, through the fused kernel."""
        encoded = [self.encode(text)[1] for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        means = np.zeros((len(texts), self.config.hidden_dim), np.float32)
        first = self.model.encoder.layers[0][0]
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            ids, lengths = (t.to(self._device) for t in pad_batch([encoded[i] for i in chunk]))
            outputs = first(self.model.embedding(ids))[0]  # [batch, steps, hidden]
            real = torch.arange(ids.size(1), device=ids.device)[None, :, None] < lengths[:, None, None]
            means[chunk] = ((outputs * real).sum(1) / lengths[:, None]).cpu().numpy()
        return means

    @torch.inference_mode()
    def analyze(self, text: str) -> SentimentAnalysis:
        tokens, ids, truncated = self.encode(text)
        model = self.model
        embedded = model.embedding(torch.tensor(ids, device=self._device))  # [steps, embedding_dim]
        states = model.encoder.trace(embedded)
        last = len(model.encoder.layers) - 1
        outputs = torch.cat(
            [states[f"layer{last}.{d}.h"] for d in model.encoder.directions], dim=-1
        )  # [steps, output_dim]
        step_positive = torch.sigmoid(model.classifier(self._prefix_features(ids, outputs)))
        step_positive = step_positive.squeeze(-1).tolist()
        return SentimentAnalysis(
            tokens=tokens,
            label="positive" if step_positive[-1] >= 0.5 else "negative",
            positive=step_positive[-1],
            step_positive=step_positive,
            states={name: values.cpu().numpy() for name, values in states.items()},
            truncated=truncated,
        )

    def _prefix_features(self, ids: list[int], outputs: torch.Tensor) -> torch.Tensor:
        """Pooled features of every prefix of the text: [steps, k * output_dim]."""
        if not self.config.bidirectional:
            return prefix_pool(
                outputs, self.config.pool_last
            )  # forward states of a prefix do not depend on what follows
        # The backward direction must re-read each prefix from its own end: quadratic in the
        # length, which is why the shipped model reads in one direction only.
        prefixes = [ids[: end + 1] for end in range(len(ids))]
        batch, lengths = pad_batch(prefixes)
        outputs = self.model.encoder(self.model.embedding(batch), lengths)
        return pool(outputs, lengths, self.config.pool_last)
