"""The recorded run the "Why LSTM and GRU" page shows before any click: what training.recall writes,
and the shipped file is what its command records."""

import json

import pytest

from models.recall import train_recall
from tests.conftest import ROOT
from training import recall

SHIPPED = ROOT / "assets" / "recall-default.json"


def test_training_recall_writes_every_step_of_the_three_cells(tmp_path, capsys):
    out = tmp_path / "run.json"
    record = recall.main(["--distractors", "5", "--steps", "3", "--out", str(out)])
    assert json.loads(out.read_text()) == record
    assert record["command"] == f"python -m training.recall --distractors 5 --steps 3 --out {out}"
    assert (record["distractors"], record["steps"], record["seed"]) == (5, 3, 0)
    assert record["curves"]["cell"] == ["rnn", "lstm", "gru"] * 3
    assert record["curves"]["step"] == [1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_print_config_prints_the_settings_and_writes_nothing(tmp_path, capsys):
    with pytest.raises(SystemExit):
        recall.main(["--out", str(tmp_path / "run.json"), "--print-config"])
    assert json.loads(capsys.readouterr().out)["distractors"] == 60
    assert not (tmp_path / "run.json").exists()


def test_the_shipped_run_is_what_its_command_records():
    record = json.loads(SHIPPED.read_text())
    assert record["command"] == "python -m training.recall"
    assert (record["distractors"], record["steps"], record["seed"]) == (60, 400, 0)
    assert len(record["curves"]["loss"]) == 3 * 400
    # A run's first steps do not depend on its length: train five steps again and compare.
    again = list(train_recall(["rnn", "lstm", "gru"], 60, 5, seed=0))
    assert [step.loss for step in again] == pytest.approx(record["curves"]["loss"][:15], abs=1e-4)
    assert [step.accuracy for step in again] == record["curves"]["accuracy"][:15]
