"""Every shipped checkpoint is what its make target trains, and its card says what the file holds."""

import dataclasses
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from models.atlas import atlas_path
from models.captioning import CaptioningConfig
from models.sentiment import SentimentConfig
from models.translation import TranslationConfig
from tests.conftest import ROOT, SHARED_DATA, tiny_sentiment, write_sentiment_data
from training import card, sentiment
from training.captioning import CaptioningTraining
from training.sentiment import SentimentTraining
from training.translation import TranslationTraining

SHIPPED = [  # the committed checkpoints, not a run's intermediate or resume files
    ROOT / name
    for name in subprocess.run(
        ["git", "ls-files", "checkpoints/*.pt"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
]
# Where the output goes and how it ran, not what it learned.
RUN_ONLY = {"out", "threads", "resume", "device"}
SCRIPTS = {  # each script's settings: its own, then its model's
    "sentiment": (SentimentTraining, SentimentConfig),
    "translation": (TranslationTraining, TranslationConfig),
    "captioning": (CaptioningTraining, CaptioningConfig),
}


def target_commands(name: str) -> list[list[str]]:
    """The training commands of `make train-<name>`, in order, as make would run them, without the
    interpreter: the last one writes the checkpoint, an earlier one what it starts from."""
    dry_run = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", f"train-{name}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert dry_run.returncode == 0, f"no make target train-{name}: {dry_run.stderr.strip()}"
    scripts = re.compile(r" -m training\.(sentiment|translation|captioning) ")
    lines = dry_run.stdout.replace("\\\n", " ").splitlines()  # continued lines as one
    commands = [shlex.split(line)[1:] for line in lines if scripts.search(line)]
    assert commands, dry_run.stdout
    return commands


def printed_settings(command: list[str]) -> dict:
    printed = subprocess.run(
        [sys.executable, *command, "--print-config"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return settings(json.loads(printed.stdout))


def settings(args: dict) -> dict:
    return {key: value for key, value in args.items() if key not in RUN_ONLY}


def defaults(script: str) -> dict:
    return {
        field.name: field.default_factory() if callable(field.default_factory) else field.default
        for cls in SCRIPTS[script]
        for field in dataclasses.fields(cls)
    }


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent: targets read the hub")
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_make_target_retrains_the_shipped_checkpoint_with_its_recorded_settings(path):
    *first, last = target_commands(path.stem)
    train = card.ckpt.read(path)["train"]
    printed, recorded = printed_settings(last), settings(train["args"])
    added = {key: value for key, value in printed.items() if key not in recorded}  # flags newer than the run
    script = last[1].removeprefix("training.")
    assert added == {key: defaults(script)[key] for key in added}, "a newer flag must default to the old way"
    assert {key: printed[key] for key in recorded} == recorded
    started_from = train.get("init")
    for before in reversed(first):  # a recipe in steps: each step writes what the next starts from
        assert started_from, f"the checkpoint records no run before {last}"
        assert printed_settings(before) == printed_settings(shlex.split(started_from["command"])[1:])
        started_from = started_from.get("init")
    assert started_from is None, "the make target lacks a step the checkpoint records"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_generated_part_of_each_card_is_what_the_checkpoint_says(path):
    written, prose = card.split(card.card_path(path).read_text())
    assert written == card.generated(path), f"stale card: run python -m training.card {path}"
    assert prose.strip(), "the hand-written part is missing"


def test_print_config_prints_the_resolved_settings_and_trains_nothing(tmp_path, capsys):
    out = tmp_path / "never.pt"
    with pytest.raises(SystemExit) as stop:
        sentiment.main(["--out", str(out), "--cell", "gru", "--print-config"])
    assert stop.value.code == 0 and not out.exists()
    printed = json.loads(capsys.readouterr().out)
    assert printed["cell"] == "gru" and printed["oversample"] == [1, 2] and "print_config" not in printed


def test_a_card_is_written_from_a_fresh_checkpoint_and_keeps_its_prose(tmp_path):
    csv, sst = write_sentiment_data(tmp_path)
    out = tmp_path / "mine.pt"
    sentiment.main(["--data", str(csv), str(sst), "--out", str(out), "--hidden-dim", "8", "--max-steps", "2"])
    assert card.card_path(out).exists() and atlas_path(out).exists()  # training writes both
    card.main([str(out)])
    text = card.card_path(out).read_text()
    assert "1-layer unidirectional LSTM, 8 units" in text and "--max-steps 2" in text
    card.card_path(out).write_text(text.replace("What worked, what did not, limits.", "Trained as a test."))
    card.main([str(out)])
    assert "Trained as a test." in card.card_path(out).read_text()
    card.main([str(out), "--check"])  # fresh: no SystemExit


def test_check_names_a_stale_card(tmp_path):
    csv, sst = write_sentiment_data(tmp_path)
    out = tmp_path / "mine.pt"
    sentiment.main(["--data", str(csv), str(sst), "--out", str(out), "--hidden-dim", "8", "--max-steps", "1"])
    card.card_path(out).write_text(f"{card.BEGIN}\n| parameters | 12 |\n{card.END}\nprose\n")
    with pytest.raises(SystemExit, match=str(Path(out).with_suffix(".md"))):
        card.main([str(out), "--check"])


def carded(folder: Path, name: str, **train) -> str:
    """The generated card of a tiny sentiment checkpoint at folder/checkpoints/<name>.pt whose
    training record says `train` (a run of three epochs unless told otherwise)."""
    path = folder / "checkpoints" / f"{name}.pt"
    path.parent.mkdir(exist_ok=True)
    predictor = tiny_sentiment()
    args = {"data": ["mine.csv"], "epochs": 3, "average": 1, "seed": 0, **train.pop("args", {})}
    history = [
        {"epoch": e, "train_loss": 0.7, "grad_norm": 0.4, "validation": {"score": 0.5 + e / 10}}
        for e in (1, 2, 3)
    ]
    record = {"command": "python -m training.sentiment", "args": args, "epochs": 3, "steps": 9}
    record |= {"wall_time_s": 1, "history": history, **train}
    metrics = {"split": "validation", "mine": {"accuracy": 0.8, "examples": 6}, "score": 0.8}
    card.ckpt.save(path, {**predictor.to_checkpoint(), "train": record, "metrics": metrics})
    return card.generated(path)


def test_a_card_of_averaged_weights_says_they_are_the_mean_of_those_epochs(tmp_path):
    averaged = carded(tmp_path, "mine", args={"average": 2})
    assert "Keeps the mean of epochs 2-3 of 3 (`average` 2)" in averaged
    assert "validation scores the mean of its weights and those of up to 1 epoch before it" in averaged
    assert "Best epoch" not in averaged
    assert "Best epoch 3 of 3 by the validation score" in carded(tmp_path, "other")


def test_a_card_names_the_make_target_only_for_a_shipped_file_its_target_wrote(tmp_path):
    own = carded(tmp_path, "sentiment", by_make=False)  # one's own data, at the shipped model's path
    assert "make train-sentiment" not in own and "The command below rebuilt this file" in own
    assert "`make train-sentiment` rebuilds this file" in carded(tmp_path, "sentiment", by_make=True)
    assert "make train-" not in carded(tmp_path, "mine", by_make=True)  # no shipped model of that name


def test_a_card_says_when_the_vocabulary_came_out_smaller_than_asked(tmp_path):
    text = carded(tmp_path, "mine", args={"vocab_size": 8000})
    built = tiny_sentiment().config.vocab_size
    assert f"| vocabulary | {built:,} entries (`vocab_size` asked for 8,000" in text
    assert f"(sentiment, {card.registry.STRUCTURES['sentiment']})" in text
