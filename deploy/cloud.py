"""A rehearsal of Streamlit Community Cloud on one machine (make cloud-check): the app in a cgroup
with a hard memory limit and a CPU quota, a class of protocol-level visitors walking and changing
every page for a few rounds while one headless browser walks every page too.

It prints each page's and interaction's server time (p50, p95), every error, the group's peak memory
and limit hits, and the app's resident memory after each round and at its sampled peak; it fails on
any error, any OOM or limit hit, a resident peak above the limit, and memory still growing over the
last rounds. A fresh container pays for every page of the libraries the app reads: as root, the
page cache is dropped before the app starts, so that pages earlier runs left there are charged to
the group too, and the resident peak (which counts mapped library pages however they were read) is
held against the limit as well."""

import argparse
import asyncio
import glob
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.app import PATHS, ROOT, browser_session, resident_mb, start_app, visit
from deploy import cgroup
from deploy.visitors import Timing, VisitError, Visitor, walk

GROWTH = 0.05  # the most resident memory may still grow from one of the last rounds to the next


def python_312() -> str:
    """An interpreter of Python 3.12, the version Community Cloud runs by default: on the PATH, or one
    that uv or pyenv installed. SystemExit naming what is missing otherwise."""
    candidates = [
        shutil.which("python3.12"),
        *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12"))),
    ]
    found = subprocess.run(
        [sys.executable, "-m", "uv", "python", "find", "3.12"], capture_output=True, text=True
    )
    candidates.append(found.stdout.strip() if found.returncode == 0 else None)
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:  # not a dead shim
            return candidate
    raise SystemExit(
        "cloud-check: no Python 3.12 found (Community Cloud's default); install one, for example "
        "`uv python install 3.12` or `pyenv install 3.12`, and run it again."
    )


def fresh_venv(path: str) -> str:
    """As Community Cloud installs an app: a new Python 3.12 venv at `path`, requirements.txt installed
    by uv; returns its interpreter."""
    shutil.rmtree(path, ignore_errors=True)
    uv = [sys.executable, "-m", "uv", "--quiet"]
    subprocess.run([*uv, "venv", "--no-python-downloads", "--python", python_312(), path], check=True)
    python = os.path.join(path, "bin", "python")
    subprocess.run(
        [*uv, "pip", "install", "--python", python, "-r", str(ROOT / "requirements.txt")], check=True
    )
    return python


def drop_page_cache() -> str:
    """Empty the kernel's page cache (root only), so that the library pages the app reads are charged
    to its group as in a fresh container, not to an earlier run that read them; says what it did."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3")
    except OSError as error:
        return f"page cache NOT dropped ({error.strerror or error}): pages earlier runs read are not charged"
    return "page cache dropped before the start: the group is charged every page the app reads"


def tree_resident_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (0 once they are gone)."""
    total, pending = 0.0, [pid]
    while pending:
        process = pending.pop()
        try:
            total += resident_mb(process)
            for task in Path(f"/proc/{process}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended meanwhile
    return total


class PeakResident:
    """The highest resident memory of the app's process tree, sampled every `every` seconds on a
    thread from start to `stop`."""

    def __init__(self, pid: int, every: float = 0.25):
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stopped.wait(self.every):
            self.peak = max(self.peak, tree_resident_mb(self.pid))

    def stop(self) -> float:
        self._stopped.set()
        self._thread.join()
        return self.peak


def bare_torch_mb(python: str, before_exec) -> float:
    """Resident memory of `python` after `import torch` alone, in the same cgroup as the app."""
    code = "import torch, re; print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read())[1])"
    output = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, check=True, preexec_fn=before_exec
    ).stdout
    return int(output.split()[-1]) / 1024


def start(args: argparse.Namespace, join) -> tuple[subprocess.Popen, str, str]:
    """The app started in the group, and how long from its start its first page took: to the first
    element of its main area, and to the end of the page's run."""
    process, url, started = start_app(python=args.python, before_exec=join)

    async def first_page() -> float:
        async with Visitor(url, args.timeout) as visitor:
            return (await visitor.open("")).first_element

    drawn = asyncio.run(first_page())
    whole = time.perf_counter() - started
    return process, url, f"its first element {drawn - started:.1f} s, its whole run {whole:.1f} s"


