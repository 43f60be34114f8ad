"""One-to-many: an image -> CNN region features -> attentive LSTM decoder -> a caption, word by word."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from models import images, vision
from models.cells import FUSED, step_layer, trace_layer
from models.checkpoint import CheckpointError
from models.errors import InputError
from models.predictor import Decoder
from models.regions import visible_regions
from models.search import Step, beam_search, connectivity, most_probable, until_eos
from models.settings import option
from models.text import BOS, EOS, PAD, SPECIALS, Vocab, caption_words

BEAM_SIZE = 3  # the beam its page and the evaluation CLI caption with unless told otherwise
MAX_WORDS = 30  # the longest caption a decoder writes unless its config says otherwise
GALLERY = Path(__file__).resolve().parents[1] / "assets" / "gallery"
# The captioning page's photos, which every training run also records (its probes). The first is the
# nearest to Flickr8k's people outdoors; the others show how it fares outside it.
PHOTOS = {
    "Photographer": "camera.jpg",
    "Coffee": "coffee.jpg",
    "Cat": "cat.jpg",
    "Astronaut": "astronaut.jpg",
    "Rocket launch": "rocket.jpg",
    "Grace Hopper": "hopper.jpg",
}


@dataclass
class CaptioningConfig:
    vocab_size: int  # the training captions' words seen at least --min-count times
    encoder: str = vision.ENCODER  # the frozen image encoder whose region features the decoder reads
    feature_dim: int = vision.FEATURE_DIM
    embedding_dim: int = option(256, "word embedding size", minimum=1)
    decoder_dim: int = option(512, "decoder state size", minimum=1)
    attention_dim: int = option(256, "attention scoring size", minimum=1)
    cell: str = option("lstm", "recurrent cell of the decoder", choices=list(FUSED))
    dropout: float = option(0.5, "dropout on words and before the output", minimum=0, below=1)
    max_length: int = option(MAX_WORDS, "longest caption produced, in words; longer ones are cut", minimum=2)


@dataclass
class EncodedImage:
    """The image as every decoder step reads it."""

    features: torch.Tensor  # [batch, regions, feature_dim]
    keys: torch.Tensor  # [batch, regions, attention_dim]: W_f f_i, computed once
    mask: torch.Tensor  # [batch, regions], True on the regions attention may read (all but hidden ones)

    def select(self, index: torch.Tensor) -> "EncodedImage":
        return EncodedImage(self.features[index], self.keys[index], self.mask[index])


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
        embed, hidden, feature = config.embedding_dim, config.decoder_dim, config.feature_dim
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

    def start(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[EncodedImage, object]:
        """Region features [batch, regions, feature_dim] and the regions the decoder may see (mask
        [batch, regions], all if None) -> what the decoder attends to, and the cell's initial state,
        made from the mean of the regions it may see: a hidden region reaches it by no path."""
        if mask is None:
            mask = torch.ones(features.shape[:2], dtype=torch.bool, device=features.device)
        weights = mask[:, :, None].to(features.dtype)
        mean = (features * weights).sum(dim=1) / weights.sum(dim=1)
        initial = torch.tanh(self.initial(mean))[None]  # [1, batch, hidden (x2)]
        state = tuple(initial.chunk(2, dim=-1)) if self.config.cell == "lstm" else initial
        return EncodedImage(features, self.keys(features), mask), state

    def step(self, tokens: torch.Tensor, state, attended: EncodedImage) -> CaptionStep:
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

        def next_token(tokens: torch.Tensor, state, attended: EncodedImage) -> tuple[torch.Tensor, object]:
            out = self.step(tokens, state, attended)
            return out.logits, out.state

        return next_token

    def forward(self, features: torch.Tensor, caption_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing over caption_in = BOS + caption [batch, steps]:
        logits [batch, steps, vocab] and attention [batch, steps, regions]."""
        attended, state = self.start(features)
        logits, attention = [], []
        for tokens in caption_in.unbind(dim=1):
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
    connectivity: np.ndarray  # [len(tokens), 7, 7]: |d log p(word) / d region features|, each map sums to 1


