"""A visitor's own checkpoint, uploaded: refused with one clear line when it cannot be used (nothing
in it ever runs), else read, named and analysed on every model page, for that visitor only."""

import gzip
import hashlib
import io
import json
import re
import threading

import numpy as np
import pytest
import torch

import models
from models import checkpoint, states
from models.atlas import Unit, atlas_path
from models.errors import Said
from models.record import record_path
from models.states import StatesError
from models.translation import EXAMPLES
from tests.conftest import app, chart_rows, save_sentiment, tiny_sentiment, write_sentiment_data
from tests.test_training import train
from ui import upload

HANGUL = re.compile("[\uac00-\ud7a3]")


class LeavesATrace:
    """Unpickling it would create the file `trace`: proof that pickled code ran."""

    def __init__(self, trace):
        self.trace = str(trace)

    def __reduce__(self):
        return open, (self.trace, "w")


def saved(value) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def refusal(data: bytes, task: str | None = None) -> Said:
    with pytest.raises(models.CheckpointError) as error:
        models.load(upload.FOLDER / "0123" / "mine.pt", task, data=data)
    assert str(upload.FOLDER) not in str(error.value)  # named by its file name, as the visitor knows it
    return error.value


@pytest.fixture(scope="module")
def sentiment_bytes(tmp_path_factory) -> bytes:
    return save_sentiment(tmp_path_factory.mktemp("own") / "s.pt", tiny_sentiment()).read_bytes()


def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(tmp_path, sentiment_bytes):
    trace = tmp_path / "ran"
    stored = torch.load(io.BytesIO(sentiment_bytes), weights_only=True)
    error = refusal(saved({**stored, "train": {"command": LeavesATrace(trace)}}))
    assert error.key == "checkpoint.unsafe"
    assert not trace.exists()


def test_random_bytes_are_not_a_checkpoint():
    assert refusal(torch.randint(0, 256, (4096,), dtype=torch.uint8).numpy().tobytes()).key == (
        "checkpoint.unreadable"
    )


def test_a_checkpoint_of_another_task_is_refused_for_this_one(sentiment_bytes):
    error = refusal(sentiment_bytes, "translation")
    assert error.key == "checkpoint.other_task"
    assert "mine.pt holds a 'sentiment' model" in str(error)


def test_an_oversized_upload_is_refused_before_it_is_read(monkeypatch, sentiment_bytes):
    monkeypatch.setattr(checkpoint, "MAX_UPLOAD_MB", 0)
    monkeypatch.setattr(torch, "load", lambda *args, **kwargs: pytest.fail("read"))
    error = refusal(sentiment_bytes)
    assert error.key == "checkpoint.too_large"
    assert "up to 0 MB" in str(error)


def test_a_newer_format_is_refused_with_what_to_do(sentiment_bytes):
    stored = torch.load(io.BytesIO(sentiment_bytes), weights_only=True)
    error = refusal(saved({**stored, "format_version": checkpoint.FORMAT_VERSION + 1}))
    assert error.key == "checkpoint.too_new"
    assert "git pull" in str(error)


def test_an_older_file_without_its_keys_is_not_an_unfold_checkpoint(sentiment_bytes):
    stored = torch.load(io.BytesIO(sentiment_bytes), weights_only=True)
    assert refusal(saved({k: v for k, v in stored.items() if k != "format_version"})).key == (
        "checkpoint.not_unfold"
    )


def test_the_bytes_are_read_as_the_file_would_be(fixture_checkpoints):
    path = fixture_checkpoints / "sentiment-gru.pt"
    uploaded = models.load(upload.FOLDER / "abc" / "mine.pt", data=path.read_bytes())
    text = "a great film"
    assert uploaded.analyze(text).positive == pytest.approx(models.load(path).analyze(text).positive)
    assert uploaded.atlas is None and uploaded.dynamics is None  # no side files for an upload


# The pages, through AppTest


def opened(monkeypatch, folder, page: str, language: str = "en"):
    upload.UPLOADS.clear()
    at = app(monkeypatch, folder)
    at.query_params["lang"] = language
    at.run().switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def send(at, key: str, name: str, data: bytes):
    at.file_uploader(key=key).upload(name, data, "application/octet-stream").run()
    assert not at.exception, at.exception
    return at


