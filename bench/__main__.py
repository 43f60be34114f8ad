"""Every benchmark in one run (make bench): medians and ratios per predictor and for the app, checked
against the targets, printed as a table and written as JSON."""

import argparse
import json
import os
import platform
from pathlib import Path

import torch

from bench import app, captioning, sentiment, show, translation
from models import registry

KOREAN = registry.default("sentiment", "ko")
# (section, label) -> the most it may take, in ms (or MB for memory) on one torch thread of the
# project's 2-core machine
TARGETS = {
    ("sentiment", "analyze, one 256-token review"): 5,
    (KOREAN, "analyze, one 40-character review"): 5,
    ("atlas", "read the atlas file (once per file)"): 1000,
    ("atlas", "top 10 snippets of a unit"): 100,
    ("atlas", "match 3 units, default threshold"): 100,
    ("atlas", "pattern search, most units on first"): 100,
    ("atlas", "re-read 12 snippets for token colours"): 1000,
    **{(m.name, "translate, 15 words, beam 5"): 20 for m in registry.shipped("translation")},
    **{(m.name, "analyze with connectivity, 15 words, beam 5"): 150 for m in registry.shipped("translation")},
    ("captioning", "caption, with the encoder, beam 3"): 35,
    ("captioning", "analyze with connectivity, with the encoder, beam 3"): 250,
    ("app", "start to the first rendered page"): 4000,
    **{("app", f"page /{path}: first visit after the start"): 1000 for path in app.PATHS},
    **{("app", f"page /{path}: open, interact, answer"): 700 for path in app.PATHS},
    ("app", "recall task: click to first curve"): 2000,
    ("app", "sentiment: reorder the units (in the browser)"): 100,
    ("app", "sentiment: show another quantity (in the browser)"): 100,
    ("app", "sentiment: mark the token under the pointer (in the browser)"): 100,
    ("app", "sentiment: scroll a long review's tokens (in the browser)"): 100,
    ("app", "sentiment: pick a unit (its section reruns)"): 300,
    ("app", "sentiment: another example review"): 1000,
    ("app", "bidirectional: move the step (in the browser)"): 100,
    ("app", "translation: show another state (in the browser)"): 100,
    ("app", "learning: scrub the training points (in the browser)"): 100,
    ("app", "cell: another step (its section reruns)"): 300,
    ("app", "captioning: another word (its section reruns)"): 300,
    ("app", "resident memory, every model loaded"): 600,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--report", default="bench-report.json", help="where the JSON report is written")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the app runs each request
    english, korean = (
        f"checkpoints/{registry.default('sentiment', language)}.pt" for language in ("en", "ko")
    )
    sections = {
        "sentiment": sentiment.measure(english, args.repeats),
        KOREAN: sentiment.measure_korean(korean, args.repeats),
        "atlas": sentiment.measure_atlas(english, args.repeats),
        **{
            m.name: translation.measure(f"checkpoints/{m.name}.pt", args.repeats)
            for m in registry.shipped("translation")
        },
        "captioning": captioning.measure(f"checkpoints/{registry.default('captioning')}.pt", args.repeats),
        "app": app.measure(),
    }
    for name, rows in sections.items():
        show(f"{name} (1 torch thread)", rows)
    verdicts = [check(sections, key, limit) for key, limit in TARGETS.items()]
    print("targets:")
    for v in verdicts:
        verdict = {True: "met", False: "MISSED", None: "n/a"}[v["met"]]
        print(f"  {verdict:<6} {v['what']}: {v['measured']:.1f} <= {v['target']}{v.get('why', '')}")
    machine = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }
    report = {"machine": machine, "sections": sections, "targets": verdicts}
    Path(args.report).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.report}")
    missed = [v["what"] for v in verdicts if v["met"] is False]
    if missed:
        raise SystemExit(f"targets missed: {'; '.join(missed)}")


def check(sections: dict, key: tuple[str, str], limit: float) -> dict:
    section, label = key
    found = next(r for r in sections[section] if r["label"] == label)
    measured = found["median_ms"] if found["median_ms"] is not None else found["mb"]
    verdict = {"what": f"{section}: {label}", "measured": measured, "target": limit, "met": measured <= limit}
    if found.get("cpu_torch") is False:  # the memory target is for the CPU build a server installs
        verdict |= {"met": None, "why": " (set for the CPU build of torch; this is the CUDA build)"}
    return verdict


if __name__ == "__main__":
    main()
