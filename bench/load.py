"""Load test (make load): N concurrent browser sessions walk every page of the real app; errors,
p50/p95 response times, and the server's memory after 50 interactions, every 250 after that and at
the end (a leak keeps growing; caches filling up level off)."""

import argparse
import asyncio
import shutil
import statistics

from bench.app import CHROMIUM_FLAGS, PATHS, resident_mb, start_app, visit

MEMORY_EVERY = 250  # interactions between two readings of the server's resident memory


async def session(browser, url: str, index: int, interactions: int, record) -> None:
    """One user: every page in turn, starting at a different one per session."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    for step in range(interactions):
        path = PATHS[(index + step) % len(PATHS)]
        try:
            record(path, await visit(page, url, path), None)
        except Exception as error:  # a timeout or a traceback on the page: counted, reported
            record(path, None, f"/{path}: {type(error).__name__}: {str(error).splitlines()[0][:120]}")
    await context.close()


async def run(sessions: int, interactions: int) -> dict:
    from playwright.async_api import async_playwright

    process, url, _ = start_app()
    results, memory = [], {}

    def record(path: str, seconds: float | None, error: str | None) -> None:
        results.append({"page": path, "seconds": seconds, "error": error})
        done = len(results)
        if done == 50 or done % MEMORY_EVERY == 0 or done == sessions * interactions:
            memory[done] = resident_mb(process.pid)
            print(
                f"  after {done} interactions: {memory[done]:.0f} MB resident", flush=True
            )  # a long run shows

    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS
            )
            await asyncio.gather(*(session(browser, url, i, interactions, record) for i in range(sessions)))
            await browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    return {"results": results, "memory_mb": memory}


def percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions")
    parser.add_argument("--interactions", type=int, default=25, help="page interactions per session")
    args = parser.parse_args()
    if not shutil.which("chromium"):
        raise SystemExit("make load needs Debian's chromium (make browser)")
    outcome = asyncio.run(run(args.sessions, args.interactions))
    results = outcome["results"]
    times = [r["seconds"] for r in results if r["seconds"] is not None]
    errors = [r["error"] for r in results if r["error"]]
    print(f"load: {args.sessions} concurrent sessions x {args.interactions} interactions, every page")
    print(f"  interactions {len(results)}, errors {len(errors)}")
    print(f"  response time p50 {percentile(times, 0.5):.2f} s, p95 {percentile(times, 0.95):.2f} s")
    for path in PATHS:
        page_times = [r["seconds"] for r in results if r["page"] == path and r["seconds"] is not None]
        if page_times:
            print(f"    /{path:<14} p50 {statistics.median(page_times):6.2f} s  ({len(page_times)} visits)")
    memory = outcome["memory_mb"]
    first, last = memory.get(50), memory.get(len(results))
    if first and last:
        growth = f"{last / first - 1:+.1%}"
        print(f"  resident memory after 50: {first:.0f} MB, after {len(results)}: {last:.0f} MB ({growth})")
        print("  after each: " + ", ".join(f"{done}: {mb:.0f} MB" for done, mb in sorted(memory.items())))
    for error in errors[:10]:
        print(f"  error: {error}")
    if errors or (first and last and last > 1.1 * first):
        raise SystemExit("load test failed: errors, or memory grew by more than 10%")


if __name__ == "__main__":
    main()
