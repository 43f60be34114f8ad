"""Streamlit-only helpers shared by pages that import no model code: links, typed text, the beam
boxes. What loads models (and torch) is ui.shared, so that a page without a model draws at once."""

import re
import unicodedata

import streamlit as st

from ui.language import t

# Share and keep: a page's input and chosen view live in the URL, so a copied link reopens them.
# Streamlit binds a widget to the URL itself: with `bind=LINK` the widget's key names the parameter, a
# link's value seeds the widget, an invalid one is dropped and the default one is left out of the URL.
LINK = "query-params"


def cell_name(cell: str) -> str:
    """A recurrent cell ("rnn", "lstm", "gru") as people call it, in the visitor's language."""
    return t(f"ui.cell.{cell}")


# Characters that would not show in a quote: control, format (zero-width, direction marks and
# overrides, the byte order mark), line and paragraph separators.
INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}
QUOTED = 60  # characters of a typed text quoted back


def as_written(text: str) -> str:
    """`text` as Markdown that shows it as written: no emphasis, links, LaTeX, emoji codes or HTML
    entities, and each invisible character as its code point (⟨U+200B⟩)."""
    escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:&])", r"\\\1", text)
    return "".join(f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) in INVISIBLE else c for c in escaped)


def quote(typed: str) -> str:
    """What a visitor typed, quoted as written in a message (its first QUOTED characters)."""
    shown = typed if len(typed) <= QUOTED else typed[: QUOTED - 1] + "…"
    return f"“{as_written(shown)}”"


# The most characters a free-text box takes: a review, a sentence to translate, the beginning a decoder
# is made to start with. More than the models here read or write of it, few enough that a session
# holds little and a link that keeps the text still opens.
REVIEW, SENTENCE, BEGINNING = 10_000, 2_000, 200


def text_box(box, label: str, limit: int, help: str | None = None, **options) -> str:
    """A free-text box (`box`: st.text_input or st.text_area, or a column's) that takes at most
    `limit` characters and says so in its help: what a session holds and sends stays bounded."""
    most = t("ui.most_characters", limit=f"{limit:,}")
    return box(label, max_chars=limit, help=f"{help} {most}" if help else most, **options)


def example_picker(examples: dict[str, str], key: str, target: str, placeholder: str) -> None:
    """A select box whose choice fills the text widget with key `target` (shown by label)."""

    def fill() -> None:
        st.session_state[target] = examples[st.session_state[key]]

    st.selectbox(
        t("ui.example"), list(examples), index=None, key=key, on_change=fill, placeholder=placeholder
    )


def beginning_ui(container, page: str, placeholder: str) -> str:
    """The box of the beginning a decoder's output is made to start with, as typed: on `page`
    ("captioning", "translation") its words are the catalogue's <page>.prefix and <page>.prefix_help,
    its key <page>_prefix, kept in the page's link."""
    label, help = t(f"{page}.prefix"), t(f"{page}.prefix_help")
    options = {"key": f"{page}_prefix", "bind": LINK, "placeholder": placeholder}
    return text_box(container.text_input, label, BEGINNING, help, **options)


def beam_size_ui(container, key: str, default: int) -> int:
    """The beam size a decoder searches with, from 1 (greedy) to 8, kept in the page's link."""
    return container.slider(t("ui.beam.size"), 1, 8, default, key=key, bind=LINK, help=t("ui.beam.size_help"))


def beam_ui(candidates: list[tuple[str, float]], output: str, unit: str) -> None:
    """The final beam of a decoder as a table, best first; `output` (its column's header) and `unit`
    name what it wrote, in the visitor's language."""
    st.subheader(t("ui.beam.title"))
    st.caption(t("ui.beam.caption", output=output, unit=unit))
    score = t("ui.beam.score")
    rows = [{output: text, score: value} for text, value in candidates]
    st.dataframe(rows, hide_index=True, width="stretch")
