"""Sentiment page (many to one): a review read token by token, and what each unit of the model does."""

import numpy as np
import pandas as pd
import streamlit as st

import ui
from models.atlas import CONTEXT_AFTER, CONTEXT_BEFORE, Atlas, Unit, rebuild_command, units_on
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
COMPARED = ("sentiment", "sentiment-gru", "sentiment-rnn")  # read together at first: LSTM, GRU, vanilla
CELLS = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
MAX_HEATMAP_STEPS = 60  # 256 units x 60 steps: cells still big enough to hover and click
HEATMAP_AXES = 130  # pixels of a heatmap's height that its title and token axis take
STRONG_AUC = 0.9
SNIPPETS = 6  # shown of each end of a unit's range
MATCHES = 8
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


@st.cache_data(max_entries=512, show_spinner=False)
def reading_window(text: str, position: int, state: str, _model, version: tuple):
    """The tokens around token `position` of a held-out text, every unit's `state` value at each
    [tokens, units], and where `position` is among them."""
    analysis = _model.analyze(text)
    start = max(position - CONTEXT_BEFORE, 0)
    window = slice(start, position + CONTEXT_AFTER + 1)
    return analysis.tokens[window], analysis.states[state][window], position - start


def pick(unit: int) -> None:
    st.session_state["sentiment_unit"] = unit


def pick_from_chart(key: str) -> None:
    """A click on a chart's unit (heatmap cell, AUC bar) picks that unit."""
    picked = st.session_state[key].selection.get(charts.PICK, [])
    if picked:
        pick(int(picked[0]["unit"]))


def pick_from_table(units: list[Unit]) -> None:
    """A click on a row of the ranking picks its unit."""
    rows = st.session_state["sentiment_ranking"].selection.rows
    if rows:
        pick(units[rows[0]].index)


def models_ui() -> tuple[str, list[str]]:
    """The checkpoint to look inside, and those whose reading to draw beside its own."""
    found = ui.checkpoint_names("sentiment")
    left, right = st.columns(2)
    name = left.selectbox(
        "Model",
        ["sentiment", *(name for name in found if name != "sentiment")],
        key="sentiment_model",
        help="Every sentiment checkpoint in checkpoints/, yours included (python -m training.sentiment).",
    )
    compared = right.multiselect(
        "Compare its reading with",
        found,
        default=[name for name in COMPARED if name in found],
        key="sentiment_compare",
    )
    return name, [other for other in compared if other != name]


def input_ui() -> str:
    st.session_state.setdefault("sentiment_text", EXAMPLES["Negation"])
    ui.example_picker(EXAMPLES, "sentiment_example", "sentiment_text", "Pick an example review…")
    with st.form("sentiment_form"):
        text = st.text_area("Review", key="sentiment_text", height=120)
        st.form_submit_button("Read it", type="primary")
    return text


def describe(name: str, model) -> str:
    """'sentiment (LSTM)'"""
    return f"{name} ({CELLS[model.config.cell]})"


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
    quantities = [q for q in STATE_LABELS if f"{streams[0]}.{q}" in result.states]
    orders = [*charts.UNIT_ORDERS, *(["atlas AUC"] if atlas else [])]
    a, b, c = st.columns(3)
    stream = a.selectbox("Layer and direction", streams, key="sentiment_stream")
    quantity = b.selectbox(
        "Show", quantities, format_func=lambda q: STATE_LABELS[q][0], key="sentiment_quantity"
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


def auc_ranking(atlas: Atlas, stream: str, quantity: str) -> list[int]:
    """The units by the AUC of the quantity shown, or of the layer's h where the atlas lacks it."""
    state = f"{stream}.{quantity}" if f"{stream}.{quantity}" in atlas.states else f"{stream}.h"
    return [unit.index for unit in atlas.units(state)]


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
        domain=charts.state_domain(quantity, values),
        order=order,
        ranking=auc_ranking(atlas, stream, quantity) if order == "atlas AUC" else None,
        title=f"{STATE_LABELS[quantity][0]}, {stream}",
        height=HEATMAP_AXES + min(max(3 * values.shape[1], 160), 640),
    )
    st.caption(STATE_LABELS[quantity][1])
    st.vega_lite_chart(
        chart,
        width="stretch",
        on_select=lambda: pick_from_chart("sentiment_heatmap"),
        key="sentiment_heatmap",
    )
    return name


def unit_picker(model, units: int, default: int) -> int:
    """The unit to look at; another model starts at its own `default`: its units are others."""
    if st.session_state.get("sentiment_unit_model") != model.path:
        st.session_state.pop("sentiment_unit", None)
        st.session_state["sentiment_unit_model"] = model.path
    st.session_state.setdefault("sentiment_unit", default)
    return st.number_input("Unit", 0, units - 1, key="sentiment_unit")


def atlas_state_picker(atlas: Atlas) -> str:
    """The state of the atlas the sections below read (h, or the LSTM's c; per layer and direction)."""
    if len(atlas.states) == 1:
        return atlas.states[0]

    def label(state: str) -> str:
        stream, quantity = state.rsplit(".", 1)
        return f"{STATE_LABELS[quantity][0]}, {stream}"

    return st.selectbox("State", atlas.states, format_func=label, key="sentiment_atlas_state")


