"""Sentiment page (many to one): a review in, one verdict out, and the hidden state in between."""

import numpy as np
import streamlit as st

import ui
from ui import charts, navigation

EXAMPLES = {
    "Negation": "This film is not terrible, it's great!",
    "Mixed, then positive": (
        "The first hour drags and the dialogue is clumsy, but the last act is so moving and "
        "beautifully shot that I left the theater smiling. Highly recommended."
    ),
    "Negative": "A dull, lifeless script. I kept checking my watch and nothing ever happened.",
    "Sarcasm": "Oh great, another two hours of my life I will never get back. Brilliant.",
    "Raw HTML from IMDB": "Loved it.<br /><br />The cast is wonderful and the music stays with you.",
}
MAX_HEATMAP_STEPS = 120
# What each traced quantity is, and how to read its colours.
STATE_LABELS = {
    "h": ("hidden state h_t", "The state the next step and the classifier see, between -1 and 1."),
    "c": ("cell state c_t (LSTM memory)", "The LSTM's memory: c_t = f_t * c_{t-1} + i_t * g_t, unbounded."),
    "input_gate": ("input gate i_t", "How much of the new candidate is written into memory (0 to 1)."),
    "forget_gate": ("forget gate f_t", "How much of the old memory is kept: 1 keeps it, 0 erases it."),
    "candidate": ("candidate content", "The new content proposed from this token (g_t or n_t), -1 to 1."),
    "output_gate": ("output gate o_t", "How much of the memory is shown as h_t = o_t * tanh(c_t)."),
    "reset_gate": ("reset gate r_t", "How much of the old state the GRU's candidate may look at."),
    "update_gate": (
        "update gate z_t",
        "How much of the old state is kept: h_t = (1 - z_t) n_t + z_t h_{t-1}.",
    ),
}


@st.cache_data(max_entries=16, show_spinner=False)  # a long review's trace holds every gate's value
def analyze(text: str, _model, model_id: int):
    return _model.analyze(text)


def input_ui() -> str | None:
    st.session_state.setdefault("sentiment_text", EXAMPLES["Negation"])
    ui.example_picker(EXAMPLES, "sentiment_example", "sentiment_text", "Pick an example review…")
    with st.form("sentiment_form"):
        text = st.text_area("Review", key="sentiment_text", height=120)
        if st.form_submit_button("Read it", type="primary"):
            st.session_state["sentiment_submitted"] = text
            st.session_state.pop("sentiment_unit", None)  # start at the new text's closest unit
    return st.session_state.get("sentiment_submitted")


def verdict_ui(result) -> None:
    left, right = st.columns([1, 3], gap="large")
    with left:
        st.metric("Verdict", result.label.capitalize())
        st.progress(result.positive, text=f"P(positive) = {result.positive:.2f}")
        st.caption(f"{len(result.tokens)} tokens read")
    with right:
        st.markdown("**Reading trace**: the verdict had the review ended after each token.")
        st.altair_chart(charts.reading_trace(result.step_positive, result.tokens), width="stretch")
    if result.truncated:
        st.info(f"The text was long, so the model read only its first {len(result.tokens)} tokens.")


def state_picker(result) -> tuple[str, str, str]:
    """(layer.direction, quantity, unit order) chosen by the user."""
    streams = sorted({name.rsplit(".", 1)[0] for name in result.states})
    quantities = [q for q in STATE_LABELS if f"{streams[0]}.{q}" in result.states]
    a, b, c = st.columns(3)
    stream = a.selectbox("Layer and direction", streams, key="sentiment_stream")
    quantity = b.selectbox(
        "Show", quantities, format_func=lambda q: STATE_LABELS[q][0], key="sentiment_quantity"
    )
    order = c.selectbox("Order units by", charts.UNIT_ORDERS, key="sentiment_order")
    return stream, quantity, order


def heatmap_ui(result) -> np.ndarray:
    stream, quantity, order = state_picker(result)
    values = result.states[f"{stream}.{quantity}"]
    tokens, start = result.tokens, 0
    if len(tokens) > MAX_HEATMAP_STEPS:
        start = st.slider("First token shown", 0, len(tokens) - MAX_HEATMAP_STEPS, 0, key="sentiment_window")
        end = start + MAX_HEATMAP_STEPS
        st.caption(f"Showing tokens {start}–{end - 1} of {len(tokens)}; move the slider to scroll.")
    window = slice(start, start + MAX_HEATMAP_STEPS)
    chart = charts.heatmap(
        values[window],
        tokens[window],
        domain=charts.state_domain(quantity, values),
        order=order,
        title=f"{STATE_LABELS[quantity][0]}, {stream}",
    )
    st.caption(STATE_LABELS[quantity][1])
    event = st.altair_chart(chart, width="stretch", on_select="rerun", key="sentiment_heatmap")
    picked = event.selection.get(charts.PICK, [])
    if picked and picked != st.session_state.get("sentiment_picked"):
        st.session_state["sentiment_picked"] = picked
        st.session_state["sentiment_unit"] = int(picked[0]["unit"])
    return values


def unit_ui(result, values: np.ndarray) -> None:
    st.subheader("One unit, read along the text")
    st.caption(
        "Click a cell of the heatmap or choose a unit. Each token is coloured by that unit's "
        "value after reading it. The first unit shown is the one that follows the verdict most closely."
    )
    units = values.shape[1]
    if st.session_state.get("sentiment_unit", 0) >= units:
        del st.session_state["sentiment_unit"]
    default = charts.closest_unit(values, np.asarray(result.step_positive))
    unit = st.number_input("Unit", 0, units - 1, default, key="sentiment_unit")
    limit = max(float(np.abs(values[:, unit]).max()), 1e-6)
    st.html(charts.token_strip(result.tokens, values[:, unit], limit))


navigation.setup(__file__)
model = ui.load_model("sentiment", "sentiment")
st.title(":material/reviews: Sentiment: many to one")
st.markdown(
    "The network reads the review one token at a time. At each step its state $h_t$ is computed "
    "from the previous state $h_{t-1}$ and the new input $x_t$, with the same weights at every "
    "step; after the last token, one output $y$ says how positive the review is."
)
text = input_ui()
if text is not None:
    try:
        result = analyze(text, model, id(model))
    except ValueError as error:
        st.warning(str(error))
        st.stop()
    verdict_ui(result)
    st.subheader("Hidden state through time")
    st.caption(
        "The state unfolded through time: each row is one unit of the state vector, each column "
        "one time step. Blue is positive, red negative; hover a cell for its token, unit and value."
    )
    values = heatmap_ui(result)
    unit_ui(result, values)