PAGES = {  # page: (its Model box, the fixture checkpoint of its task)
    "sentiment": ("sentiment_model", "sentiment-gru"),
    "translation": ("translation_model", "translation-en-de"),
    "captioning": ("captioning_model", "captioning"),
    "bidirectional": ("bidirectional_model", "translation-en-de"),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_renamed_checkpoint_is_analysed_and_named_on_its_page(monkeypatch, fixture_checkpoints, page):
    key, shipped = PAGES[page]
    at = opened(monkeypatch, fixture_checkpoints, page)
    send(at, f"{key}_upload", "my own model.pt", (fixture_checkpoints / f"{shipped}.pt").read_bytes())
    assert at.selectbox(key=key).value == "my own model.pt"
    assert "my own model.pt" in at.selectbox(key=key).options
    assert not at.error
    if page == "translation":  # it reads English: its first example, as if picked in the box
        assert at.text_area(key="translation_text").value == EXAMPLES["en"][0]


def test_the_sentiment_page_reads_with_the_upload_and_names_it(monkeypatch, fixture_checkpoints):
    at = opened(monkeypatch, fixture_checkpoints, "sentiment")
    send(at, "sentiment_model_upload", "mine.pt", (fixture_checkpoints / "sentiment-rnn.pt").read_bytes())
    assert "mine.pt (vanilla RNN)" in set(chart_rows(at.get("vega_lite_chart")[0])["model"])
    assert any("no atlas yet" in info.value for info in at.info)  # and a button that builds one
    assert at.button(key="upload_build_atlas")


def test_the_bptt_page_backpropagates_through_an_upload(monkeypatch, fixture_checkpoints):
    at = opened(monkeypatch, fixture_checkpoints, "bptt")
    send(at, "bptt_upload", "mine.pt", (fixture_checkpoints / "sentiment-gru.pt").read_bytes())
    assert "mine.pt" in set(chart_rows(at.get("vega_lite_chart")[0])["cell"])


def test_the_bptt_page_stands_when_an_upload_was_let_go(monkeypatch, fixture_checkpoints):
    at = opened(monkeypatch, fixture_checkpoints, "bptt")
    send(at, "bptt_upload", "mine.pt", (fixture_checkpoints / "sentiment-gru.pt").read_bytes())
    at.file_uploader(key="bptt_upload").set_value(None)
    upload.UPLOADS.clear()
    at.run()
    assert not at.exception and any("upload the file again" in c.value for c in at.caption)
    assert "mine.pt" not in set(chart_rows(at.get("vega_lite_chart")[0])["cell"])
    assert at.slider(key="bptt_radius")  # the rest of the page, its radius included


def test_an_upload_is_listed_for_its_visitor_only(monkeypatch, fixture_checkpoints):
    at = opened(monkeypatch, fixture_checkpoints, "sentiment")
    send(at, "sentiment_model_upload", "mine.pt", (fixture_checkpoints / "sentiment-gru.pt").read_bytes())
    other = app(monkeypatch, fixture_checkpoints).run().switch_page("pages/sentiment.py").run()
    assert "mine.pt" not in other.selectbox(key="sentiment_model").options


def test_an_upload_of_another_task_names_the_page_that_reads_it(monkeypatch, fixture_checkpoints):
    at = opened(monkeypatch, fixture_checkpoints, "sentiment")
    send(at, "sentiment_model_upload", "words.pt", (fixture_checkpoints / "captioning.pt").read_bytes())
    assert "Captioning (one to many)" in at.warning[0].value
    assert at.selectbox(key="sentiment_model").value == "sentiment"
    at.switch_page("pages/captioning.py").run()
    assert "words.pt" in at.selectbox(key="captioning_model").options


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_refused_upload_is_one_line_in_the_visitor_s_language(monkeypatch, fixture_checkpoints, language):
    at = opened(monkeypatch, fixture_checkpoints, "translation", language)
    send(at, "translation_model_upload", "noise.pt", b"\x00 not a checkpoint")
    assert len(at.error) == 1 and "noise.pt" in at.error[0].value
    assert bool(HANGUL.search(at.error[0].value)) == (language == "ko")
    assert at.selectbox(key="translation_model").value == "translation-de-en"


def test_an_evicted_upload_asks_for_the_file_again(monkeypatch, fixture_checkpoints):
    at = opened(monkeypatch, fixture_checkpoints, "sentiment")
    send(at, "sentiment_model_upload", "mine.pt", (fixture_checkpoints / "sentiment-gru.pt").read_bytes())
    at.file_uploader(key="sentiment_model_upload").set_value(None)  # as on another page: no file at hand
    upload.UPLOADS.clear()
    at.run()
    assert not at.exception
    assert "upload the file again" in at.warning[0].value


# A states file of any model (models/states.py)

TEXTS = [["not", "terrible", "at", "all"], ["dull", "and", "long"], ["a", "great", "film", "!"]]


def states_bytes(labelled=True, **changed) -> bytes:
    rng = np.random.default_rng(0)
    lengths = [len(text) for text in TEXTS]
    values = rng.normal(size=(sum(lengths), 10)).astype(np.float32)
    values[:, 0] = np.repeat([3.0, -3.0, 3.0], lengths)  # unit 0 tells the labels apart, and stands out
    arrays = {"tokens": np.array(sum(TEXTS, [])), "lengths": np.array(lengths), "states": values}
    arrays |= {"labels": np.array([1, 0, 1])} if labelled else {}
    buffer = io.BytesIO()
    np.savez(buffer, **(arrays | changed))
    return buffer.getvalue()


def test_a_states_file_answers_through_the_atlas_code():
    own = states.read(states_bytes(), "mine.npz")
    assert own.atlas.units(states.STATE)[0] == Unit(0, 1.0, 1)
    assert own.atlas.top(0, states.STATE, 1, lowest=True)[0].context == "[[dull]] and long"
    matches = own.atlas.match([0], states.STATE, threshold=0.5)
    assert {match.text_index for match in matches} == {0, 2}
    tokens, values = own.text(1)
    assert tokens == TEXTS[1] and values.shape == (3, 10)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"PK\x03\x04 not really", "states.unreadable"),
        (states_bytes(lengths=np.array([4, 3, 3])), "states.shapes"),
        (states_bytes(labels=np.array([1, 2, 0])), "states.labels"),
    ],
)
def test_a_states_file_that_does_not_fit_is_refused(data, key):
    with pytest.raises(StatesError) as error:
        states.read(data, "mine.npz")
    assert error.value.key == key and "mine.npz" in str(error.value)


