"""One-to-many: an image -> CNN region features -> attentive LSTM decoder -> a caption, word by word."""

import numbers
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from PIL import Image
from torch import nn

from models import images, vision
from models.cells import FUSED, step_layer, trace_layer
from models.checkpoint import CheckpointError
from models.search import (
    BOS,
    EOS,
    PAD,
    Step,
    beam_search,
    greedy,
    most_probable,
    on_device,
    saliency,
    until_eos,
)
from models.text import PAD as PAD_TOKEN
from models.text import UNK, Vocab, caption_words

SPECIALS = [PAD_TOKEN, UNK, "<s>", "</s>"]  # ids PAD, UNK, BOS, EOS of models/search.py


@dataclass
class CaptioningConfig:
    vocab_size: int
    encoder: str = vision.ENCODER
    feature_dim: int = vision.FEATURE_DIM
    embedding_dim: int = 256
    hidden_dim: int = 512
    attention_dim: int = 256
    cell: str = "lstm"
    dropout: float = 0.5
    max_length: int = 30  # longest caption produced, in words


@dataclass
class Attended:
    """The image as every decoder step reads it."""

    features: torch.Tensor  # [batch, regions, feature_dim]
    keys: torch.Tensor  # [batch, regions, attention_dim]: W_f f_i, computed once
    mask: torch.Tensor  # [batch, regions], True on the regions attention may read (all but hidden ones)

    def select(self, index: torch.Tensor) -> "Attended":
        return Attended(self.features[index], self.keys[index], self.mask[index])


@dataclass
class CaptionStep:
    logits: torch.Tensor  # [batch, vocab]
    state: object  # the fused cell's state after this step
    attention: torch.Tensor  # [batch, regions], sums to 1
    inputs: torch.Tensor  # [batch, embedding_dim + feature_dim]: what the cell read


