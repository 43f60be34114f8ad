"""The sentiment page's sections on what its units do: ranked by AUC, over held-out texts, in patterns."""

import numpy as np
import pandas as pd
import streamlit as st

import ui
from models.atlas import Atlas, Unit, count_on, reading_window, rebuild_command, units_on, verdict_turn
from models.cells import QUANTITIES, state_label
from models.units import closest_unit
from ui import charts

STRONG_AUC = 0.9
SNIPPETS = 6  # shown of each end of a unit's range
MATCHES = 8


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
    return st.selectbox("State", atlas.states, format_func=state_label, key="sentiment_atlas_state")


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


def window(model, snippet, state: str) -> tuple[list[str], np.ndarray, int]:
    """models.atlas.reading_window of a snippet (or match), shared by every session."""
    spinner = "Reading the held-out texts…"
    return ui.analyze(model, snippet.text, snippet.position, state, how=reading_window, spinner=spinner)


def snippet_strips(snippets, state: str, unit: int, limit: float, model) -> str:
    """Each snippet's tokens coloured by `unit`, under a line saying where it comes from."""
    items = []
    for snippet in snippets:
        tokens, values, marked = window(model, snippet, state)
        verdict = "positive" if snippet.label else "negative"
        caption = f"{snippet.value:+.3f} at “{snippet.token}”, a {verdict} {snippet.source} text"
        items.append((caption, charts.token_strip(tokens, values[:, unit], limit, marked=marked)))
    return charts.captioned(items)


def unit_summary(atlas: Atlas, state: str, unit: int) -> str:
    units, rank = atlas.units(state), atlas.rank(unit, state)
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


def span_ui(tokens: list[str], step_positive: list[float]) -> tuple[int, int]:
    if len(tokens) == 1:
        return 0, 0
    start, end = st.select_slider(
        "Span of this review",
        list(range(len(tokens))),
        value=verdict_turn(step_positive),
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
        tokens, values, marked = window(model, match, state)
        on = count_on(values, pattern, threshold)
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
    unit = unit_picker(model, values.shape[1], closest_unit(values, np.asarray(result.step_positive)))
    st.caption(
        "Click a cell of the heatmap or choose a unit. Each token is coloured by that unit's "
        "value after reading it. The first unit shown is the one that follows the verdict most closely."
    )
    limit = max(float(np.abs(values[:, unit]).max()), 1e-6)
    st.html(charts.token_strip(result.tokens, values[:, unit], limit))


def saturation_ui(model, result, atlas: Atlas | None, stream: str) -> None:
    gates = [q for q in QUANTITIES if q.endswith("_gate") and f"{stream}.{q}" in result.states]
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
        column.vega_lite_chart(charts.gate_saturation(shares[gate], QUANTITIES[gate].label), width="stretch")
