"""Sentencepiece pieces as a reader sees them: labels without the word mark, the text they spell, and
the reserved pieces that no typed text can force."""

from models.pieces import WORD_START, piece_labels, special_pieces, written
from tests.conftest import PAIRS
from training.translation import train_sentencepiece


def test_piece_labels_drop_the_word_mark_and_hyphenate_split_words():
    pieces = ["▁Ein", "▁Fahr", "rad", "▁st", "eile", "▁Straße", ".", "▁", "<unk>", "</s>"]
    expected = ["Ein", "Fahr-", "rad", "st-", "eile", "Straße", ".", "␣", "<unk>", "(end)"]
    assert piece_labels(pieces) == expected


def test_pieces_spell_their_text():
    assert written(["▁Ein", "▁Fahr", "rad", "."]) == "Ein Fahrrad."
    assert written([f"{WORD_START}A", f"{WORD_START}wo"]) == "A wo" and written([]) == ""


def test_the_special_pieces_are_the_reserved_ids_and_never_come_from_text():
    processor = train_sentencepiece([s for pair in PAIRS * 4 for s in pair], vocab_size=80)
    special = special_pieces(processor)
    assert special == {"<pad>", "<unk>", "<s>", "</s>"}
    typed = " ".join(source for source, _ in PAIRS) + " <s> </s>"
    assert not special & set(processor.encode(typed, out_type=str))
