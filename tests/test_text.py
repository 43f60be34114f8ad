"""Tokenizer and vocabulary edge cases."""

import pytest

from models.text import BOS, EOS, PAD, SPECIALS, UNK, PieceVocab, Vocab, learn_pieces, tokenize
from tests.conftest import PAIRS, ROOT
from training.translation import train_sentencepiece


def test_clitics_split_like_sst2():
    raw, _ = tokenize("This film isn't terrible, it’s great!")
    pretokenized, _ = tokenize("this film is n't terrible , it 's great !")
    assert raw == pretokenized == ["this", "film", "is", "n't", "terrible", ",", "it", "'s", "great", "!"]


def test_html_breaks_emoji_and_other_scripts():
    tokens, _ = tokenize("Loved it.<br /><br />😀 映画 фильм<BR>end")
    assert tokens == ["loved", "it", ".", "😀", "映画", "фильм", "end"]
    assert tokenize("a < b")[0] == ["a", "<", "b"]


def test_truncation_is_reported():
    tokens, truncated = tokenize("word " * 200_000, max_tokens=100)  # 1 MB
    assert truncated and len(tokens) == 100
    assert tokenize("a b", max_tokens=2) == (["a", "b"], False)


def test_vocab_unknown_and_padding():
    vocab = Vocab.build([["a", "b", "a"], ["a", "c"]], max_size=10, min_count=2)
    assert vocab.tokens == [*SPECIALS[:2], "a"]
    assert vocab.encode(["a", "zzz"]) == [2, 1]


def test_vocab_rejects_a_list_without_specials():
    with pytest.raises(ValueError):
        Vocab(["a", "b"])


def test_sentencepiece_is_trained_in_one_place_with_the_specials_at_their_ids():
    texts = [sentence for pair in PAIRS * 4 for sentence in pair]
    unigram, bpe = learn_pieces(texts, 60), train_sentencepiece(texts, 80)
    assert [unigram.id_to_piece(i) for i in (PAD, UNK)] == list(SPECIALS[:2]) and unigram.bos_id() == -1
    assert [bpe.id_to_piece(i) for i in (PAD, UNK, BOS, EOS)] == list(SPECIALS)
    assert PieceVocab.learn(texts, 60).tokens == [
        unigram.id_to_piece(i) for i in range(unigram.get_piece_size())
    ]
    trainers = [
        str(path.relative_to(ROOT))
        for folder in ("models", "training", "ui", "pages")
        for path in (ROOT / folder).rglob("*.py")
        if "SentencePieceTrainer" in path.read_text()
        or "SentencePieceProcessor(model_proto=entry" in path.read_text()
    ]
    assert trainers == ["models/text.py"]
