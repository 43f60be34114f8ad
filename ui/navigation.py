"""The registry of the app's pages (path, title, icon, section), drawn as every page's navigation.

Streamlit serves each file of pages/ at its own URL (pages/sentiment.py at /sentiment) and runs it
without app.py. So every page calls `setup` itself: with st.navigation in app.py instead, a visitor
whose first request is a page's URL gets that page without its sections, title and layout.
"""

import itertools
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

import ui
from ui import serving

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Page:
    path: str  # relative to app.py, as st.page_link and AppTest.switch_page take it
    title: str
    icon: str
    section: str
    summary: str  # one sentence: the link's tooltip and the home page's card

    @property
    def url_path(self) -> str:
        """Where the page is served: "" for app.py (the home page), else the file's name."""
        return "" if self.path == "app.py" else Path(self.path).stem


PAGES = [
    Page("app.py", "Home", ":material/home:", "Unfold", "What a recurrent network is; the shipped models."),
    Page(
        "pages/sentiment.py",
        "Sentiment (many to one)",
        ":material/reviews:",
        "Structures",
        "A whole review in, one verdict out: is it positive?",
    ),
    Page(
        "pages/captioning.py",
        "Captioning (one to many)",
        ":material/image:",
        "Structures",
        "One image in, a sentence out, word by word, with where it looks.",
    ),
    Page(
        "pages/translation.py",
        "Translation (many to many)",
        ":material/translate:",
        "Structures",
        "A sentence in, its translation out, with attention.",
    ),
    Page(
        "pages/state.py",
        "State and input",
        ":material/timeline:",
        "Inside an RNN",
        "How the state mixes the past with each new input, and how fast the past fades.",
    ),
    Page(
        "pages/cell.py",
        "The cell, unfolded",
        ":material/account_tree:",
        "Inside an RNN",
        "One cell with a loop, unfolded into a chain: every weight and vector, step by step.",
    ),
    Page(
        "pages/bptt.py",
        "Backpropagation through time",
        ":material/undo:",
        "Inside an RNN",
        "How much gradient reaches each earlier step: vanishing and exploding gradients.",
    ),
    Page(
        "pages/recall.py",
        "Why LSTM and GRU",
        ":material/memory:",
        "Inside an RNN",
        "Three cells trained live to recall a symbol across many steps.",
    ),
    Page(
        "pages/bidirectional.py",
        "Bidirectional",
        ":material/swap_horiz:",
        "Inside an RNN",
        "Two RNNs read a sentence both ways; together they see all of it at every step.",
    ),
    Page(
        "pages/history.py",
        "Training history",
        ":material/monitoring:",
        "Inside an RNN",
        "Every shipped model's loss, gradient norm and validation score, epoch by epoch.",
    ),
]


def section(name: str) -> list[Page]:
    return [page for page in PAGES if page.section == name]


def setup(script: str) -> None:
    """Title, icon and layout for the page whose `__file__` is `script`, and the sectioned
    navigation in the sidebar; every page calls this first."""
    serving.before_run()
    ui.warm_up()
    page = next(page for page in PAGES if ROOT / page.path == Path(script).resolve())
    st.set_page_config(page_title=f"{page.title} · Unfold", page_icon=page.icon, layout="wide")
    with st.sidebar:
        for name, pages in itertools.groupby(PAGES, key=lambda page: page.section):
            st.caption(name)
            for link in pages:
                st.page_link(link.path, label=link.title, icon=link.icon, help=link.summary)
