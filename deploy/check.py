"""What Streamlit Community Cloud runs, checked: with only requirements.txt installed (make
deploy-check makes that venv), every page of the app renders on the shipped checkpoints without an
exception, and the resident memory with every model loaded is printed."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from bench.app import resident_mb
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    for page in PAGES:
        at.switch_page(page.path).run()
        if at.exception:
            raise SystemExit(f"{page.path}: {at.exception[0].value}")
        print(f"ok  {page.path}")
    print(f"every page rendered; resident memory {resident_mb():.0f} MB")


if __name__ == "__main__":
    main()
