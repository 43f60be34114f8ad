"""Inside an RNN, 2: the cell, folded and unfolded, stepped one time step at a time."""

import streamlit as st

from models.toy import hello_rnn
from ui import diagrams, navigation


@st.cache_resource(show_spinner="Training the three-unit network…")
def toy():
    return hello_rnn(seed=0)


def letters_ui(letters: list[str]) -> str:
    """The letters to read, or a warning and st.stop() when there are none."""
    text = st.text_input(
        f"Letters to read (any of {', '.join(letters)})", "hell", max_chars=12, key="cell_text"
    ).strip()
    if not text:
        st.warning("Type at least one letter.")
        st.stop()
    return text


navigation.setup(__file__)
st.title(":material/account_tree: The cell, unfolded")
st.markdown(
    "A vanilla cell with three units, trained here in a second to predict the next letter "
    "of *hello*: $h_t = \\tanh(W_x x_t + W_h h_{t-1} + b)$ and $y_t = \\mathrm{softmax}(W_y h_t + b_y)$. "
    "Folded, it is one cell with a loop; unfolded, one copy per letter, **the same $W_x$, $W_h$ and "
    "$W_y$ at every step** (same colour), as a CNN shares one filter across space."
)
model = toy()
text = letters_ui(model.letters)
try:
    run = model.unfold(text)
except ValueError as error:
    st.warning(str(error))
    st.stop()
t = st.slider("Time step t", 1, len(text), 1, key="cell_step") if len(text) > 1 else 1

folded, chain = st.columns([1, 3])
folded.graphviz_chart(diagrams.folded())
folded.caption("folded: one cell, a loop")
chain.graphviz_chart(diagrams.unfolded(text, t))
chain.caption("unfolded through time: step t in yellow, its three weights drawn bold")

st.subheader(f"Step {t}: reading “{text[t - 1]}”")
m = diagrams.bmatrix
st.latex(
    f"h_{{{t}}} = \\tanh\\Big({m(run.W_x)}{m(run.x[t - 1], 0)} + {m(run.W_h)}{m(run.h[t - 1])}"
    f" + {m(run.b)}\\Big) = {m(run.h[t])}"
)
st.latex(
    f"y_{{{t}}} = \\mathrm{{softmax}}\\Big({m(run.W_y)}{m(run.h[t])} + {m(run.b_y)}\\Big) = {m(run.y[t - 1])}"
)
guess = run.letters[int(run.y[t - 1].argmax())]
st.markdown(
    f"The letters are ordered {', '.join(run.letters)}: the network expects **“{guess}”** next "
    f"({run.y[t - 1].max():.0%}). Move the slider: only $x_t$ and $h_{{t-1}}$ change, the matrices never do."
)