def stop(process: subprocess.Popen) -> None:
    """Stop the app: asked to, then killed if it has not stopped within 30 s (a server stuck at its
    memory limit may not get to it)."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def cold_pages(url: str, timeout: float, think: float) -> dict[str, float | str]:
    """Each page's first run after the server started, opened in turn by one visitor who reads each
    for `think` seconds, as the first visitor after a wake does: seconds, or the error it showed."""
    cold = {}
    async with Visitor(url, timeout) as visitor:
        for path in PATHS:
            await asyncio.sleep(think)
            try:
                cold[path] = (await visitor.open(path)).seconds
            except VisitError as error:
                cold[path] = str(error)
    return cold


async def browser_walk(url: str) -> list[str]:
    """One real browser through every page; the errors it saw (a traceback, a timeout)."""
    from playwright.async_api import async_playwright

    errors = []
    async with async_playwright() as playwright:
        browser, page = await browser_session(playwright)
        for path in PATHS:
            try:
                await visit(page, url, path)
            except Exception as error:  # a timeout or a traceback: reported, then the next page
                errors.append(f"browser /{path}: {type(error).__name__}: {str(error).splitlines()[0][:150]}")
        await browser.close()
    return errors


async def one_round(url: str, args: argparse.Namespace, round_: int):
    """`args.visitors` new sessions at once, each walking every page; returns their timings and the
    browser's errors."""
    walks = [walk(url, PATHS, number, round_, args.timeout, args.think) for number in range(args.visitors)]
    results = await asyncio.gather(*walks, browser_walk(url) if args.browser else asyncio.sleep(0, []))
    return [timing for timings in results[:-1] for timing in timings], results[-1]


def percentile(values: list[float], fraction: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def table(timings: list[Timing]) -> list[str]:
    """p50 and p95 of server time per page and interaction, in walking order, then over all."""
    lines = [f"  {'page':<15}{'interaction':<22}{'runs':>5}{'p50 s':>8}{'p95 s':>8}"]
    keys = dict.fromkeys((t.page, t.action) for t in timings)
    for page, action in keys:
        times = [t.seconds for t in timings if (t.page, t.action) == (page, action) and t.seconds is not None]
        if times:
            p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
            lines.append(f"  /{page:<14}{action:<22}{len(times):>5}{p50:>8.2f}{p95:>8.2f}")
    times = [t.seconds for t in timings if t.seconds is not None]
    if times:
        lines.append(
            f"  {'all':<37}{len(times):>5}{percentile(times, 0.5):>8.2f}{percentile(times, 0.95):>8.2f}"
        )
    return lines


def growing(memory: list[float]) -> bool:
    """Still growing: each of the last two rounds added more than GROWTH (one round: not known)."""
    last = memory[-3:]
    return len(last) == 3 and all(b > a * (1 + GROWTH) for a, b in zip(last, last[1:]))


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs the app")
    parser.add_argument(
        "--venv",
        help="first make a fresh Python 3.12 venv here with uv and requirements.txt; the app runs in it",
    )
    parser.add_argument("--memory", type=int, default=1536, help="the cgroup's memory limit, MiB")
    parser.add_argument("--cpus", type=float, default=1.0, help="the cgroup's CPU quota, in cores")
    parser.add_argument("--visitors", type=int, default=20, help="concurrent protocol-level visitors")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of new visitors walking every page")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds a request may wait for its answer"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="seconds a visitor reads an answer before the next click (0.5 to 1.5 times it; 0: none)",
    )
    parser.add_argument(
        "--browser", action=argparse.BooleanOptionalAction, default=True, help="one headless chromium too"
    )
    return parser.parse_args(argv)


