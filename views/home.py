"""Home page: what a recurrent network is, the three structures, and the shipped models."""

import streamlit as st

import ui

STRUCTURES = [
    ("Many to one: sentiment", "views/sentiment.py", "A whole review in, one verdict out: is it positive?"),
    (
        "One to many: captioning",
        "views/captioning.py",
        "One image in, a sentence out, word by word, with where it looks.",
    ),
    (
        "Many to many: translation",
        "views/translation.py",
        "A sentence in, its translation out, with attention.",
    ),
]

INSIDE = [
    ("state and input", "state"),
    ("the cell, unfolded", "cell"),
    ("backpropagation through time", "bptt"),
    ("why LSTM and GRU", "memory"),
    ("bidirectional", "bidirectional"),
    ("training history", "history"),
]

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
for column, (title, page, blurb) in zip(st.columns(len(STRUCTURES)), STRUCTURES):
    with column.container(border=True, height="stretch"):
        st.page_link(page, label=title, icon=":material/arrow_forward:")
        st.caption(blurb)

st.subheader("Inside an RNN")
st.caption("The note's ideas, one page each, played with live, mostly on the trained models.")
for column, (title, name) in zip(st.columns(len(INSIDE)), INSIDE):
    column.page_link(f"views/inside/{name}.py", label=title, icon=":material/arrow_forward:")

st.subheader("Shipped models")
table = ui.model_table()
if table:
    st.dataframe(table, hide_index=True, width="stretch")
else:
    st.info(f"No checkpoints in `{ui.CHECKPOINTS}` yet. Train one with `make train-sentiment`.")
