"""Checkpoint round trip and every way loading can fail: one clear CheckpointError each time."""

import gzip
import pickle

import pytest
import torch

import models
from models import checkpoint
from tests.conftest import save_sentiment, tiny_sentiment


def test_round_trip_gives_the_same_predictions(tmp_path):
    original = tiny_sentiment("gru", bidirectional=True)
    path = save_sentiment(tmp_path / "s.pt", original)
    loaded = models.load(path)
    assert loaded.task == "sentiment" and loaded.config == original.config
    assert loaded.predict(["a great film"]) == pytest.approx(original.predict(["a great film"]), abs=1e-6)
    assert loaded.info["metrics"]["score"] == 0.5


def test_half_precision_storage_halves_the_file(tmp_path):
    predictor = tiny_sentiment()
    stored = {**predictor.to_checkpoint(), "train": {}, "metrics": {}}
    checkpoint.save(tmp_path / "full.pt", stored)
    checkpoint.save(tmp_path / "half.pt", {**stored, "state_dict": checkpoint.half(stored["state_dict"])})
    half = models.load(tmp_path / "half.pt")
    assert half.predict(["great"]) == pytest.approx(predictor.predict(["great"]), abs=1e-2)
    assert (tmp_path / "half.pt").stat().st_size < (tmp_path / "full.pt").stat().st_size


def failure(path, task=None) -> str:
    with pytest.raises(models.CheckpointError) as error:
        models.load(path, task)
    return str(error.value)


def test_missing_file_names_the_command(tmp_path):
    assert "make train-sentiment-gru`" in failure(tmp_path / "sentiment-gru.pt", "sentiment")  # shipped
    nope = tmp_path / "nope.pt"  # not shipped: the script, writing where it was looked for
    assert f"`python -m training.sentiment --out {nope}`" in failure(nope, "sentiment")


def test_truncated_file(tmp_path):
    path = save_sentiment(tmp_path / "sentiment.pt", tiny_sentiment())
    path.write_bytes(path.read_bytes()[:200])
    assert "not a readable checkpoint" in failure(path)
    assert "make train-sentiment" in failure(path)  # the file name says which task it was for


@pytest.mark.parametrize("content", [b"", b"hello, not a checkpoint", gzip.compress(b"x" * 100)])
def test_not_a_torch_file(tmp_path, content):
    path = tmp_path / "s.pt"
    path.write_bytes(content)
    assert "not a readable checkpoint" in failure(path)


def test_dict_without_our_keys(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "s.pt")
    assert "not an Unfold checkpoint" in failure(tmp_path / "s.pt")


def test_wrong_task(tmp_path):
    path = save_sentiment(tmp_path / "s.pt", tiny_sentiment())
    assert "not 'translation'" in failure(path, "translation")
    with pytest.raises(models.CheckpointError) as error:  # the one check, with the command that fixes it
        models.load(path, task="translation")
    assert error.value.key == "checkpoint.other_task"
    assert error.value.values["command"] == f"python -m training.translation --out {path}"
    assert f"`python -m training.translation --out {path}`" in str(error.value)


@pytest.mark.parametrize(
    "epochs, average, kept", [(5, 1, [5]), (2, 2, [1, 2]), (4, 2, [3, 4]), (1, 3, [1]), (6, None, [6])]
)
def test_kept_epochs_are_the_best_one_or_the_mean_of_it_and_those_before(epochs, average, kept):
    args = {} if average is None else {"average": average}  # None: a run from before --average
    assert list(checkpoint.kept_epochs({"epochs": epochs, "args": args})) == kept


def test_kept_epochs_of_a_record_without_them_is_its_history_s_best():
    history = [{"epoch": e, "validation": {"score": s}} for e, s in ((1, 0.5), (2, 0.7), (3, 0.6))]
    assert list(checkpoint.kept_epochs({"history": history})) == [2]


def test_newer_format_version(tmp_path):
    path = save_sentiment(tmp_path / "s.pt", tiny_sentiment())
    stored = torch.load(path, weights_only=True)
    torch.save({**stored, "format_version": checkpoint.FORMAT_VERSION + 1}, path)
    assert "format version" in failure(path)


def words(stored: dict) -> list[str]:
    return stored["vocab"]["words"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: {"config": {**c["config"], "hidden_dim": 99}}, "not a usable checkpoint"),
        (lambda c: {"config": {**c["config"], "hidden_dim": 0}}, "not a usable checkpoint"),
        (lambda c: {"config": {**c["config"], "colour": "red"}}, "not a usable checkpoint"),
        (lambda c: {"vocab": {"words": words(c)[2:]}}, "not a usable checkpoint"),
        (lambda c: {"vocab": {"words": [*words(c), "extra"]}}, "not a usable checkpoint"),
        (lambda c: {"state_dict": ["not", "a", "dict"]}, "not a usable checkpoint"),
        (lambda c: {"task": "poetry"}, "unknown task"),
        (lambda c: {"task": ["sentiment"]}, "unknown task"),
        (lambda c: {"format_version": "1"}, "no valid format version"),
    ],
)
def test_malformed_content(tmp_path, change, message):
    path = save_sentiment(tmp_path / "sentiment.pt", tiny_sentiment())
    stored = torch.load(path, weights_only=True)
    torch.save({**stored, **change(stored)}, path)
    assert message in failure(path)


class Payload:
    def __reduce__(self):
        return (exec, ("open(__import__('os').environ['MARKER'], 'w').write('pwned')",))


def test_crafted_pickle_is_refused_and_never_runs(tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    monkeypatch.setenv("MARKER", str(marker))
    path = tmp_path / "evil.pt"
    with path.open("wb") as file:
        pickle.dump({"format_version": 1, "task": "sentiment", "payload": Payload()}, file, protocol=2)
    message = failure(path)
    assert "refused" in message and "run code" in message
    torch.save({"format_version": 1, "payload": Payload()}, path)  # the same inside torch's zip format
    assert "refused" in failure(path)
    assert not marker.exists()


def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = save_sentiment(tmp_path / "s.pt", tiny_sentiment())
    before = path.read_bytes()

    def crash(obj, file):
        open(file, "wb").write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_sentiment(path, tiny_sentiment(seed=1))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.pt"]  # the half-written file is gone too


def test_every_predictor_is_a_predictor(fixture_checkpoints):
    for path in sorted(fixture_checkpoints.glob("*.pt")):
        assert isinstance(models.load(path), models.Predictor), path.name


def test_a_bug_in_the_code_is_not_blamed_on_the_file(tmp_path, monkeypatch):
    path = save_sentiment(tmp_path / "sentiment.pt", tiny_sentiment())

    def broken(cls, checkpoint):
        raise AttributeError("a bug")

    monkeypatch.setattr(models.SentimentPredictor, "from_checkpoint", classmethod(broken))
    with pytest.raises(AttributeError, match="a bug"):
        models.load(path)
