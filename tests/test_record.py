"""The training record: written during a run for every task, ending at the weights the checkpoint keeps."""

import numpy as np
import pytest

import models
from models.captioning import GALLERY, PHOTOS
from models.record import read, record_path
from tests.conftest import (
    write_captioning_data,
    write_everyday_pairs,
    write_sentiment_data,
    write_translation_data,
)
from tests.test_training import train, train_captioning
from training import translation


@pytest.fixture(scope="module")
def sentiment_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("record")
    csv, sst = write_sentiment_data(folder)
    out = folder / "s.pt"
    train([str(csv), str(sst)], out, "--epochs", "3", "--cartography", "40", "--seed", "1")
    return out


def test_the_record_starts_before_training_and_ends_at_the_kept_weights(sentiment_run):
    model = models.load(sentiment_run)
    record = model.dynamics
    history = model.info["train"]["history"]
    best = max(history, key=lambda epoch: epoch["validation"]["score"])
    assert record.steps[0] == 0 and list(record.steps) == sorted(set(record.steps))
    assert record.steps[-1] == model.info["train"]["steps"]  # the checkpoint's own step count
    assert len(record.epoch_steps) == best["epoch"]
    last = len(record.steps) - 1
    for i, text in enumerate(record.texts):
        analysis = model.analyze(text)
        assert record.tokens[i] == analysis.tokens
        assert np.allclose(record.trace(last, i), analysis.step_positive, atol=2e-3)
        assert np.allclose(record.states(last, i), analysis.states["layer0.forward.h"], atol=2e-3)
    first = record.states(0, 0)
    assert first.shape == (len(record.tokens[0]), model.config.hidden_dim)
    assert not np.allclose(first, record.states(last, 0), atol=1e-3)  # training moved the states


def test_unit_auc_at_the_last_point_ranks_units_as_the_atlas_does(sentiment_run):
    model = models.load(sentiment_run)
    atlas_units = model.atlas.units("layer0.forward.h")
    auc = model.dynamics.unit_auc
    assert auc.shape == (len(model.dynamics.steps), model.config.hidden_dim)
    for unit in atlas_units:
        assert auc[-1, unit.index] == pytest.approx(unit.auc, abs=1e-3)


def test_cartography_is_the_kept_examples_confidence_every_epoch(sentiment_run):
    model = models.load(sentiment_run)
    cartography = model.dynamics.cartography
    epochs = len(model.dynamics.epoch_steps)
    assert cartography.probabilities.shape == (epochs, len(cartography.text)) and len(cartography.text) == 40
    assert set(cartography.label.tolist()) == {0, 1}
    positive = model.predict(cartography.text)  # the last epoch's probabilities are the model's own
    right = np.where(cartography.label == 1, positive, 1 - np.array(positive))
    assert np.allclose(cartography.probabilities[-1], right, atol=2e-3)
    assert np.all((0 <= cartography.correctness) & (cartography.correctness <= 1))
    assert np.allclose(cartography.confidence, cartography.probabilities.astype(np.float32).mean(0))


def test_no_record_without_the_flag_and_none_for_other_weights(tmp_path, sentiment_run):
    csv, sst = write_sentiment_data(tmp_path)
    out = tmp_path / "plain.pt"
    train([str(csv), str(sst)], out, "--max-steps", "2", "--no-record")
    assert not record_path(out).exists() and models.load(out).dynamics is None
    record_path(out).write_bytes(record_path(sentiment_run).read_bytes())  # another run's record
    assert models.load(out).dynamics is None


def test_a_damaged_record_is_a_clear_error(tmp_path):
    path = tmp_path / "x.record.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(models.record.RecordError, match="not a readable training record"):
        read(path)


def test_translation_records_each_probe_s_translation_and_attention(tmp_path):
    folder, everyday = write_translation_data(tmp_path), write_everyday_pairs(tmp_path)
    out = tmp_path / "t.pt"
    small = ["--vocab-size", "80", "--embedding-dim", "8", "--hidden-dim", "8", "--decoder-dim", "8"]
    translation.main(["--data", str(folder), str(everyday), "--out", str(out), "--epochs", "2", *small])
    model = models.load(out)
    record = model.dynamics
    last = len(record.steps) - 1
    assert record.steps[0] == 0 and len(record.texts) == 4
    for i, text in enumerate(record.texts):
        analysis = model.analyze(text, beam_size=1)
        assert record.output(last, i) == analysis.text
        assert record.output_tokens(last, i) == analysis.target_tokens
        assert np.allclose(record.attention(last, i), analysis.attention, atol=2e-3)


def test_captioning_records_each_photo_s_caption_and_attention(tmp_path):
    folder = write_captioning_data(tmp_path)
    train_captioning(folder, tmp_path, "--epochs", "2", "--beam-size", "1")
    model = models.load(tmp_path / "c.pt")
    record = model.dynamics
    last = len(record.steps) - 1
    assert record.texts[0] == "Photographer" and record.steps[0] == 0
    attention = record.attention(last, 0)
    assert attention.shape[0] == len(record.output_tokens(last, 0)) and attention.shape[1:] == (7, 7)
    photo = (GALLERY / PHOTOS["Photographer"]).read_bytes()
    assert record.output(last, 0) == model.analyze(photo, beam_size=1).text


def test_a_resumed_run_keeps_the_points_before_it(tmp_path):
    csv, sst = write_sentiment_data(tmp_path)
    out = tmp_path / "r.pt"
    train([str(csv), str(sst)], out, "--epochs", "1", "--cartography", "0")
    before = list(models.load(out).dynamics.steps)
    train([str(csv), str(sst)], out, "--epochs", "2", "--cartography", "0", "--resume")
    after = models.load(out).dynamics
    assert list(after.steps[: len(before)]) == before  # and, if the second epoch was kept, more