def test_a_states_file_is_bounded_before_its_arrays_are_read(monkeypatch):
    monkeypatch.setattr(states, "MAX_VALUES", 10)
    monkeypatch.setattr(np.lib.npyio.NpzFile, "__getitem__", lambda *args: pytest.fail("read"))
    with pytest.raises(StatesError) as error:
        states.read(states_bytes(), "mine.npz")
    assert error.value.key == "states.too_large" and "largest accepted is 10" in str(error.value)


def test_a_states_file_needs_its_arrays():
    buffer = io.BytesIO()
    np.savez(buffer, states=np.zeros((2, 2)))
    with pytest.raises(StatesError) as error:
        states.read(buffer.getvalue(), "mine.npz")
    assert error.value.key == "states.incomplete"


@pytest.mark.parametrize("labelled", [True, False])
def test_the_sentiment_page_shows_a_states_file(monkeypatch, fixture_checkpoints, labelled):
    at = opened(monkeypatch, fixture_checkpoints, "sentiment")
    send(at, "sentiment_states_upload", "mine.npz", states_bytes(labelled))
    assert "Inside mine.npz" in [subheader.value for subheader in at.subheader]
    assert (at.get("vega_lite_chart")[0].key, len(at.get("vega_lite_chart"))) == (
        "sentiment_states_heatmap",
        2 if labelled else 1,  # the ranking's chart
    )
    assert any("at every token of" in markdown.value for markdown in at.markdown)  # the pattern search
    at.file_uploader(key="sentiment_states_upload").set_value(None).run()
    assert not at.exception and "Inside mine.npz" not in [subheader.value for subheader in at.subheader]


def test_a_refused_states_file_says_why_in_korean(monkeypatch, fixture_checkpoints):
    at = opened(monkeypatch, fixture_checkpoints, "sentiment", "ko")
    send(at, "sentiment_states_upload", "mine.npz", states_bytes(labels=np.array([1, 2, 0])))
    assert HANGUL.search(at.error[0].value) and "mine.npz" in at.error[0].value


# The atlas built for an uploaded sentiment model, and the training record sent with one


@pytest.fixture
def heldout(tmp_path, monkeypatch):
    """A few held-out reviews of each label in place of the ones the app ships."""
    rows = [
        {"text": text, "label": label, "source": "fixture"}
        for text, label in [("a great film", 1), ("dull and long", 0), ("not bad at all !", 1)] * 4
        + [("terrible , just terrible", 0)] * 4
    ]
    with gzip.open(tmp_path / "heldout-en.jsonl.gz", "wt") as file:
        file.write("\n".join(json.dumps(row) for row in rows))
    monkeypatch.setattr(upload, "HELDOUT", tmp_path)


def test_the_shipped_held_out_texts_have_both_labels_in_both_languages():
    for language in ("en", "ko"):
        corpus = upload.heldout(language)
        assert 1000 <= len(corpus.texts) <= 2000 and sorted(set(corpus.labels)) == [0, 1], language


