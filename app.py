"""Unfold's entry point and home page: what a recurrent network is, the pages, the shipped models.

Run with `make run`."""

import streamlit as st

from ui import language, navigation
from ui.language import t


def cards_ui(pages: list[navigation.Page], columns: int) -> None:
    """A grid of linked cards, one per page, with the page's summary."""
    for start in range(0, len(pages), columns):
        for column, page in zip(st.columns(columns), pages[start : start + columns]):
            with column.container(border=True, height="stretch"):
                st.page_link(page.path, label=page.title, icon=page.icon, query_params=language.link_params())
                st.caption(page.summary)


def models_ui() -> None:
    """The table of checkpoints, last: reading them imports torch (seconds on a cold server), and the
    rest of the page is drawn before."""
    from ui import shared

    table = shared.model_table()
    if table:
        st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.info(t("home.no_models", folder=shared.CHECKPOINTS, command=shared.first_command()))


navigation.setup(__file__)
st.title(f":material/replay: {t('home.title')}")
st.markdown(t("home.state_machine"))
st.latex(r"h_t = \tanh(W_x x_t + W_h h_{t-1} + b), \qquad y_t = f(W_y h_t + b)")
st.markdown(t("home.unfolding"))

st.subheader(t("home.structures"))
cards_ui(navigation.section("structures"), columns=3)

st.subheader(t("home.inside"))
st.caption(t("home.inside_caption"))
cards_ui(navigation.section("inside"), columns=3)

st.subheader(t("home.models"))
models_ui()
