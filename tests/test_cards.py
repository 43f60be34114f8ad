"""Every shipped checkpoint is what its make target trains, and its card says what the file holds."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from models.atlas import atlas_path
from tests.conftest import ROOT, SHARED_DATA, write_sentiment_data
from training import card, sentiment

SHIPPED = sorted(p for p in (ROOT / "checkpoints").glob("*.pt") if not p.name.endswith(".resume.pt"))
# Where the output goes and how it ran, not what it learned.
RUN_ONLY = {"out", "threads", "resume", "device"}


def target_command(name: str) -> list[str]:
    """The training command of `make train-<name>`, as make would run it, without the interpreter."""
    dry_run = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", f"train-{name}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert dry_run.returncode == 0, f"no make target train-{name}: {dry_run.stderr.strip()}"
    scripts = re.compile(r" -m training\.(sentiment|translation|captioning) ")
    commands = [line for line in dry_run.stdout.splitlines() if scripts.search(line)]
    assert len(commands) == 1, dry_run.stdout
    return shlex.split(commands[0])[1:]


def settings(args: dict) -> dict:
    return {key: value for key, value in args.items() if key not in RUN_ONLY}


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent: targets read the hub")
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_make_target_retrains_the_shipped_checkpoint_with_its_recorded_settings(path):
    printed = subprocess.run(
        [sys.executable, *target_command(path.stem), "--print-config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    recorded = card.ckpt.read(path)["train"]["args"]
    assert settings(json.loads(printed.stdout)) == settings(recorded)


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
