"""Tokenizers and vocabularies (words, syllables, sentencepiece pieces): text in, token ids out,
padded into batches."""

import io
import re
import string
from collections import Counter
from collections.abc import Iterable

import sentencepiece
import torch
from torch import nn

from models.checkpoint import CheckpointError

WORD_START = "▁"  # sentencepiece's mark on a piece that begins a word
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")  # the first entries of every vocabulary, in this order
PAD, UNK, BOS, EOS = range(len(SPECIALS))  # their ids; a word vocabulary may keep just the first two

# Penn-Treebank-like splitting so raw reviews ("doesn't") and SST-2's pre-tokenized
# sentences ("does n't") end up as the same tokens. HTML line breaks (IMDB has many) are skipped.
_Q = "['\u2019\u2018`]"  # apostrophes, typographic or not
_TOKEN = re.compile(rf"(?i:<br\s*/?>)|n{_Q}t\b|\w+?(?=n{_Q}t\b)|{_Q}(?:s|re|ve|ll|d|m)\b|\w+|[^\w\s]")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def tokenize(text: str, max_tokens: int | None = None) -> tuple[list[str], bool]:
    """Lower-cased word, clitic and symbol tokens of `text`, at most `max_tokens` of them,
    and whether the text was cut. Matching is lazy: a huge text costs only what is read."""
    spans, cut = token_spans(text, max_tokens)
    return [text[start:end].lower().translate(_QUOTES) for start, end in spans], cut


def token_spans(text: str, max_tokens: int | None = None) -> tuple[list[tuple[int, int]], bool]:
    """The (start, end) character offsets of `tokenize`'s tokens, and whether the text was cut:
    tokenizing text[:end] of token k gives the text's first k + 1 tokens."""
    spans = []
    for match in _TOKEN.finditer(text):
        if match.group()[0] == "<" and len(match.group()) > 1:  # a <br />
            continue
        if max_tokens is not None and len(spans) == max_tokens:
            return spans, True
        spans.append(match.span())
    return spans, False


class Vocab:
    """Token <-> id mapping over word tokens (`tokenize`); id PAD is padding, id UNK stands for every
    unknown token. Its subclasses split text another way."""

    kind = "words"

    def split(self, text: str, max_tokens: int | None = None) -> tuple[list[str], bool]:
        """The tokens of `text` (at most `max_tokens`) and whether it was cut."""
        return tokenize(text, max_tokens)

    def spans(self, text: str, max_tokens: int | None = None) -> tuple[list[tuple[int, int]], bool]:
        """The (start, end) character offsets of `split`'s tokens, and whether the text was cut."""
        return token_spans(text, max_tokens)

    @classmethod
    def learn(cls, texts: list[str], max_size: int) -> "Vocab":
        """The vocabulary of training texts: their most frequent tokens (seen twice or more)."""
        splitter = cls(list(SPECIALS[:2]))
        return cls.build((splitter.split(text)[0] for text in texts), max_size)

    def __init__(self, tokens: list[str]):
        if tokens[:2] != list(SPECIALS[:2]):
            raise ValueError(f"a vocabulary starts with {SPECIALS[PAD]!r} and {SPECIALS[UNK]!r}")
        self.tokens = list(tokens)
        self.index = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, texts: Iterable[list[str]], max_size: int, min_count: int = 2) -> "Vocab":
        counts = Counter(token for tokens in texts for token in tokens)
        common = [t for t, n in counts.most_common(max_size - 2) if n >= min_count]
        return cls([*SPECIALS[:2], *common])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.index.get(token, UNK) for token in tokens]


class SyllableVocab(Vocab):
    """One token per character (a Hangul syllable, a letter, a symbol), lower-cased; a character that
    begins a word carries sentencepiece's mark, so spacing stays visible ("▁재", "미")."""

    kind = "syllables"

    def split(self, text: str, max_tokens: int | None = None) -> tuple[list[str], bool]:
        spans, cut = self.spans(text, max_tokens)
        starts = {start for start, _ in spans if start == 0 or text[start - 1].isspace()}
        return [WORD_START * (start in starts) + text[start].lower() for start, _ in spans], cut

    def spans(self, text: str, max_tokens: int | None = None) -> tuple[list[tuple[int, int]], bool]:
        spans = [(i, i + 1) for i, character in enumerate(text) if not character.isspace()]
        cut = max_tokens is not None and len(spans) > max_tokens
        return spans[:max_tokens], cut


