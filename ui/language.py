"""The words people read, in the visitor's language: the catalogues in locales/ and the one lookup."""

import functools
import re
import tomllib
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = {"en": "English", "ko": "한국어"}
SOURCE = "en"  # the catalogue every other one translates
KEY = "lang"  # the language control's key and URL parameter (?lang=ko)
CHOSEN = "language"  # the session state key that holds the visitor's choice
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """Every text of `language`: locales/<language>/<area>.toml read as "<area>.<key>" -> text."""
    texts = {}
    for path in sorted((LOCALES / language).glob("*.toml")):
        with path.open("rb") as file:
            texts |= {f"{path.stem}.{key}": text for key, text in _flat(tomllib.load(file))}
    return texts


def _flat(table: dict, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def current() -> str:
    """The visitor's language, "en" until they have one (and outside a page run: the benchmarks, the
    cloud check and the tests read English titles)."""
    if get_script_run_ctx() is None:
        return SOURCE
    return st.session_state.get(CHOSEN, SOURCE)


def t(key: str, **values) -> str:
    """The text of `key` in the visitor's language, its {placeholders} filled from `values` (other
    braces, such as LaTeX's h_{t-1}, are left as they are)."""
    text = catalogue(current())[key]
    return _PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], text)


def browser_language() -> str:
    """Korean for a browser that asks for any ko* locale, English otherwise."""
    locale = st.context.locale or ""
    return "ko" if locale.lower().startswith("ko") else SOURCE


def control() -> str:
    """The language control every page draws in its sidebar. A session starts in the language of the
    URL's ?lang=, else the browser's; the URL then always names it, so a copied link opens in the
    same language. The choice lives in its own session key, which outlasts every page switch (a
    widget's key may not; and a widget bound to the URL would write "한국어" there, not "ko")."""
    if CHOSEN not in st.session_state:
        wanted = st.query_params.get(KEY)
        st.session_state[CHOSEN] = wanted if wanted in LANGUAGES else browser_language()
    st.session_state[KEY] = st.session_state[CHOSEN]
    st.segmented_control(
        t("nav.language"),
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        required=True,
        key=KEY,
        on_change=_choose,
    )
    st.query_params[KEY] = current()
    return current()


def _choose() -> None:
    st.session_state[CHOSEN] = st.session_state[KEY]


def link_params() -> dict[str, str]:
    """What every link to another page carries: the language."""
    return {KEY: current()}
