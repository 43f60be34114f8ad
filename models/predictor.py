"""What every task's predictor shares: building itself from a checkpoint (and refusing one that does
not fit), writing one, its device; and what the two decoders share: the search and a forced beginning."""

import dataclasses
import functools
from pathlib import Path

import torch
from torch import nn

from models.atlas import weights_hash
from models.checkpoint import CheckpointError
from models.errors import InputError
from models.record import TrainingRecord
from models.record import beside as record_beside
from models.search import beam_search, greedy, on_device
from models.text import SPECIALS, UNK, read_words


class Predictor:
    """A trained model ready for inference, the one type pages, tests, benchmarks and the evaluation
    CLI use. `models.load` finishes it (its `path`, embedding tables kept in float16); after that
    nothing changes its weights or vocabulary, so Streamlit sessions share it. A task's subclass
    names its task, config and model, reads and writes its vocabulary, and adds `analyze` and batch
    methods."""

    task: str
    config_class: type
    model_class: type[nn.Module]
    specials: tuple[str, ...] = SPECIALS  # the first words of its vocabulary
    path: Path | None = None  # the checkpoint file, set by models.load; side files lie beside it

    def __init__(self, model: nn.Module, vocab, checkpoint: dict | None = None):
        self.model = model.eval()
        self.config = model.config
        self.vocab = vocab
        self.info = {k: checkpoint[k] for k in ("train", "metrics") if k in (checkpoint or {})}

    @functools.cached_property
    def _weights_hash(self) -> str:
        return weights_hash(self.model)

    @property
    def dynamics(self) -> TrainingRecord | None:
        """The record of the training run that made these weights (models/record.py), read from the
        file beside the checkpoint; None when there is none."""
        return None if self.path is None else record_beside(self.path, self._weights_hash)

    @classmethod
    def from_checkpoint(cls, checkpoint: dict) -> "Predictor":
        """The predictor a checkpoint (models.checkpoint.read's dict) holds. Raises CheckpointError
        when its config, vocabulary or weights do not fit this code's model."""
        config = cls._config(checkpoint["config"])
        vocab = cls.read_vocab(checkpoint["vocab"], config)
        try:
            model = cls.model_class(config)
        except (TypeError, ValueError, RuntimeError) as error:
            raise CheckpointError(
                "its config cannot build the model ({reason}).", "checkpoint.config_unbuildable", reason=error
            ) from None
        _load_weights(model, checkpoint["state_dict"])
        return cls(model, vocab, checkpoint)

    @classmethod
    def _config(cls, config: dict):
        """The config dataclass; a setting added since the checkpoint was written takes its default."""
        fields = dataclasses.fields(cls.config_class)
        names = {f.name for f in fields}
        required = {
            f.name
            for f in fields
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        if not isinstance(config, dict) or not required <= set(config) <= names:
            differ = (
                sorted((set(config) - names) | (required - set(config)))
                if isinstance(config, dict)
                else config
            )
            raise CheckpointError(
                "its config differs in {differ}.", "checkpoint.config_differs", differ=differ
            )
        return cls.config_class(**config)

    @classmethod
    def read_vocab(cls, entry: dict, config):
        """The vocabulary a checkpoint's "vocab" entry holds, checked against the config: a word list
        that starts with the task's special tokens, unless a task stores another kind."""
        return read_words(entry, config.vocab_size, cls.specials)

    def vocab_entry(self) -> dict:
        """The vocabulary as a checkpoint stores it."""
        return {"words": self.vocab.tokens}

    def to_checkpoint(self) -> dict:
        """The parts of a checkpoint that come from the model (no train or metrics)."""
        return {
            "task": self.task,
            "config": dataclasses.asdict(self.config),
            "vocab": self.vocab_entry(),
            "state_dict": self.model.state_dict(),
        }

    @property
    def _device(self) -> torch.device:
        """Where the weights are: the CPU in the app, an accelerator while training validates."""
        return self.model.embedding.weight.device

    def analyze(self, *inputs, **options):
        """Everything a page draws about one input."""
        raise NotImplementedError


class Decoder(Predictor):
    """A predictor that writes its output token by token (translation, captioning)."""

    beam_size: int  # the beam width its pages and the evaluation CLI decode with unless told otherwise

    @property
    def max_output(self) -> int:
        """The longest output it writes, in tokens."""
        raise NotImplementedError

    def search(self, state, attended, beam_size: int, max_length: int) -> list[list[int]]:
        """Each row's output ids: greedy for beam_size 1, else the best of the beam."""
        step = on_device(self.model.next_token_function(), self._device)
        if beam_size == 1:
            return greedy(step, state, attended, max_length)
        return [best[0][0] for best in beam_search(step, state, attended, beam_size, max_length)]

    def encode_prefix(self, prefix: str) -> list[int]:
        """The ids of a beginning the output must start with (no EOS); ValueError when the model
        cannot write it or it leaves no room."""
        ids, units = self.split_prefix(prefix)
        unknown = [unit for i, unit in zip(ids, units) if i == UNK]
        if unknown:
            raise self.cannot_write(unknown)
        if len(ids) >= self.max_output:
            raise self.too_long(length=len(ids), limit=self.max_output)
        return ids

    def split_prefix(self, prefix: str) -> tuple[list[int], list[str]]:
        """A beginning's ids (UNK where the vocabulary lacks one) and the units they stand for."""
        raise NotImplementedError

    def cannot_write(self, unknown: list[str]) -> InputError:
        """Why a beginning with these units is refused."""
        raise NotImplementedError

    def too_long(self, **values) -> InputError:
        """Why a beginning `length` units long is refused: it leaves no room under `limit`, max_output."""
        raise NotImplementedError


def _load_weights(model: nn.Module, weights: dict) -> None:
    """The checkpoint's weights (float16 in the file) into the model, once their names and shapes are
    the model's."""
    shapes = {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}
    if (
        not isinstance(weights, dict)
        or {k: tuple(getattr(v, "shape", ())) for k, v in weights.items()} != shapes
    ):
        raise CheckpointError(
            "its weights have other names or shapes than the model its config describes.",
            "checkpoint.weights",
        )
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in weights.items()})