def rehearse(args: argparse.Namespace, group: cgroup.Cgroup | None, join) -> list[str]:
    """Start, first looks, rounds of visitors, a second start; prints what it measures, returns
    every error."""
    if group:
        print(drop_page_cache())
    bare = bare_torch_mb(args.python, join)
    process, url, first = start(args, join)
    resident = PeakResident(process.pid)
    try:
        print(f"process start to the first page (server): {first}")
        cold = asyncio.run(cold_pages(url, args.timeout, args.think))
        print(f"first run of each page after the start, read {args.think:g} s each by one visitor (s):")
        print(
            "  "
            + ", ".join(
                f"/{p}: {s:.2f}" if isinstance(s, float) else f"/{p}: FAILED" for p, s in cold.items()
            )
        )
        failures = [f"cold /{p}: {s}" for p, s in cold.items() if isinstance(s, str)]
        timings, memory = [], []
        for round_ in range(args.rounds):
            begun = time.perf_counter()
            walked, seen = asyncio.run(one_round(url, args, round_))
            timings += walked
            failures += seen + [f"/{t.page} {t.action}: {t.error}" for t in walked if t.error]
            memory.append(resident_mb(process.pid))
            print(
                f"round {round_ + 1}: {len(walked)} runs in {time.perf_counter() - begun:.0f} s, "
                f"{sum(bool(t.error) for t in walked) + len(seen)} errors, resident {memory[-1]:.0f} MB"
                + (f", cgroup {group.usage_mb():.0f} MB" if group else "")
            )
    finally:
        peak = resident.stop()
        stop(process)
    print(f"server time per page and interaction ({args.visitors} visitors at once):")
    print("\n".join(table(timings)))
    print(
        f"resident memory after each round: {', '.join(f'{m:.0f}' for m in memory)} MB; bare import "
        f"torch {bare:.0f} MB, so the app's own {memory[-1] - bare:.0f} MB"
    )
    print(
        f"app resident (the server's process tree, sampled every {resident.every:g} s, mapped library "
        f"pages included): peak {peak:.0f} MB of {args.memory} MiB"
    )
    if peak > args.memory:  # both in MiB, as resident_mb and the group count
        failures.append(f"resident peak {peak:.0f} MB above the {args.memory} MiB limit")
    if growing(memory):
        failures.append(f"resident memory still growing over the last rounds: {memory[-3:]}")
    process, _, first = start(args, join)
    stop(process)
    print(f"a second start, its files read once already, to the first page: {first}")
    return failures


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    # Python on Cloud writes each module's bytecode on its first import (uv compiles none at install);
    # an environment that says not to would make every start compile everything again.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.venv:
        args.python = fresh_venv(args.venv)
    if args.browser and not shutil.which("chromium"):
        raise SystemExit(
            "cloud-check: the browser walk needs Debian's chromium (make browser), or --no-browser"
        )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still stop the app, remove the group
    group, how = cgroup.create(f"unfold-cloud-{os.getpid()}", args.memory, args.cpus)
    limits = f"{args.memory} MiB, {args.cpus:g} core" if group else f"UNCAPPED ({how})"
    print(
        f"cloud-check: {limits}; {args.visitors} visitors x {args.rounds} rounds, reading {args.think:g} s "
        f"between clicks; app on {args.python}"
    )
    failures = []
    try:
        failures = rehearse(args, group, (lambda: group.add(os.getpid())) if group else None)
    finally:
        if group:
            hits, peak = group.limit_hits(), group.peak_mb()
            peak_text = f"{peak:.0f} MB" if peak is not None else "not recorded"
            print(
                f"cgroup: peak {peak_text} of {args.memory} MiB; "
                + ", ".join(f"{k} {v}" for k, v in hits.items())
            )
            failures += [f"cgroup: {k} {v} times" for k, v in hits.items() if v]
            group.remove()
    for failure in failures[:20]:
        print(f"  error: {failure}")
    print(
        f"cloud-check {'FAILED' if failures else 'passed'}: {len(failures)} errors; {limits}"
        + ("" if group else " (not a rehearsal)")
    )
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
