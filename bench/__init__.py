"""Benchmarks: python -m bench.<name>, or `make bench`; each prints medians and ratios."""

import argparse
import statistics
import time

import torch


def parse_args(description: str, checkpoint: str) -> argparse.Namespace:
    """--checkpoint, --repeats and --threads, with torch's threads set as asked."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--checkpoint", default=checkpoint)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the app uses 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    return args


def report(description: str, task: str, checkpoint: str, measure) -> dict:
    """A benchmark's command line: measure(checkpoint, repeats) for --checkpoint (default `checkpoint`),
    shown under the task's name; returns the parsed flags."""
    args = parse_args(description, checkpoint)
    show(
        f"{task}: {args.checkpoint}, torch threads {torch.get_num_threads()}",
        measure(args.checkpoint, args.repeats),
    )
    return args


def median_ms(function, repeats: int) -> float:
    function()  # warm up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def row(label: str, ms: float, note: str = "") -> dict:
    """One measurement as the report keeps it."""
    return {"label": label, "median_ms": round(ms, 2), "note": note}


def decoder_rows(
    decode, analyze, one, batch: list, beam: int, repeats: int, *, verb: str, sample: str, per: str
):
    """What both decoders report: `one` input at beam 1 and `beam`, analyzed at `beam`, and `batch` at
    `beam`. decode(inputs, beam_size) and analyze(input, beam_size) run the model; `verb`, `sample`
    and `per` name the work ("translate"), the input ("15 words") and the batch's items ("sentences")."""
    greedy_ms = median_ms(lambda: decode([one], 1), repeats)
    beam_ms = median_ms(lambda: decode([one], beam), repeats)
    analyze_ms = median_ms(lambda: analyze(one, beam), repeats)
    batch_ms = median_ms(lambda: decode(batch, beam), 3)
    rate, speedup = 1000 * len(batch) / batch_ms, beam_ms / (batch_ms / len(batch))
    return [
        row(f"{verb}, {sample}, beam 1", greedy_ms),
        row(f"{verb}, {sample}, beam {beam}", beam_ms, f"{beam_ms / greedy_ms:.2f}x beam 1"),
        row(
            f"analyze with connectivity, {sample}, beam {beam}",
            analyze_ms,
            f"{analyze_ms / beam_ms:.2f}x {verb}",
        ),
        row(
            f"{verb}, batch of {len(batch)}, beam {beam}",
            batch_ms,
            f"{rate:.1f} {per}/s, {speedup:.1f}x one by one",
        ),
    ]


def show(title: str, rows: list[dict]) -> None:
    print(title)
    for r in rows:
        value = f"median {r['median_ms']:8.1f} ms" if r["median_ms"] is not None else " " * 18
        print(f"  {r['label']:<40} {value}" + (f"  ({r['note']})" if r["note"] else ""))