class CaptioningPredictor(Decoder):
    task = "captioning"
    config_class = CaptioningConfig
    model_class = Captioner
    beam_size = BEAM_SIZE

    def __init__(self, model: Captioner, vocab: Vocab, checkpoint: dict | None = None):
        super().__init__(model, vocab, checkpoint)
        self.encoder = vision.ImageEncoder()

    @classmethod
    def read_vocab(cls, entry: dict, config: CaptioningConfig) -> Vocab:
        if config.encoder != vision.ENCODER:
            raise CheckpointError(
                "decoder trained on {found} features, not {expected}",
                "checkpoint.other_encoder",
                found=repr(config.encoder),
                expected=repr(vision.ENCODER),
            )
        return super().read_vocab(entry, config)

    @property
    def max_output(self) -> int:
        return self.config.max_length

    @torch.inference_mode()
    def features(self, pictures: list) -> torch.Tensor:
        """Region features [batch, 49, feature_dim] of images (PIL images, file bytes or paths)."""
        return self.encoder(images.pixels([images.open_image(picture) for picture in pictures]))

    @torch.inference_mode()
    def caption(self, pictures: list, beam_size: int = BEAM_SIZE, max_length: int | None = None) -> list[str]:
        """Captions of images, decoded together (beam_size 1 is greedy)."""
        return self.caption_features(self.features(pictures), beam_size, max_length)

    @torch.inference_mode()
    def caption_features(
        self, features: torch.Tensor, beam_size: int = BEAM_SIZE, max_length: int | None = None
    ):
        attended, state = self.model.start(features.to(self._device))
        outputs = self.search(state, attended, beam_size, max_length or self.config.max_length)
        return [self.text(ids) for ids in outputs]

    def text(self, ids: list[int]) -> str:
        """The caption the ids spell, up to the first EOS."""
        return " ".join(self.vocab.tokens[i] for i in until_eos(ids))

    def split_prefix(self, prefix: str) -> tuple[list[int], list[str]]:
        words = caption_words(prefix)
        return self.vocab.encode(words), words

    def cannot_write(self, unknown: list[str]) -> InputError:
        values = {"names": ", ".join(map(repr, unknown)), "count": len(self.vocab) - len(SPECIALS)}
        if len(unknown) == 1:
            return InputError(
                "{names} is not among the {count} words the model can write.",
                "captioning.cannot_write_word",
                **values,
            )
        return InputError(
            "{names} are not among the {count} words the model can write.",
            "captioning.cannot_write_words",
            **values,
        )

    def too_long(self, **values) -> InputError:
        return InputError(
            "The beginning is {length} words long; captions here are under {limit}.",
            "captioning.too_long",
            **values,
        )

    @torch.inference_mode()
    def analyze(
        self,
        picture: Image.Image | bytes,
        beam_size: int = BEAM_SIZE,
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
        ids = beams[0][0]
        steps, logits, connections = self._explain(features, mask, ids)
        return CaptionAnalysis(
            text=self.text(ids),
            tokens=[self.vocab.tokens[i] for i in ids],
            probabilities=logits.softmax(dim=-1)[torch.arange(len(ids)), ids].tolist(),
            attention=self._attention_maps(steps),
            states=self._trace(steps, state),
            candidates=[(self.text(output), score) for output, score in beams],
            image=np.asarray(image),
            alternatives=[[(self.vocab.tokens[i], p) for i, p in row] for row in most_probable(logits)],
            connectivity=connections.reshape(len(ids), vision.GRID, vision.GRID),
        )

    def _explain(
        self, features: torch.Tensor, mask: torch.Tensor, ids: list[int]
    ) -> tuple[list[CaptionStep], torch.Tensor, np.ndarray]:
        """The caption's word ids teacher-forced through the decoder: its steps and logits [words,
        vocab], one per word, and the connectivity of each word over the regions [words, regions]."""
        with torch.inference_mode(False), torch.enable_grad():  # analyze runs in inference mode
            regions = features.clone().requires_grad_()
            attended, state = self.model.start(regions, mask)
            steps = self._teacher_force([*ids, EOS], state, attended)  # the end's step too: never empty
            logits = torch.cat([step.logits for step in steps])[: len(ids)]
            log_probs = logits.log_softmax(dim=-1)[torch.arange(len(ids)), ids]
            return steps[: len(ids)], logits.detach(), connectivity(log_probs, regions)

    def _teacher_force(self, ids: list[int], state, attended: EncodedImage) -> list[CaptionStep]:
        """The decoder's steps that produced the word ids (the chosen beam), one per word."""
        steps = []
        for token in [BOS, *ids[:-1]] if ids else []:
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
