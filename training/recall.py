"""Record the recall task's curves for the "Why LSTM and GRU" page: python -m training.recall."""

import json
import sys
from dataclasses import asdict, dataclass

import torch

from models.cells import FUSED
from models.files import write_atomically
from models.recall import DISTRACTORS, SEED, STEPS, train_recall
from models.settings import option
from training.flags import parse, pick


@dataclass
class RecallRecording:
    distractors: int = option(
        DISTRACTORS, "N: random symbols between the one to remember and the cue", minimum=1
    )
    steps: int = option(STEPS, "training steps of each cell", minimum=1)
    seed: int = option(SEED, "seed of the weights and the batches", minimum=0)
    out: str = option("assets/recall-default.json", "the JSON file to write")


def main(argv: list[str] | None = None) -> dict:
    """Train the three cells as the page does (one thread, the same batches) and write every step's loss
    and accuracy, with the settings and the command, to --out."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse(__doc__, argv, RecallRecording)
    settings = pick(RecallRecording, args)
    if args.print_config:
        print(json.dumps(asdict(settings)))
        raise SystemExit(0)
    torch.set_num_threads(1)
    steps = list(train_recall(list(FUSED), settings.distractors, settings.steps, seed=settings.seed))
    record = {
        "command": " ".join(["python -m training.recall", *argv]),
        **{key: value for key, value in asdict(settings).items() if key != "out"},
        "curves": {
            "cell": [step.cell for step in steps],
            "step": [step.step for step in steps],
            "loss": [round(step.loss, 5) for step in steps],
            "accuracy": [step.accuracy for step in steps],
        },
    }
    write_atomically(settings.out, lambda tmp: tmp.write_text(json.dumps(record) + "\n"))
    print(f"wrote {settings.out}: {len(steps)} steps of {', '.join(FUSED)}")
    return record


if __name__ == "__main__":
    main()
