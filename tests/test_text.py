"""Tokenizer and vocabulary edge cases."""

import pytest

from models.text import SPECIALS, Vocab, tokenize


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
