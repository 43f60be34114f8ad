"""The registry of the app's pages (path, icon, section; titles in the catalogues), drawn as every
page's navigation.

Streamlit serves each file of pages/ at its own URL (pages/sentiment.py at /sentiment) and runs it
without app.py. So every page calls `setup` itself: with st.navigation in app.py instead, a visitor
whose first request is a page's URL gets that page without its sections, title and layout.
"""

import itertools
import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit import runtime

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


def listed(section: str, **icons: str) -> list[Page]:
    """The pages of `section` by file name in pages/ ("app": app.py, the home page), each with its
    Material icon, in the order given."""
    return [
        Page("app.py" if name == "app" else f"pages/{name}.py", f":material/{icon}:", section)
        for name, icon in icons.items()
    ]


# In the order the navigation lists them.
PAGES = [
    *listed("unfold", app="home", glossary="menu_book"),
    *listed("structures", sentiment="reviews", captioning="image", translation="translate"),
    *listed("inside", state="timeline", cell="account_tree", bptt="undo", recall="memory"),
    *listed("inside", bidirectional="swap_horiz", history="monitoring", learning="school"),
]


def section(name: str) -> list[Page]:
    return [page for page in PAGES if page.section == name]


def setup(script: str) -> None:
    """Title, icon and layout for the page whose `__file__` is `script`, the language control and the
    sectioned navigation in the sidebar (every link keeps the language); every page calls this first
    (a page may run without app.py). A page that computes has the process tuned for serving first;
    the home page and the glossary are drawn while torch and the models load in the background."""
    page = next(page for page in PAGES if ROOT / page.path == Path(script).resolve())
    if page.section != "unfold":
        serving.configure()
    serving.before_run()
    warm_up()
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


_warming = threading.Lock()


def warm_up() -> None:
    """Once per server, after its first page has started: ui.shared.warm in the background. Not under
    AppTest."""
    if runtime.exists() and _warming.acquire(blocking=False):
        threading.Thread(target=_warm, name="unfold-warm-up", daemon=True).start()


def _warm() -> None:
    from ui import shared  # torch and the models, imported here so the first page need not wait

    shared.warm()
