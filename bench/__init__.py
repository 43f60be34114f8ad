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


def show(title: str, rows: list[dict]) -> None:
    print(title)
    for r in rows:
        value = f"median {r['median_ms']:8.1f} ms" if r["median_ms"] is not None else " " * 18
        print(f"  {r['label']:<40} {value}" + (f"  ({r['note']})" if r["note"] else ""))