class Captioner(nn.Module):
    """Show, Attend and Tell's soft attention: before each word the decoder looks at the regions
    (scored against its last state), reads a gated weighted mean of them with the previous word,
    and predicts the next word from its new state and what it looked at."""

    def __init__(self, config: CaptioningConfig):
        super().__init__()
        self.config = config
        embed, hidden, feature = config.embedding_dim, config.hidden_dim, config.feature_dim
        self.embedding = nn.Embedding(config.vocab_size, embed, padding_idx=PAD)
        nn.init.normal_(self.embedding.weight, std=embed**-0.5)  # tied output: logits start near 0
        self.initial = nn.Linear(feature, hidden * (2 if config.cell == "lstm" else 1))
        self.keys = nn.Linear(feature, config.attention_dim)
        self.query = nn.Linear(hidden, config.attention_dim, bias=False)
        self.score = nn.Linear(config.attention_dim, 1, bias=False)
        self.gate = nn.Linear(hidden, feature)
        self.cell = FUSED[config.cell](embed + feature, hidden, batch_first=True)
        self.combine = nn.Linear(hidden + feature, embed)
        self.output_bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.dropout = nn.Dropout(config.dropout)

    def start(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[Attended, object]:
        """Region features [batch, regions, feature_dim] and the regions the decoder may see (mask
        [batch, regions], all if None) -> what the decoder attends to, and the cell's initial state,
        made from the mean of the regions it may see: a hidden region reaches it by no path."""
        if mask is None:
            mask = torch.ones(features.shape[:2], dtype=torch.bool, device=features.device)
        weights = mask[:, :, None].to(features.dtype)
        mean = (features * weights).sum(dim=1) / weights.sum(dim=1)
        initial = torch.tanh(self.initial(mean))[None]  # [1, batch, hidden (x2)]
        state = tuple(initial.chunk(2, dim=-1)) if self.config.cell == "lstm" else initial
        return Attended(features, self.keys(features), mask), state

    def step(self, tokens: torch.Tensor, state, attended: Attended) -> CaptionStep:
        """The one decoder step: previous words [batch] -> next-word logits."""
        h = (state[0] if isinstance(state, tuple) else state)[0]  # [batch, hidden]
        scores = self.score(torch.tanh(attended.keys + self.query(h)[:, None])).squeeze(-1)
        attention = scores.masked_fill(~attended.mask, float("-inf")).softmax(dim=-1)  # [batch, regions]
        seen = (attention[:, None] @ attended.features).squeeze(1)  # [batch, feature_dim]
        context = torch.sigmoid(self.gate(h)) * seen
        inputs = torch.cat([self.dropout(self.embedding(tokens)), context], dim=-1)
        hidden, state = step_layer(self.cell, inputs, state)
        combined = torch.tanh(self.combine(self.dropout(torch.cat([hidden, context], dim=-1))))
        logits = self.dropout(combined) @ self.embedding.weight.T + self.output_bias  # tied
        return CaptionStep(logits, state, attention, inputs)

    def next_token_function(self) -> Step:
        """`step` as the searches call it: tokens [rows] -> (logits [rows, vocab], next state)."""

        def next_token(tokens: torch.Tensor, state, attended: Attended) -> tuple[torch.Tensor, object]:
            out = self.step(tokens, state, attended)
            return out.logits, out.state

        return next_token

    def forward(self, features: torch.Tensor, words_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing over words_in = BOS + caption [batch, steps]:
        logits [batch, steps, vocab] and attention [batch, steps, regions]."""
        attended, state = self.start(features)
        logits, attention = [], []
        for tokens in words_in.unbind(dim=1):
            step = self.step(tokens, state, attended)
            state = step.state
            logits.append(step.logits)
            attention.append(step.attention)
        return torch.stack(logits, dim=1), torch.stack(attention, dim=1)


@dataclass(frozen=True)
class CaptionAnalysis:
    text: str
    tokens: list[str]  # the caption's words
    probabilities: list[float]  # the decoder's probability of each word when it chose it
    attention: np.ndarray  # [len(tokens), 7, 7]: where it looked before each word; each map sums to 1
    states: dict[str, np.ndarray]  # "h", "c" and the gates -> [len(tokens), hidden_dim]
    candidates: list[tuple[str, float]]  # the final beam, best first (length-normalised log-prob)
    image: np.ndarray  # [224, 224, 3] uint8: the picture the encoder saw
    alternatives: list[list[tuple[str, float]]]  # per word: the 5 likeliest tokens there, best first
    saliency: np.ndarray  # [len(tokens), 7, 7]: |d log p(word) / d region features|, each map sums to 1


def visible_regions(hide: Iterable[tuple[int, int]]) -> torch.Tensor:
    """The mask [1, 49] of regions the decoder may see: every cell of the 7x7 grid but the (row, col)
    cells in `hide`."""
    visible = torch.ones(vision.GRID, vision.GRID, dtype=torch.bool)
    for cell in hide:
        visible[_grid_cell(cell)] = False
    if not visible.any():
        raise ValueError("All 49 regions are hidden: leave the decoder at least one to look at.")
    return visible.view(1, -1)


def _grid_cell(cell) -> tuple[int, int]:
    try:
        row, col = cell
    except (TypeError, ValueError):
        row = col = None
    if not all(isinstance(i, numbers.Integral) and 0 <= i < vision.GRID for i in (row, col)):
        last = vision.GRID - 1
        raise ValueError(f"{cell!r} is not a cell of the grid: give (row, column), each from 0 to {last}.")
    return int(row), int(col)


class CaptioningPredictor:
    """Immutable after loading; safe to share between threads (Streamlit sessions)."""

    task = "captioning"

    def __init__(self, model: Captioner, vocab: Vocab, checkpoint: dict | None = None):
        if model.config.encoder != vision.ENCODER:
            raise CheckpointError(
                f"decoder trained on {model.config.encoder!r} features, not {vision.ENCODER!r}"
            )
        self.model = model.eval()
        self.config = model.config
        self.vocab = vocab
        self.encoder = vision.ImageEncoder()
        self.info = {k: checkpoint[k] for k in ("train", "metrics") if k in (checkpoint or {})}

    @classmethod
    def from_checkpoint(cls, checkpoint: dict) -> "CaptioningPredictor":
        config = CaptioningConfig(**checkpoint["config"])
        vocab = Vocab(checkpoint["vocab"]["words"])
        if len(vocab) != config.vocab_size or vocab.tokens[: len(SPECIALS)] != SPECIALS:
            raise CheckpointError(f"a vocabulary of {len(vocab)} words for a model of {config.vocab_size}")
        predictor = cls(Captioner(config), vocab, checkpoint)
        predictor.model.load_state_dict({k: v.float() for k, v in checkpoint["state_dict"].items()})
        return predictor

    def to_checkpoint(self) -> dict:
        return {
            "task": self.task,
            "config": asdict(self.config),
            "vocab": {"words": self.vocab.tokens},
            "state_dict": self.model.state_dict(),
        }

    @torch.inference_mode()
    def features(self, pictures: list) -> torch.Tensor:
        """Region features [batch, 49, feature_dim] of images (PIL images, file bytes or paths)."""
        return self.encoder(images.pixels([images.open_image(picture) for picture in pictures]))

    @torch.inference_mode()
    def caption(self, pictures: list, beam_size: int = 3, max_length: int | None = None) -> list[str]:
        """Captions of images, decoded together (beam_size 1 is greedy)."""
        return self.caption_features(self.features(pictures), beam_size, max_length)

    @torch.inference_mode()
    def caption_features(self, features: torch.Tensor, beam_size: int = 3, max_length: int | None = None):
        attended, state = self.model.start(features.to(self._device))
        step, limit = (
            on_device(self.model.next_token_function(), self._device),
            max_length or self.config.max_length,
        )
        if beam_size == 1:
            outputs = greedy(step, state, attended, limit)
        else:
            outputs = [best[0][0] for best in beam_search(step, state, attended, beam_size, limit)]
        return [self.words(ids) for ids in outputs]

    def words(self, ids: list[int]) -> str:
        return " ".join(self.vocab.tokens[i] for i in until_eos(ids))

    def encode_prefix(self, prefix: str) -> list[int]:
        """The ids of the words a caption must start with, split as the vocabulary's words are."""
        words = caption_words(prefix)
        unknown = [word for word in words if word not in self.vocab.index]
        if unknown:
            names, verb = ", ".join(map(repr, unknown)), "is" if len(unknown) == 1 else "are"
            known = len(self.vocab) - len(SPECIALS)
            raise ValueError(f"{names} {verb} not among the {known} words the model can write.")
        if len(words) >= self.config.max_length:
            raise ValueError(
                f"The beginning is {len(words)} words long; captions here are under {self.config.max_length}."
            )
        return self.vocab.encode(words)

    @property
    def _device(self) -> torch.device:
        """Where the weights are: the CPU in the app, an accelerator while training validates."""
        return self.model.embedding.weight.device

    @torch.inference_mode()
    def analyze(
        self,
        picture: Image.Image | bytes,
        beam_size: int = 3,
        max_length: int | None = None,
        prefix: str = "",
        hide: Iterable[tuple[int, int]] = (),
    ) -> CaptionAnalysis:
        """Caption `picture`, starting with the words of `prefix` (forced) and never attending to the
        (row, col) cells in `hide`, and everything a page draws."""
        image = images.open_image(picture)
        forced, mask = self.encode_prefix(prefix), visible_regions(hide)
        features = self.encoder(images.pixels([image]))
        attended, state = self.model.start(features, mask)
        limit = max_length or self.config.max_length
        beams = beam_search(self.model.next_token_function(), state, attended, beam_size, limit, forced)[0]
        words = beams[0][0]
        steps, logits, salient = self._explain(features, mask, words)
        return CaptionAnalysis(
            text=self.words(words),
            tokens=[self.vocab.tokens[i] for i in words],
            probabilities=logits.softmax(dim=-1)[torch.arange(len(words)), words].tolist(),
            attention=self._attention_maps(steps),
            states=self._trace(steps, state),
            candidates=[(self.words(ids), score) for ids, score in beams],
            image=np.asarray(image),
            alternatives=[[(self.vocab.tokens[i], p) for i, p in row] for row in most_probable(logits)],
            saliency=salient.reshape(len(words), vision.GRID, vision.GRID),
        )

    def _explain(
        self, features: torch.Tensor, mask: torch.Tensor, words: list[int]
    ) -> tuple[list[CaptionStep], torch.Tensor, np.ndarray]:
        """`words` teacher-forced through the decoder: its steps and logits [words, vocab], one per
        word, and the saliency of each word over the regions [words, regions]."""
        with torch.inference_mode(False), torch.enable_grad():  # analyze runs in inference mode
            regions = features.clone().requires_grad_()
            attended, state = self.model.start(regions, mask)
            steps = self._teacher_force([*words, EOS], state, attended)  # the end's step too: never empty
            logits = torch.cat([step.logits for step in steps])[: len(words)]
            log_probs = logits.log_softmax(dim=-1)[torch.arange(len(words)), words]
            return steps[: len(words)], logits.detach(), saliency(log_probs, regions)

    def _teacher_force(self, words: list[int], state, attended: Attended) -> list[CaptionStep]:
        """The decoder's steps that produced `words` (the chosen beam), one per word."""
        steps = []
        for token in [BOS, *words[:-1]] if words else []:
            steps.append(self.model.step(torch.tensor([token]), state, attended))
            state = steps[-1].state
        return steps

    @staticmethod
    def _attention_maps(steps: list[CaptionStep]) -> np.ndarray:
        maps = [step.attention.view(vision.GRID, vision.GRID) for step in steps]
        return torch.stack(maps).numpy() if maps else np.zeros((0, vision.GRID, vision.GRID), np.float32)

    def _trace(self, steps: list[CaptionStep], initial) -> dict[str, np.ndarray]:
        """Every written-out cell quantity (h, c, gates) over the caption's steps."""
        if not steps:
            return {}
        inputs = torch.cat([s.inputs for s in steps])  # [words, embedding + feature]
        h0, c0 = (initial[0][0, 0], initial[1][0, 0]) if isinstance(initial, tuple) else (initial[0, 0], None)
        traced = trace_layer(self.model.cell, inputs, initial=h0, initial_cell=c0)
        return {name: values.numpy() for name, values in traced.items()}
