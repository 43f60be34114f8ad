"""Each helper and each fact of models/ and training/ once, and what they say true: a second copy, or
the false words, fail here."""

import re

import numpy as np
import pytest
import torch

from models import cells, images, recall, registry
from models.errors import first_line
from models.files import file_version, read_npz, save_npz, write_atomically
from tests.conftest import ROOT
from training import data, flags
from training.translation import TranslationConfig, TranslationTraining

CODE = ("models", "training", "ui", "pages", "bench")


def sources_holding(pattern: str, folders=CODE) -> list[str]:
    """The Python files under `folders` whose text matches `pattern`, as paths from the root."""
    found = re.compile(pattern)
    return sorted(
        str(path.relative_to(ROOT))
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if found.search(path.read_text())
    )


def test_an_error_is_quoted_by_its_first_line_cut_to_120_characters_in_one_place():
    assert first_line(ValueError("first\nsecond")) == "first"
    assert first_line(EOFError()) == "EOFError"
    assert first_line(OSError("x" * 500)) == "x" * 120
    assert sources_holding(r"splitlines\(\) or \[") == ["models/errors.py"]


def test_an_atomic_write_makes_its_folder_and_a_failed_one_leaves_the_old_file(tmp_path):
    path = tmp_path / "new" / "folder" / "file.txt"
    write_atomically(path, lambda tmp: tmp.write_text("good"))
    assert path.read_text() == "good"

    def half_then_crash(tmp):
        tmp.write_text("ha")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, half_then_crash)
    assert path.read_text() == "good" and [p.name for p in path.parent.iterdir()] == ["file.txt"]
    assert sources_holding(r"os\.replace\(", ("models", "training")) == ["models/files.py"]


def test_a_side_file_keeps_its_meta_and_arrays_and_its_version_changes_with_it(tmp_path):
    path = tmp_path / "side" / "x.record.npz"
    assert file_version(path) is None
    save_npz(path, {"format_version": 1, "name": "x"}, {"a": np.arange(3)})
    meta, arrays = read_npz(path)
    assert meta == {"format_version": 1, "name": "x"} and list(arrays) == ["a"]
    assert np.array_equal(arrays["a"], np.arange(3))
    first = file_version(path)
    save_npz(path, {"format_version": 1}, {"a": np.arange(4)})
    assert file_version(path) != first
    assert sources_holding(r"savez_compressed\(", ("models", "training")) == ["models/files.py"]
    assert sources_holding(r"st_mtime_ns", ("models",)) == ["models/files.py"]


def test_the_lstm_equations_are_written_once_and_stepping_equals_the_fused_kernel():
    torch.manual_seed(0)
    layer = torch.nn.LSTM(3, 4, batch_first=True)
    inputs = torch.randn(5, 3)
    traced = cells.trace_layer(layer, inputs)  # all steps at once
    state = (torch.zeros(1, 1, 4), torch.zeros(1, 1, 4))
    for t in range(5):  # one step at a time, as decoders run
        h, state = cells.step_layer(layer, inputs[t : t + 1], state)
        assert torch.allclose(h[0], traced["h"][t], atol=1e-6)
        assert torch.allclose(state[1][0, 0], traced["c"][t], atol=1e-6)
    source = (ROOT / "models" / "cells.py").read_text()
    assert source.count("chunk(4") == 1 and source.count("torch.tanh(c)") == 1
    assert sources_holding(r"chunk\(4", ("models",)) == ["models/cells.py"]


def test_the_data_sources_explain_a_failure_in_one_place(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b'text,label\n"unclosed\n\xff\xfe')
    with pytest.raises(data.DataError, match=r"broken\.csv: cannot be read|broken\.csv: needs"):
        data.load_sentiment(str(broken))
    assert sources_holding(r"cannot be read \(\{type\(error\)", ("training",)) == ["training/data.py"]
    assert (ROOT / "training" / "data.py").read_text().count("except DataError") == 1


def test_a_file_source_is_named_after_the_file_and_a_split_s_file_after_its_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    rows = "text,label\n" + "".join(f"review {i} {'good' if i % 2 else 'bad'},{i % 2}\n" for i in range(40))
    for name in ("reviews.csv", "more-reviews.csv.gz", "train.csv"):
        (tmp_path / "mine" / name).write_text(rows)
    assert data.source_name(str(tmp_path / "mine" / "reviews.csv")) == "reviews"
    assert data.source_name(str(tmp_path / "mine" / "more-reviews.csv.gz")) == "more-reviews"
    assert data.source_name(str(tmp_path / "mine" / "train.csv")) == "mine"  # imdb/train.csv.gz: imdb
    two = data.load_sentiment_sources(
        [str(tmp_path / "mine" / "reviews.csv"), str(tmp_path / "mine" / "train.csv")]
    )
    assert list(two) == ["reviews", "mine"]  # two files of one folder, each a source


def test_translation_help_tells_the_default_out_once():
    help = flags.parser_of("", TranslationTraining, TranslationConfig).format_help()
    assert " ".join(help.split()).count("checkpoints/translation-SRC-TGT.pt") == 1
    assert "(default: )" not in help and "(AdamW)" in help


def test_the_structures_and_cell_names_live_in_models_alone():
    assert registry.STRUCTURES == {
        "sentiment": "many to one",
        "captioning": "one to many",
        "translation": "many to many",
    }
    assert sources_holding(r"\"many to one\"") == ["models/registry.py"]
    assert sources_holding(r"\"vanilla RNN") == ["models/cells.py"]
    assert sources_holding(r"STRONG_AUC = |SATURATED = ", ("models", "training")) == ["models/atlas.py"]


def test_limits_are_told_from_their_constants():
    assert images.MAX_PIXELS == images.MAX_SIDE**2
    with pytest.raises(images.ImageError) as refused:
        images.open_image(images.Image.new("1", (images.MAX_SIDE + 1, images.MAX_SIDE)))
    assert refused.value.values["side"] == images.MAX_SIDE
    assert f"{images.MAX_SIDE}x{images.MAX_SIDE}" in str(refused.value)
    assert not sources_holding(r"8192x8192")
    assert recall.CHANCE == 1 / recall.SYMBOLS and not sources_holding(r"1 in 8")


def test_comments_say_what_the_code_does():
    assert not sources_holding(r"\(Adam\)|Immutable after loading|; immutable,", ("models", "training"))
    assert not sources_holding(r"make load\b", ("bench",))
    int8 = (ROOT / "models" / "int8.py").read_text()
    assert "translation" in int8.split('"""')[1]  # says whose output layer it copies