def test_an_upload_gets_its_atlas_built_on_demand_once_for_every_visitor(
    monkeypatch, fixture_checkpoints, heldout
):
    at = opened(monkeypatch, fixture_checkpoints, "sentiment")
    data = (fixture_checkpoints / "sentiment-gru.pt").read_bytes()
    send(at, "sentiment_model_upload", "mine.pt", data)
    assert "Units that carry the verdict" not in [subheader.value for subheader in at.subheader]
    at.button(key="upload_build_atlas").click().run(timeout=60)
    assert not at.exception and not at.error
    assert "Units that carry the verdict" in [subheader.value for subheader in at.subheader]
    built = upload.UPLOADS.cached(hashlib.sha256(data).hexdigest())
    assert atlas_path(built.path).is_file() and built.atlas.meta["checkpoint"] == "mine.pt"
    other = app(monkeypatch, fixture_checkpoints).run().switch_page("pages/sentiment.py").run()
    send(other, "sentiment_model_upload", "theirs.pt", data)  # the same bytes: the same atlas, no button
    assert "Units that carry the verdict" in [subheader.value for subheader in other.subheader]
    assert "upload_build_atlas" not in [button.key for button in other.button]


def test_atlas_builds_wait_in_one_line_across_visitors(monkeypatch, fixture_checkpoints):
    release = threading.Event()
    monkeypatch.setattr(upload, "_build", lambda job: release.wait(30))
    first, second = (
        models.load(fixture_checkpoints / f"{name}.pt") for name in ("sentiment", "sentiment-gru")
    )
    building = upload.build(first)
    waiting = upload.build(second)
    assert upload.build(first) is building  # a second visitor with the same model joins its build
    assert (upload.ahead(building), upload.ahead(waiting)) == (0, 1)
    release.set()
    assert waiting.finished.wait(30) and building.finished.is_set() and upload.ahead(waiting) == 0


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> dict[str, bytes]:
    """A tiny trained model and its training record, as the training script wrote them."""
    folder = tmp_path_factory.mktemp("recorded")
    data = [str(p) for p in write_sentiment_data(tmp_path_factory.mktemp("data"))]
    train(data, folder / "s.pt", "--epochs", "1", "--cartography", "20")
    return {"pt": (folder / "s.pt").read_bytes(), "record": record_path(folder / "s.pt").read_bytes()}


def send_files(at, key: str, files: list[tuple[str, bytes]]):
    at.file_uploader(key=key).set_value(
        [(name, data, "application/octet-stream") for name, data in files]
    ).run()
    assert not at.exception, at.exception
    return at


def test_a_record_sent_with_its_checkpoint_replays_its_training(monkeypatch, fixture_checkpoints, recorded):
    at = opened(monkeypatch, fixture_checkpoints, "learning")
    files = [("mine.pt", recorded["pt"]), ("mine.record.npz", recorded["record"])]
    send_files(at, "learning_model_upload", files)
    assert at.selectbox(key="learning_model").value == "mine.pt" and not at.error
    assert "Units forming" in [subheader.value for subheader in at.subheader]
    assert upload.UPLOADS.cached(hashlib.sha256(recorded["pt"]).hexdigest()).dynamics.texts


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ([("mine.pt", "sentiment-gru"), ("mine.record.npz", "record")], "another training run than the one"),
        ([("mine.pt", "pt"), ("mine.record.npz", b"\x00 noise")], "not a training record this app can read"),
        ([("mine.pt", "pt"), ("theirs.pt", "sentiment-gru")], "one checkpoint (.pt) at a time"),
        ([("mine.pt", "pt"), ("states.npz", "record")], "one checkpoint (.pt) at a time"),
    ],
)
def test_what_comes_with_a_checkpoint_is_checked(monkeypatch, fixture_checkpoints, recorded, files, says):
    at = opened(monkeypatch, fixture_checkpoints, "learning")
    contents = {"sentiment-gru": (fixture_checkpoints / "sentiment-gru.pt").read_bytes(), **recorded}
    send_files(at, "learning_model_upload", [(name, contents.get(data, data)) for name, data in files])
    assert len(at.error) == 1 and says in at.error[0].value
    assert "mine.pt" not in at.selectbox(key="learning_model").options


def test_a_record_is_bounded_before_it_is_read(monkeypatch, fixture_checkpoints, recorded):
    monkeypatch.setattr(upload, "MAX_RECORD_MB", 0)
    monkeypatch.setattr(upload, "read_record", lambda path: pytest.fail("read"))
    at = opened(monkeypatch, fixture_checkpoints, "learning", "ko")
    send_files(
        at, "learning_model_upload", [("mine.pt", recorded["pt"]), ("mine.record.npz", recorded["record"])]
    )
    assert "mine.record.npz" in at.error[0].value and HANGUL.search(at.error[0].value)