class PieceVocab(Vocab):
    """Sentencepiece unigram pieces learned from the training texts (Kudo 2018): frequent words stay
    whole, rare ones fall apart into syllables, so misspelled or unspaced text still reads."""

    kind = "pieces"

    def __init__(self, processor: sentencepiece.SentencePieceProcessor):
        super().__init__([processor.id_to_piece(i) for i in range(processor.get_piece_size())])
        self.processor = processor

    @classmethod
    def learn(cls, texts: list[str], max_size: int) -> "PieceVocab":
        return cls(learn_pieces(texts, max_size))

    def split(self, text: str, max_tokens: int | None = None) -> tuple[list[str], bool]:
        pieces = self.processor.encode(text.lower(), out_type=str)
        cut = max_tokens is not None and len(pieces) > max_tokens
        return pieces[:max_tokens], cut

    def spans(self, text: str, max_tokens: int | None = None) -> tuple[list[tuple[int, int]], bool]:
        encoded = self.processor.encode(text.lower(), return_type="proto").pieces
        offsets = _byte_to_character(text.lower())
        spans = [(offsets[p.begin], offsets[p.end]) for p in encoded]
        spans = [(start + (end - start > 1 and text[start].isspace()), end) for start, end in spans]
        cut = max_tokens is not None and len(spans) > max_tokens
        return spans[:max_tokens], cut


def learn_pieces(
    texts: Iterable[str], max_size: int, kind: str = "unigram", coverage: float = 0.9995, ends: bool = False
) -> sentencepiece.SentencePieceProcessor:
    """Sentencepiece pieces of `kind` ("unigram", "bpe") learned from `texts`, covering that share of
    their characters: PAD and UNK first (with `ends`, BOS and EOS next), then at most `max_size` in
    all; fewer where the texts support no more (compare `get_piece_size()`)."""
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=model,
        vocab_size=max_size,
        model_type=kind,
        character_coverage=coverage,
        pad_id=PAD,
        unk_id=UNK,
        bos_id=BOS if ends else -1,
        eos_id=EOS if ends else -1,
        pad_piece=SPECIALS[PAD],
        unk_piece=SPECIALS[UNK],
        hard_vocab_limit=False,  # a small corpus may not support the full vocabulary
        minloglevel=2,
    )
    return sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())


def read_pieces(entry: dict) -> sentencepiece.SentencePieceProcessor:
    """A checkpoint's sentencepiece model (its vocab entry's "sentencepiece" bytes)."""
    try:
        return sentencepiece.SentencePieceProcessor(model_proto=entry["sentencepiece"])
    except (RuntimeError, TypeError, KeyError) as error:  # what sentencepiece raises on a damaged model
        raise CheckpointError(
            "its sentencepiece model cannot be read ({reason}).", "checkpoint.pieces_unreadable", reason=error
        ) from None


def _byte_to_character(text: str) -> list[int]:
    """offsets[b]: the character at UTF-8 byte b of `text` (and len(text) past its end)."""
    offsets = [i for i, character in enumerate(text) for _ in character.encode()]
    return [*offsets, len(text)]


VOCABS = {cls.kind: cls for cls in (Vocab, SyllableVocab, PieceVocab)}


def read_words(entry: dict, size: int, first: tuple[str, ...]) -> Vocab:
    """A checkpoint's word vocabulary ("words"): `size` words, starting with the specials `first`."""
    words = entry.get("words") if isinstance(entry, dict) else None
    if not isinstance(words, list):
        raise CheckpointError("its vocabulary has no word list.", "checkpoint.no_words")
    if tuple(words[: len(first)]) != first:
        raise CheckpointError(
            "its word list does not start with {first}.", "checkpoint.words_start", first=" ".join(first)
        )
    if len(words) != size:
        raise CheckpointError(
            "{count} words for an embedding of {size}.", "checkpoint.word_count", count=len(words), size=size
        )
    return Vocab(words)


def pad_batch(sequences: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids [batch, longest] (PAD) and the lengths [batch]."""
    lengths = torch.tensor([len(s) for s in sequences])
    ids = torch.full((len(sequences), int(lengths.max())), PAD, dtype=torch.long)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = torch.tensor(sequence)
    return ids, lengths


_PUNCTUATION = str.maketrans("", "", string.punctuation)


def caption_words(text: str) -> list[str]:
    """A caption as captioning papers score it: lower-cased words, punctuation removed."""
    return text.lower().translate(_PUNCTUATION).split()


class Embedding(nn.Embedding):
    """Token ids -> vectors, in float32 from a float16 table: `models.load` keeps the table in
    float16, as checkpoints store it, so a text model's largest weight takes half the bytes and no
    value changes."""

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        rows = super().forward(ids)
        return rows.float() if rows.dtype == torch.float16 else rows
