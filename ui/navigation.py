"""The registry of the app's pages (path, icon, section; titles in the catalogues), drawn as every
page's navigation.

Streamlit serves each file of pages/ at its own URL (pages/sentiment.py at /sentiment) and runs it
without app.py. So every page calls `setup` itself: with st.navigation in app.py instead, a visitor
whose first request is a page's URL gets that page without its sections, title and layout.
"""

import itertools
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

import ui
from ui import language, serving
from ui.language import t

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Page:
    path: str  # relative to app.py, as st.page_link and AppTest.switch_page take it
    icon: str
    section: str  # "unfold", "structures" or "inside": its heading is the catalogue's nav.section.<it>

    @property
    def url_path(self) -> str:
        """Where the page is served: "" for app.py (the home page), else the file's name."""
        return "" if self.path == "app.py" else Path(self.path).stem

    @property
    def key(self) -> str:
        return self.url_path or "home"

    @property
    def title(self) -> str:
        return t(f"nav.{self.key}.title")

    @property
    def summary(self) -> str:
        """One sentence: the link's tooltip and the home page's card."""
        return t(f"nav.{self.key}.summary")


PAGES = [
    Page("app.py", ":material/home:", "unfold"),
    Page("pages/glossary.py", ":material/menu_book:", "unfold"),
    Page("pages/sentiment.py", ":material/reviews:", "structures"),
    Page("pages/captioning.py", ":material/image:", "structures"),
    Page("pages/translation.py", ":material/translate:", "structures"),
    Page("pages/state.py", ":material/timeline:", "inside"),
    Page("pages/cell.py", ":material/account_tree:", "inside"),
    Page("pages/bptt.py", ":material/undo:", "inside"),
    Page("pages/recall.py", ":material/memory:", "inside"),
    Page("pages/bidirectional.py", ":material/swap_horiz:", "inside"),
    Page("pages/history.py", ":material/monitoring:", "inside"),
    Page("pages/learning.py", ":material/school:", "inside"),
]


def section(name: str) -> list[Page]:
    return [page for page in PAGES if page.section == name]


def setup(script: str) -> None:
    """Title, icon and layout for the page whose `__file__` is `script`, the language control and the
    sectioned navigation in the sidebar (every link keeps the language); every page calls this first."""
    serving.before_run()
    ui.warm_up()
    page = next(page for page in PAGES if ROOT / page.path == Path(script).resolve())
    with st.sidebar:
        language.control()
    st.set_page_config(page_title=f"{page.title} · Unfold", page_icon=page.icon, layout="wide")
    with st.sidebar:
        for name, pages in itertools.groupby(PAGES, key=lambda page: page.section):
            st.caption(t(f"nav.section.{name}"))
            for link in pages:
                st.page_link(
                    link.path,
                    label=link.title,
                    icon=link.icon,
                    help=link.summary,
                    query_params=language.link_params(),
                )