def ranking_ui(atlas: Atlas) -> str:
    """The units ranked by AUC in the chosen state; returns that state."""
    st.subheader("Units that carry the verdict")
    st.caption(
        f"Each unit's mean value over each of {len(atlas.texts):,} held-out texts "
        f"({', '.join(atlas.meta['sources'])}). Its AUC is the chance that it puts a random positive "
        "text above a random negative one (or below, for units that run higher on negative texts): "
        "0.5 is a coin toss, 1 a perfect split. Click a row or a bar to look at that unit."
    )
    left, right = st.columns([2, 3], gap="large")
    with left:
        state = atlas_state_picker(atlas)
        units = atlas.units(state)
        strong = sum(unit.auc > STRONG_AUC for unit in units)
        st.metric(f"Units with AUC above {STRONG_AUC}", f"{strong} of {len(units)}")
        table = pd.DataFrame(
            {
                "unit": [unit.index for unit in units],
                "AUC": [unit.auc for unit in units],
                "higher on": ["positive" if unit.sign > 0 else "negative" for unit in units],
            }
        )
        st.dataframe(
            table,
            hide_index=True,
            height=260,
            column_config={"AUC": st.column_config.NumberColumn(format="%.3f")},
            on_select=lambda: pick_from_table(units),
            selection_mode="single-row",
            key="sentiment_ranking",
        )
    right.vega_lite_chart(
        charts.auc_ranking(units, STRONG_AUC),
        width="stretch",
        on_select=lambda: pick_from_chart("sentiment_auc"),
        key="sentiment_auc",
    )
    return state


def snippet_strips(snippets, state: str, unit: int, limit: float, model) -> str:
    """Each snippet's tokens coloured by `unit`, under a line saying where it comes from."""
    items = []
    for snippet in snippets:
        tokens, values, marked = reading_window(
            snippet.text, snippet.position, state, model, ui.version(model)
        )
        verdict = "positive" if snippet.label else "negative"
        caption = f"{snippet.value:+.3f} at “{snippet.token}”, a {verdict} {snippet.source} text"
        items.append((caption, charts.token_strip(tokens, values[:, unit], limit, marked=marked)))
    return charts.captioned(items)


def unit_summary(atlas: Atlas, state: str, unit: int) -> str:
    units = atlas.units(state)
    rank = next(rank for rank, found in enumerate(units) if found.index == unit)
    side = "positive" if units[rank].sign > 0 else "negative"
    return (
        f"**Unit {unit}**: AUC {units[rank].auc:.3f}, rank {rank + 1} of {len(units)}; it runs higher on "
        f"{side} texts. This review, each token coloured by the unit's value after reading it:"
    )


@st.fragment
def unit_atlas_ui(model, result, atlas: Atlas, state: str) -> None:
    """The Karpathy view of one unit: this review and the held-out texts, coloured by its value.
    A fragment: picking a unit here reruns only this section."""
    st.subheader("Unit atlas")
    st.caption(
        "Pick a unit here, in the table above or with a click on the heatmap. The first one shown is "
        "the unit that best tells positive from negative texts."
    )
    left, right = st.columns([1, 4], gap="large", vertical_alignment="bottom")
    with left:
        unit = unit_picker(model, len(atlas.units(state)), atlas.units(state)[0].index)
    right.markdown(unit_summary(atlas, state, unit))
    highest = atlas.top(unit, state, k=atlas.meta["snippets"])
    lowest = atlas.top(unit, state, k=atlas.meta["snippets"], lowest=True)
    extremes = np.array([snippet.value for snippet in highest + lowest])
    review = result.states[state][:, unit]
    limit = max(float(np.abs(extremes).max()), 1e-6)
    st.html(charts.token_strip(result.tokens, review, limit))
    left, right = st.columns(2, gap="large")
    left.vega_lite_chart(
        charts.value_range(result.tokens, review, extremes, max(limit, float(np.abs(review).max()))),
        width="stretch",
    )
    left.caption(
        f"Where this review's tokens fall on unit {unit}'s range over the held-out texts; the ticks are "
        f"its {len(highest)} highest and {len(lowest)} lowest values there (one per text)."
    )
    right.vega_lite_chart(
        charts.mean_histogram(atlas.means(state)[:, unit], atlas.labels, f"unit {unit}, mean per text"),
        width="stretch",
    )
    for column, title, snippets in zip(st.columns(2, gap="large"), ("Highest", "Lowest"), (highest, lowest)):
        column.markdown(f"**{title}** in the held-out texts (the framed token)")
        column.html(snippet_strips(snippets[:SNIPPETS], state, unit, limit, model))


def default_span(step_positive: list[float]) -> tuple[int, int]:
    """The token that moves the verdict most, and the next one (the one before, at the end)."""
    token = int(np.abs(np.diff(step_positive, prepend=step_positive[0])).argmax())
    return (token, token + 1) if token + 1 < len(step_positive) else (max(token - 1, 0), token)


