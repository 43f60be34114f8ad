"""Sentencepiece pieces as a reader sees them: their labels, the text they spell, the ones nobody types."""

import sentencepiece

from models.text import BOS, EOS, PAD, SPECIALS, UNK, WORD_START


def piece_labels(pieces: list[str]) -> list[str]:
    """Sentencepiece pieces as a reader recognises them: no word-start mark (a bare one is a space, "␣"),
    a piece that the next one continues ending in a hyphen ("Fahr-", "rad"), the end as "(end)"."""
    labels = []
    for piece, following in zip(pieces, [*pieces[1:], WORD_START]):
        text = "(end)" if piece == SPECIALS[EOS] else piece.removeprefix(WORD_START) or "␣"
        continued = text[-1:].isalnum() and following[:1].isalnum()
        labels.append(f"{text}-" if continued else text)
    return labels


def written(pieces: list[str]) -> str:
    """The text that sentencepiece pieces spell."""
    return "".join(pieces).replace(WORD_START, " ").strip()


def special_pieces(processor: sentencepiece.SentencePieceProcessor) -> frozenset[str]:
    """The pieces of the ids every decoder reserves (padding, unknown, start, end): no typed text is
    encoded as one of them."""
    return frozenset(processor.id_to_piece(i) for i in (PAD, UNK, BOS, EOS))
