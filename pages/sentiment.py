"""Sentiment page (many to one): a review read token by token, and what each unit of the model does."""

import streamlit as st

import ui
from models import registry
from models.atlas import Atlas
from models.cells import CELL_NAMES, QUANTITIES, state_label
from models.sentiment import EXAMPLES
from models.units import UNIT_ORDERS, state_domain
from ui import charts, navigation
from ui.atlas import one_unit_ui, pattern_ui, pick_from_chart, ranking_ui, saturation_ui, unit_atlas_ui

COMPARED = [registry.of_cell(cell) for cell in ("lstm", "gru", "rnn")]  # read together at first
MAX_HEATMAP_STEPS = 60  # 256 units x 60 steps: cells still big enough to hover and click
HEATMAP_AXES = 130  # pixels of a heatmap's height that its title and token axis take


def models_ui() -> tuple[str, object, list[str]]:
    """The checkpoint to look inside (its name and predictor), and those whose reading to draw beside
    its own."""
    left, right = st.columns(2)
    name, model = ui.model_picker("sentiment", "sentiment_model", container=left)
    found = ui.model_names("sentiment")
    compared = right.multiselect(
        "Compare its reading with",
        found,
        default=[name for name in COMPARED if name in found],
        key="sentiment_compare",
    )
    return name, model, [other for other in compared if other != name]


def input_ui() -> str:
    st.session_state.setdefault("sentiment_text", EXAMPLES["en"]["Negation"])
    ui.example_picker(EXAMPLES["en"], "sentiment_example", "sentiment_text", "Pick an example review…")
    with st.form("sentiment_form"):
        text = st.text_area("Review", key="sentiment_text", height=120)
        st.form_submit_button("Read it", type="primary")
    return text


def describe(name: str, model) -> str:
    """'sentiment (LSTM)'"""
    return f"{name} ({CELL_NAMES[model.config.cell]})"


def verdict_ui(result, traces: dict[str, list[float]]) -> None:
    left, right = st.columns([1, 3], gap="large")
    with left:
        st.metric("Verdict", result.label.capitalize())
        st.progress(result.positive, text=f"P(positive) = {result.positive:.2f}")
        st.caption(f"{len(result.tokens)} tokens read")
    with right:
        st.markdown("**Reading trace**: the verdict had the review ended after each token.")
        st.vega_lite_chart(charts.reading_trace(traces, result.tokens), width="stretch")
    if result.truncated:
        st.info(f"The text was long, so the model read only its first {len(result.tokens)} tokens.")


def state_picker(result, atlas: Atlas | None) -> tuple[str, str, str]:
    """(layer.direction, quantity, unit order) chosen by the user."""
    streams = sorted({name.rsplit(".", 1)[0] for name in result.states})
    quantities = [q for q in QUANTITIES if f"{streams[0]}.{q}" in result.states]
    orders = [*UNIT_ORDERS, *(["atlas AUC"] if atlas else [])]
    a, b, c = st.columns(3)
    stream = a.selectbox("Layer and direction", streams, key="sentiment_stream")
    quantity = b.selectbox(
        "Show", quantities, format_func=lambda q: QUANTITIES[q].label, key="sentiment_quantity"
    )
    order = c.selectbox(
        "Order units by",
        orders,
        index=orders.index("clustered"),
        key="sentiment_order",
        help="clustered: units whose traces rise and fall together side by side (SciPy's hierarchical "
        "clustering); atlas AUC: the units that best tell positive from negative texts on top.",
    )
    return stream, quantity, order


def heatmap_ui(result, atlas: Atlas | None) -> str:
    """The heatmap of the chosen quantity; returns its name ("layer0.forward.h")."""
    stream, quantity, order = state_picker(result, atlas)
    name = f"{stream}.{quantity}"
    values = result.states[name]
    tokens, start = result.tokens, 0
    if len(tokens) > MAX_HEATMAP_STEPS:
        start = st.slider("First token shown", 0, len(tokens) - MAX_HEATMAP_STEPS, 0, key="sentiment_window")
        end = start + MAX_HEATMAP_STEPS
        st.caption(f"Showing tokens {start}–{end - 1} of {len(tokens)}; move the slider to scroll.")
    window = slice(start, start + MAX_HEATMAP_STEPS)
    chart = charts.heatmap(
        values[window],
        tokens[window],
        domain=state_domain(quantity, values),
        order=order,
        ranking=atlas.ranking(name) if order == "atlas AUC" else None,
        title=state_label(name),
        height=HEATMAP_AXES + min(max(3 * values.shape[1], 160), 640),
    )
    st.caption(QUANTITIES[quantity].meaning)
    st.vega_lite_chart(
        chart,
        width="stretch",
        on_select=lambda: pick_from_chart("sentiment_heatmap"),
        key="sentiment_heatmap",
    )
    return name


navigation.setup(__file__)
st.title(":material/reviews: Sentiment: many to one")
st.markdown(
    "The network reads the review one token at a time. At each step its state $h_t$ is computed "
    "from the previous state $h_{t-1}$ and the new input $x_t$, with the same weights at every "
    "step; after the last token, one output $y$ says how positive the review is."
)
name, model, compared = models_ui()
text = input_ui()
try:
    result = ui.analyze(model, text)
except ValueError as error:
    st.warning(str(error))
    st.stop()
readers = {name: model, **{other: ui.load_model(other, "sentiment") for other in compared}}
traces = {describe(key, reader): ui.analyze(reader, text).step_positive for key, reader in readers.items()}
verdict_ui(result, traces)
atlas = ui.load_atlas(model)
st.subheader("Hidden state through time")
st.caption(
    "The state unfolded through time: each row is one unit of the state vector, each column "
    "one time step. Blue is positive, red negative; hover a cell for its token, unit and value."
)
shown = heatmap_ui(result, atlas)
if atlas is None:
    one_unit_ui(model, result, result.states[shown])
else:
    state = ranking_ui(atlas)
    unit_atlas_ui(model, result, atlas, state)
    pattern_ui(model, result, atlas, state)
saturation_ui(model, result, atlas, shown.rsplit(".", 1)[0])