def span_ui(tokens: list[str], step_positive: list[float]) -> tuple[int, int]:
    if len(tokens) == 1:
        return 0, 0
    start, end = st.select_slider(
        "Span of this review",
        list(range(len(tokens))),
        value=default_span(step_positive),
        format_func=lambda i: f"{i} {tokens[i]}",
        help="Its first and last token. At first: where the verdict moves most.",
    )
    return start, end


@st.fragment
def pattern_ui(model, result, atlas: Atlas, state: str) -> None:
    """LSTMVis' match search: the units on over a span of this review, and where else they are on.
    A fragment: choosing a span or a threshold reruns only this section."""
    st.subheader("Pattern search")
    st.caption(
        "As in LSTMVis: choose a span of this review and a threshold. The units above it at every "
        "token of the span are the span's pattern; below are the places in "
        f"{atlas.meta['match_tokens']:,} tokens of held-out text where most of them are on together, "
        "one per text, best first. Each token there is shaded by how many of the units are on."
    )
    left, right = st.columns(2, gap="large")
    with left:
        start, end = span_ui(result.tokens, result.step_positive)
    threshold = right.slider(
        "On above",
        0.0,
        max(atlas.value_range(state)[1], atlas.threshold(state) + 0.001),
        atlas.threshold(state),
        step=0.001,
        format="%.3f",
        help="At first: the value a unit exceeds at one token in ten of the held-out texts.",
    )
    span = "“" + " ".join(result.tokens[start : end + 1]) + "”"
    pattern = units_on(result.states[state][start : end + 1], threshold)
    if not pattern:
        st.info(f"No unit stays above {threshold:.3f} over all of {span}: lower the threshold or shorten it.")
        return
    st.markdown(
        f"**{counted(len(pattern), 'unit')}** above {threshold:.3f} at every token of {span}, the steadiest "
        "first: " + ", ".join(map(str, pattern))
    )
    matches = atlas.match(pattern, state, k=MATCHES, threshold=threshold, at_least=1)
    st.html(match_strips(matches, pattern, threshold, state, model))


def match_strips(matches, pattern: list[int], threshold: float, state: str, model) -> str:
    """Each match's tokens shaded by how many of the pattern's units are on, under where it comes from."""
    items = []
    for match in matches:
        tokens, values, marked = reading_window(match.text, match.position, state, model, ui.version(model))
        on = (values[:, pattern] > threshold).sum(axis=1)
        notes = [f"{count} of {len(pattern)} units on" for count in on]
        verdict = "positive" if match.label else "negative"
        caption = (
            f"{match.units_on} of {len(pattern)} units on at “{match.token}” "
            f"({counted(match.others_on, 'other unit')} on), a {verdict} {match.source} text"
        )
        items.append((caption, charts.token_strip(tokens, on / len(pattern), marked=marked, notes=notes)))
    return charts.captioned(items)


def counted(count: int, noun: str) -> str:
    """'1 unit', '19 units'"""
    return f"{count} {noun}{'' if count == 1 else 's'}"


@st.fragment
def one_unit_ui(model, result, values: np.ndarray) -> None:
    """One unit of the heatmap's values [steps, units] read along the text, for a model without atlas."""
    st.subheader("One unit, read along the text")
    unit = unit_picker(model, values.shape[1], charts.closest_unit(values, np.asarray(result.step_positive)))
    st.caption(
        "Click a cell of the heatmap or choose a unit. Each token is coloured by that unit's "
        "value after reading it. The first unit shown is the one that follows the verdict most closely."
    )
    limit = max(float(np.abs(values[:, unit]).max()), 1e-6)
    st.html(charts.token_strip(result.tokens, values[:, unit], limit))


def saturation_ui(model, result, atlas: Atlas | None, stream: str) -> None:
    gates = [q for q in STATE_LABELS if q.endswith("_gate") and f"{stream}.{q}" in result.states]
    if not gates:
        return  # the vanilla cell has none
    st.subheader("Gates: switches or dials")
    st.caption(
        "As in Karpathy et al. (2015): one dot per unit, placed by the share of steps its gate is nearly "
        "shut (below 0.1) and nearly open (above 0.9) over held-out texts. Dots along an axis act as "
        "switches; those near the corner are never saturated and weigh every step."
    )
    shares = {gate: atlas.saturation(f"{stream}.{gate}") for gate in gates} if atlas else {}
    if not shares or any(share is None for share in shares.values()):
        st.caption(
            f"These shares are read over the atlas's held-out texts: build it (again, if it is older than "
            f"this figure) with `{rebuild_command(model.path)}` to see them."
        )
        return
    for column, gate in zip(st.columns(len(gates)), gates):
        column.vega_lite_chart(charts.gate_saturation(shares[gate], STATE_LABELS[gate][0]), width="stretch")


navigation.setup(__file__)
st.title(":material/reviews: Sentiment: many to one")
st.markdown(
    "The network reads the review one token at a time. At each step its state $h_t$ is computed "
    "from the previous state $h_{t-1}$ and the new input $x_t$, with the same weights at every "
    "step; after the last token, one output $y$ says how positive the review is."
)
name, compared = models_ui()
model = ui.load_model(name, "sentiment")
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
