"""Unfold's entry point and home page: what a recurrent network is, the pages, the shipped models.

Run with `make run`."""

import streamlit as st

import ui
from ui import navigation


def cards_ui(pages: list[navigation.Page], columns: int) -> None:
    """A grid of linked cards, one per page, with the page's summary."""
    for start in range(0, len(pages), columns):
        for column, page in zip(st.columns(columns), pages[start : start + columns]):
            with column.container(border=True, height="stretch"):
                st.page_link(page.path, label=page.title, icon=page.icon)
                st.caption(page.summary)


navigation.setup(__file__)
st.title(":material/replay: Unfold: look inside recurrent networks")
st.markdown(
    "A recurrent network is a **state machine that learns**. At every time step it combines the "
    "previous state with the new input, $x_t = f(x_{t-1}, u_t)$, and reads an output from the "
    "state, $y_t = g(x_t)$. In a neural network the state is a vector $h_t$, the input at step "
    "$t$ is $x_t$, and the cell is one small formula:"
)
st.latex(r"h_t = \tanh(W_x x_t + W_h h_{t-1} + b), \qquad y_t = f(W_y h_t + b)")
st.markdown(
    "The **same weights** $W_x, W_h, W_y$ are used at every step. Drawn folded, it is one cell "
    "with a loop; **unfolded through time**, it is a chain of copies of that cell, one per input "
    "token. This app runs trained networks and shows their states step by step."
)

st.subheader("Three structures")
cards_ui(navigation.section("Structures"), columns=3)

st.subheader("Inside an RNN")
st.caption("The ideas inside every recurrent network, one page each, to play with live.")
cards_ui(navigation.section("Inside an RNN"), columns=3)

st.subheader("Shipped models")
table = ui.model_table()
if table:
    st.dataframe(table, hide_index=True, width="stretch")
else:
    st.info(f"No checkpoints in `{ui.CHECKPOINTS}` yet. Train one with `make train-sentiment`.")
