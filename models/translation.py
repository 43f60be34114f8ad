"""Many-to-many: a sentence -> recurrent encoder -> attentive decoder -> its translation."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sentencepiece
import torch
import torch.nn.functional as F
from torch import nn

from models.cells import FUSED, step_layer, trace_layer
from models.checkpoint import CheckpointError
from models.encoder import RecurrentEncoder
from models.errors import InputError
from models.int8 import Int8Layers, tied_output
from models.predictor import Decoder
from models.search import Step, beam_search, connectivity, most_probable
from models.settings import option
from models.text import BOS, EOS, PAD, SPECIALS, Embedding, pad_batch, read_pieces

BEAM_SIZE = 5  # the beam its page and the evaluation CLI translate with unless told otherwise

# The translation page's examples, by source language; every training run also records the first
# four (its probes).
EXAMPLES = {  # the first is the page's default
    "de": [
        "Ein Mann fährt mit dem Fahrrad eine steile Straße hinunter.",
        "Zwei kleine Kinder spielen im Sand am Strand.",
        "Eine Frau mit einem roten Hut verkauft Obst auf dem Markt.",
        "Ein schwarzer Hund springt über einen umgestürzten Baumstamm.",
        "Wie geht es dir?",
        "Ich schwimme gern.",
        "Kannst du mir bitte helfen?",
        "Tom hat seinen Schlüssel verloren.",
    ],
    "en": [
        "A man rides his bike down a steep street.",
        "Two little children are playing in the sand on the beach.",
        "A woman in a red hat is selling fruit at the market.",
        "A black dog jumps over a fallen log.",
        "How are you?",
        "I like to swim.",
        "Can you help me, please?",
        "Tom lost his key.",
    ],
}


@dataclass
class TranslationConfig:
    vocab_size: int  # the pieces sentencepiece learned from the training pairs (about --vocab-size)
    src: str = option("de", "source language (a column or file suffix of the data)")
    tgt: str = option("en", "target language")
    embedding_dim: int = option(256, "piece embedding size (shared by source and target)", minimum=1)
    hidden_dim: int = option(256, "encoder state size per direction", minimum=1)
    decoder_dim: int = option(512, "decoder state size", minimum=1)
    num_layers: int = option(1, "encoder layers", minimum=1)
    bidirectional: bool = option(True, "read the source in both directions")
    cell: str = option("gru", "recurrent cell", choices=list(FUSED))
    dropout: float = option(
        0.3, "dropout on embeddings, between layers and before the output", minimum=0, below=1
    )
    max_source_tokens: int = option(100, "source pieces read; longer sentences are cut", minimum=1)
    max_target_tokens: int = option(100, "longest translation produced, in pieces", minimum=2)


@dataclass
class EncodedSource:
    """The encoded source as every decoder step reads it."""

    outputs: torch.Tensor  # [batch, source_steps, encoder_dim]
    keys: torch.Tensor  # [batch, source_steps, decoder_dim]: W_a h_s, computed once
    mask: torch.Tensor  # [batch, source_steps], True on real tokens

    def select(self, index: torch.Tensor) -> "EncodedSource":
        return EncodedSource(self.outputs[index], self.keys[index], self.mask[index])


@dataclass
class DecoderStep:
    logits: torch.Tensor  # [batch, steps, vocab]
    state: object  # the fused cell's state after the last step
    attention: torch.Tensor  # [batch, steps, source_steps], rows sum to 1
    hidden: torch.Tensor  # [batch, steps, decoder_dim]


class Seq2Seq(nn.Module):
    """Luong-style attention: the decoder cell runs first, then looks at the source.

    Because attention does not feed back into the cell, teacher forcing runs the fused cell over
    the whole target at once; decoding runs the same equations one token at a time."""

    def __init__(self, config: TranslationConfig):
        super().__init__()
        self.config = config
        dims = config.embedding_dim, config.decoder_dim
        self.embedding = Embedding(config.vocab_size, config.embedding_dim, padding_idx=PAD)
        self.encoder = RecurrentEncoder(
            config.cell, dims[0], config.hidden_dim, config.num_layers, config.bidirectional, config.dropout
        )
        encoder_dim = self.encoder.output_dim
        self.bridge = nn.Linear(encoder_dim, dims[1])
        self.decoder = FUSED[config.cell](dims[0], dims[1], batch_first=True)
        self.attention = nn.Linear(encoder_dim, dims[1], bias=False)
        self.combine = nn.Linear(dims[1] + encoder_dim, dims[0])
        self.output_bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.dropout = nn.Dropout(config.dropout)
        self.int8 = Int8Layers()  # the output layer as decoding on the CPU runs it

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> tuple[EncodedSource, object, torch.Tensor]:
        """Source ids [batch, steps] -> what the decoder attends to, its initial state, and its h_0
        [batch, dim]."""
        return self.encode_embedded(self.embedding(ids), lengths)

    def encode_embedded(
        self, embedded: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[EncodedSource, object, torch.Tensor]:
        """`encode` from the source's embeddings [batch, steps, embedding_dim]: connectivity's inputs."""
        outputs = self.encoder(self.dropout(embedded), lengths)
        mask = torch.arange(embedded.size(1), device=embedded.device)[None, :] < lengths[:, None]
        mean = (outputs * mask[:, :, None]).sum(dim=1) / lengths[:, None]
        h0 = torch.tanh(self.bridge(mean))
        state = h0[None].contiguous()  # [1, batch, decoder_dim]
        if self.config.cell == "lstm":
            state = (state, torch.zeros_like(state))
        return EncodedSource(outputs, self.attention(outputs), mask), state, h0

    def decode(
        self, tokens: torch.Tensor, state, attended: EncodedSource, output: Callable | None = None
    ) -> DecoderStep:
        """The decoder over tokens [batch, steps], teacher-forced. `output`: the output layer to use
        instead of the float one (the searches' int8 copy, for logits that match theirs)."""
        hidden, state = self.decoder(self.dropout(self.embedding(tokens)), state)
        scores = hidden @ attended.keys.transpose(1, 2)  # [batch, steps, source_steps]
        attention = scores.masked_fill(~attended.mask[:, None, :], float("-inf")).softmax(dim=-1)
        context = attention @ attended.outputs  # [batch, steps, encoder_dim]
        combined = torch.tanh(self.combine(self.dropout(torch.cat([hidden, context], dim=-1))))
        logits = (output or self.output)(self.dropout(combined))
        return DecoderStep(logits, state, attention, hidden)

    def output(self, combined: torch.Tensor) -> torch.Tensor:
        weight = self.embedding.weight.to(combined.dtype)  # the app keeps the table in float16
        return F.linear(combined, weight, self.output_bias)  # tied to the embedding

    def next_token_function(self) -> Step:
        """`decode` as the searches call it, one token per row [rows] -> logits [rows, vocab], with
        fewer Python steps (the written-out cell instead of the fused module, which prepares its
        weights anew on every call) and, on the CPU, an int8 output layer (models/int8.py)."""
        output = tied_output(self)

        def next_token(tokens: torch.Tensor, state, attended: EncodedSource) -> tuple[torch.Tensor, object]:
            hidden, state = step_layer(self.decoder, self.dropout(self.embedding(tokens)), state)
            scores = (attended.keys @ hidden[:, :, None]).squeeze(-1)  # [rows, source_steps]
            attention = scores.masked_fill(~attended.mask, float("-inf")).softmax(dim=-1)
            context = (attention[:, None] @ attended.outputs).squeeze(1)  # [rows, encoder_dim]
            combined = torch.tanh(self.combine(self.dropout(torch.cat([hidden, context], dim=-1))))
            return output(self.dropout(combined)), state

        return next_token

    def forward(self, source, source_lengths, target_in) -> torch.Tensor:
        """Teacher forcing: logits [batch, target_steps, vocab] for target_in = BOS + target."""
        attended, state, _ = self.encode(source, source_lengths)
        return self.decode(target_in, state, attended).logits


@dataclass(frozen=True)
class TranslationAnalysis:
    text: str
    source_tokens: list[str]
    target_tokens: list[str]  # the generated pieces, ending with "</s>"
    attention: np.ndarray  # [len(target_tokens), len(source_tokens)], rows sum to 1
    encoder_states: dict[str, np.ndarray]  # "layer0.forward.h" -> [len(source_tokens), hidden]
    decoder_states: dict[str, np.ndarray]  # "decoder.h" (and gates) -> [len(target_tokens), hidden]
    candidates: list[tuple[str, float]]  # the final beam, best first
    truncated: bool
    alternatives: list[list[tuple[str, float]]]  # per target token: the 5 likeliest pieces there, best first
    connectivity: (
        np.ndarray
    )  # [len(target_tokens), len(source_tokens)]: |d log p(piece) / d source embedding|

    @property
    def decoder_inputs(self) -> list[str]:
        """The piece the decoder read at each step: BOS, then each piece it wrote before."""
        return [SPECIALS[BOS], *self.target_tokens[:-1]]

    def traced_states(self) -> dict[str, tuple[np.ndarray, list[str]]]:
        """Every traced state by name ("encoder.layer0.forward.h", "decoder.h"): its values
        [steps, units] and the pieces read at those steps; the hidden states first, each kind the
        encoder's (layer by layer, forward then backward), then the decoder's."""
        states = {f"encoder.{name}": (v, self.source_tokens) for name, v in self.encoder_states.items()}
        states |= {name: (values, self.decoder_inputs) for name, values in self.decoder_states.items()}
        order = sorted(states, key=lambda name: not name.endswith(".h"))  # stable: the traces' own order
        return {name: states[name] for name in order}


@dataclass(frozen=True)
class EncoderStates:
    source_tokens: list[str]
    states: dict[str, np.ndarray]  # "layer0.forward.h" -> [len(source_tokens), hidden]
    truncated: bool


class TranslationPredictor(Decoder):
    task = "translation"
    config_class = TranslationConfig
    model_class = Seq2Seq
    beam_size = BEAM_SIZE

    @classmethod
    def read_vocab(cls, entry: dict, config: TranslationConfig) -> sentencepiece.SentencePieceProcessor:
        """The sentencepiece model the checkpoint holds."""
        pieces = read_pieces(entry)
        if pieces.get_piece_size() != config.vocab_size:
            raise CheckpointError(
                "{count} pieces for a vocabulary of {size}.",
                "checkpoint.piece_count",
                count=pieces.get_piece_size(),
                size=config.vocab_size,
            )
        return pieces

    def vocab_entry(self) -> dict:
        pieces = [self.vocab.id_to_piece(i) for i in range(self.vocab.get_piece_size())]
        return {"pieces": pieces, "sentencepiece": self.vocab.serialized_model_proto()}

    @property
    def max_output(self) -> int:
        return self.config.max_target_tokens

    def encode(self, text: str) -> tuple[list[int], bool]:
        if not isinstance(text, str) or not text.strip():
            raise InputError("Enter a sentence to translate: the input is empty.", "translation.empty")
        ids = self.vocab.encode(text.strip())
        if not ids:
            raise InputError("The sentence has no characters the model can read.", "translation.unreadable")
        limit = self.config.max_source_tokens
        return ids[:limit], len(ids) > limit

    def split_prefix(self, prefix: str) -> tuple[list[int], list[str]]:
        return self.vocab.encode(prefix), self.vocab.encode(prefix, out_type=str)

    def cannot_write(self, unknown: list[str]) -> InputError:
        return InputError(
            "The model cannot write {unknown}: its pieces do not cover it.",
            "translation.cannot_write",
            unknown=repr(" ".join(unknown)),
        )

    def too_long(self, **values) -> InputError:
        return InputError(
            "The beginning is {length} pieces long; translations here are under {limit}.",
            "translation.too_long",
            **values,
        )

    def _max_length(self, source_length: int, max_length: int | None) -> int:
        return max_length or min(2 * source_length + 10, self.config.max_target_tokens)

    @torch.inference_mode()
    def translate(
        self, texts: list[str], beam_size: int = BEAM_SIZE, max_length: int | None = None
    ) -> list[str]:
        """Translations of `texts`, decoded together (beam_size 1 is greedy)."""
        sources = [self.encode(text)[0] for text in texts]
        ids, lengths = pad_batch(sources)
        attended, state, _ = self.model.encode(ids.to(self._device), lengths.to(self._device))
        outputs = self.search(state, attended, beam_size, self._max_length(int(lengths.max()), max_length))
        return [self.vocab.decode(output) for output in outputs]

    @torch.inference_mode()
    def analyze(
        self, text: str, beam_size: int = BEAM_SIZE, max_length: int | None = None, prefix: str = ""
    ) -> TranslationAnalysis:
        """Translate `text`, starting with the pieces of `prefix` (forced), and everything a page draws."""
        source, truncated = self.encode(text)
        forced = self.encode_prefix(prefix)
        ids, lengths = pad_batch([source])
        attended, state, h0 = self.model.encode(ids, lengths)
        limit = self._max_length(len(source), max_length)
        beams = beam_search(self.model.next_token_function(), state, attended, beam_size, limit, forced)[0]
        output = beams[0][0] + [EOS]
        logits, attention, connections = self._explain(source, output)
        embedded = self.model.embedding(torch.tensor([BOS, *output[:-1]]))
        decoder = trace_layer(self.model.decoder, embedded, initial=h0[0])
        encoder = self.model.encoder.trace(self.model.embedding(ids[0]))
        return TranslationAnalysis(
            text=self.vocab.decode(beams[0][0]),
            source_tokens=[self.vocab.id_to_piece(i) for i in source],
            target_tokens=[self.vocab.id_to_piece(i) for i in output[:-1]] + [SPECIALS[EOS]],
            attention=attention.numpy(),
            encoder_states={name: values.numpy() for name, values in encoder.items()},
            decoder_states={f"decoder.{name}": values.numpy() for name, values in decoder.items()},
            candidates=[(self.vocab.decode(ids), score) for ids, score in beams],
            truncated=truncated,
            alternatives=[[(self.vocab.id_to_piece(i), p) for i, p in row] for row in most_probable(logits)],
            connectivity=connections,
        )

    @torch.inference_mode()
    def encoder_states(self, text: str) -> EncoderStates:
        """The encoder's states over `text` (both ways, for a bidirectional one), without decoding."""
        source, truncated = self.encode(text)
        states = self.model.encoder.trace(self.model.embedding(torch.tensor(source)))
        pieces = [self.vocab.id_to_piece(i) for i in source]
        return EncoderStates(pieces, {name: values.numpy() for name, values in states.items()}, truncated)

    def _explain(self, source: list[int], output: list[int]) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
        """`output` teacher-forced through the decoder after `source`: its logits [steps, vocab] as
        the search's output layer gives them, attention [steps, source_steps], and the connectivity of
        each output piece over the source pieces (through the float layer: int8 has no gradient)."""
        with torch.inference_mode(False), torch.enable_grad():  # analyze runs in inference mode
            embedded = self.model.embedding(torch.tensor([source])).detach().requires_grad_()
            attended, state, _ = self.model.encode_embedded(embedded, torch.tensor([len(source)]))
            step = self.model.decode(torch.tensor([[BOS, *output[:-1]]]), state, attended)
            log_probs = step.logits[0].log_softmax(dim=-1)[torch.arange(len(output)), output]
            connections = connectivity(log_probs, embedded)
        attended, state, _ = self.model.encode(torch.tensor([source]), torch.tensor([len(source)]))
        targets = torch.tensor([[BOS, *output[:-1]]])
        logits = self.model.decode(targets, state, attended, tied_output(self.model)).logits[0]
        return logits, step.attention[0].detach(), connections
