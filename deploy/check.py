"""What Streamlit Community Cloud runs, checked: with only requirements.txt installed (make
deploy-check makes that venv), every page of app.py renders on the shipped checkpoints without an
exception, and the resident memory with every model loaded is printed."""

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "views/home.py",
    "views/sentiment.py",
    "views/captioning.py",
    "views/translation.py",
    *(f"views/inside/{name}.py" for name in ("state", "cell", "bptt", "memory", "bidirectional", "history")),
]


def resident_mb() -> float:
    status = Path(f"/proc/{os.getpid()}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:"))


def main() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    for page in PAGES:
        at.switch_page(page).run()
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        print(f"ok  {page}")
    print(f"every page rendered; resident memory {resident_mb():.0f} MB")


if __name__ == "__main__":
    main()
