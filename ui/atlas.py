"""The sentiment page's sections on what its units do: ranked by AUC, over held-out texts, in patterns;
and what the captioning and translation pages share of them: the traced quantities' names and one
heatmap to choose among them."""

import numpy as np
import pandas as pd
import streamlit as st

import ui
from models.atlas import (
    STRONG_AUC,
    Atlas,
    Unit,
    count_on,
    reading_window,
    rebuild_command,
    units_on,
    verdict_turn,
)
from models.cells import QUANTITIES
from models.pieces import piece_labels
from models.units import closest_unit
from ui import charts, shared, upload
from ui.language import t

SNIPPETS = 6  # shown of each end of a unit's range
MATCHES = 8
# A heatmap of several quantities (or a review's every token) is sent whole while it holds at most
# this many cells (about 2 MB), so that choosing one (or scrolling) needs no server: a sentence of 20
# pieces, a caption of 30 words, every LSTM quantity of a 65-token review, one of a 390-token review.
IN_BROWSER_CELLS = 100_000


def quantity_label(quantity: str) -> str:
    """A traced quantity ("forget_gate") as people call it: "forget gate f_t"."""
    return t(f"atlas.quantity.{quantity}.label")


def quantities_ui(
    quantities: dict[str, tuple[np.ndarray, list[str], tuple[float, float]]],
    titles: dict[str, str],
    *,
    label: str,
    key: str,
    x_title: str | None = None,
) -> None:
    """The heatmap of one of several quantities (charts.heatmaps: values, tokens, colour domain, by
    name; `titles` as shown), chosen in the browser, or with more than IN_BROWSER_CELLS cells in all
    (a long sentence's every gate: megabytes) by a box (`label`, `key`) the server answers."""
    if sum(values.size for values, _, _ in quantities.values()) <= IN_BROWSER_CELLS:
        chart = charts.heatmaps(quantities, titles, label=label, x_title=x_title)
    else:
        name = st.selectbox(label, list(quantities), format_func=titles.get, key=key)
        values, tokens, domain = quantities[name]
        chart = charts.heatmap(values, tokens, domain=domain, title=titles[name], x_title=x_title)
    st.vega_lite_chart(chart, width="stretch")


def stream_name(stream: str) -> str:
    """A layer and direction of a sentiment model as people say it: "layer0.forward" -> "layer 0 forward"."""
    layer, direction = stream.split(".")
    return t(f"atlas.direction.{direction}", layer=layer.removeprefix("layer"))


def state_name(name: str) -> str:
    """A traced state of a sentiment model as the page names it: "layer0.forward.h" -> "hidden state
    h_t, layer 0 forward"."""
    stream, _, quantity = name.rpartition(".")
    return t("atlas.state", quantity=quantity_label(quantity), where=stream_name(stream))


def token_labels(model, tokens: list[str]) -> list[str]:
    """A model's tokens as a reader recognises them: sentencepiece pieces without their word mark."""
    return piece_labels(tokens) if model.config.tokens == "pieces" else tokens


def counted(count: int, noun: str) -> str:
    """'1 unit', '19 units' (`noun` one of the catalogue's atlas.count entries)"""
    return t(f"atlas.count.{noun}.{'one' if count == 1 else 'other'}", count=count)


def verdict(positive: int) -> str:
    """A true (1) label as "positive", a false (0) one as "negative", in the visitor's language."""
    return t(f"atlas.verdict.{'positive' if positive else 'negative'}")


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
    """The unit to look at; another model starts at its own `default`: its units are others. A link
    may name the first one (?sentiment_unit=, as the How it learned page's links do); the URL then
    follows the choice."""
    if st.session_state.get("sentiment_unit_model") != model.path:
        first = "sentiment_unit_model" not in st.session_state
        st.session_state.pop("sentiment_unit", None)
        st.session_state["sentiment_unit_model"] = model.path
        linked = st.query_params.get("sentiment_unit", "") if first else ""
        if linked.isdigit() and int(linked) < units:
            default = int(linked)
    st.session_state.setdefault("sentiment_unit", default)
    unit = st.number_input(t("atlas.unit"), 0, units - 1, key="sentiment_unit")
    st.query_params["sentiment_unit"] = str(unit)
    return unit


def atlas_state_picker(atlas: Atlas) -> str:
    """The state of the atlas the sections below read (h, or the LSTM's c; per layer and direction)."""
    if len(atlas.states) == 1:
        return atlas.states[0]
    names = {state: state_name(state) for state in atlas.states}  # see pages/sentiment.state_picker
    return st.selectbox(
        t("atlas.state_picker"), atlas.states, format_func=names.get, key="sentiment_atlas_state"
    )


def ranking_ui(atlas: Atlas) -> str:
    """The units ranked by AUC in the chosen state; returns that state."""
    st.subheader(t("atlas.ranking.title"))
    st.caption(
        t("atlas.ranking.caption", texts=f"{len(atlas.texts):,}", sources=", ".join(atlas.meta["sources"]))
    )
    left, right = st.columns([2, 3], gap="large")
    with left:
        state = atlas_state_picker(atlas)
        units = atlas.units(state)
        strong = sum(unit.auc > STRONG_AUC for unit in units)
        st.metric(
            t("atlas.ranking.strong", auc=STRONG_AUC), t("atlas.ranking.of", part=strong, whole=len(units))
        )
        table = pd.DataFrame(
            {
                "unit": [unit.index for unit in units],
                "AUC": [unit.auc for unit in units],
                "higher on": [verdict(unit.sign > 0) for unit in units],
            }
        )
        st.dataframe(
            table,
            hide_index=True,
            height=260,
            column_config={
                "unit": st.column_config.NumberColumn(t("atlas.ranking.unit")),
                "AUC": st.column_config.NumberColumn(format="%.3f"),
                "higher on": st.column_config.TextColumn(t("atlas.ranking.higher_on")),
            },
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
    spinner = t("atlas.reading")
    tokens, values, marked = shared.analyze(
        model, snippet.text, snippet.position, state, how=reading_window, spinner=spinner
    )
    return token_labels(model, tokens), values, marked


def snippet_strips(snippets, state: str, unit: int, limit: float, model) -> str:
    """Each snippet's tokens coloured by `unit`, under a line saying where it comes from."""
    items = []
    for snippet in snippets:
        tokens, values, marked = window(model, snippet, state)
        caption = t(
            "atlas.snippet",
            value=f"{snippet.value:+.3f}",
            token=snippet.token,
            verdict=verdict(snippet.label),
            source=snippet.source,
        )
        items.append((caption, charts.token_strip(tokens, values[:, unit], limit, marked=marked)))
    return charts.captioned(items)


def unit_summary(atlas: Atlas, state: str, unit: int) -> str:
    units, rank = atlas.units(state), atlas.rank(unit, state)
    return t(
        "atlas.unit_summary",
        unit=unit,
        auc=f"{units[rank].auc:.3f}",
        rank=rank + 1,
        units=len(units),
        side=verdict(units[rank].sign > 0),
    )


@st.fragment
def unit_atlas_ui(model, result, atlas: Atlas, state: str) -> None:
    """The Karpathy view of one unit: this review and the held-out texts, coloured by its value.
    A fragment: picking a unit here reruns only this section."""
    st.subheader(t("atlas.unit_atlas.title"))
    st.caption(t("atlas.unit_atlas.caption"))
    left, right = st.columns([1, 4], gap="large", vertical_alignment="bottom")
    with left:
        unit = unit_picker(model, len(atlas.units(state)), atlas.units(state)[0].index)
    right.markdown(unit_summary(atlas, state, unit))
    highest = atlas.top(unit, state, k=atlas.meta["snippets"])
    lowest = atlas.top(unit, state, k=atlas.meta["snippets"], lowest=True)
    extremes = np.array([snippet.value for snippet in highest + lowest])
    review, tokens = result.states[state][:, unit], token_labels(model, result.tokens)
    limit = max(float(np.abs(extremes).max()), 1e-6)
    st.html(charts.token_strip(tokens, review, limit))
    left, right = st.columns(2, gap="large")
    left.vega_lite_chart(
        charts.value_range(tokens, review, extremes, max(limit, float(np.abs(review).max()))),
        width="stretch",
    )
    left.caption(t("atlas.unit_atlas.range", unit=unit, highest=len(highest), lowest=len(lowest)))
    title = t("atlas.unit_atlas.histogram", unit=unit)
    right.vega_lite_chart(
        charts.mean_histogram(atlas.means(state)[:, unit], atlas.labels, title), width="stretch"
    )
    for column, end, snippets in zip(st.columns(2, gap="large"), ("highest", "lowest"), (highest, lowest)):
        column.markdown(t(f"atlas.unit_atlas.{end}"))
        column.html(snippet_strips(snippets[:SNIPPETS], state, unit, limit, model))


def span_ui(tokens: list[str], step_positive: list[float]) -> tuple[int, int]:
    if len(tokens) == 1:
        return 0, 0
    start, end = st.select_slider(
        t("atlas.pattern.span"),
        list(range(len(tokens))),
        value=verdict_turn(step_positive),
        format_func=lambda i: f"{i} {tokens[i]}",
        help=t("atlas.pattern.span_help"),
    )
    return start, end


@st.fragment
def pattern_ui(model, result, atlas: Atlas, state: str) -> None:
    """LSTMVis' match search: the units on over a span of this review, and where else they are on.
    A fragment: choosing a span or a threshold reruns only this section."""
    st.subheader(t("atlas.pattern.title"))
    st.caption(t("atlas.pattern.caption", tokens=f"{atlas.meta['match_tokens']:,}"))
    tokens = token_labels(model, result.tokens)
    left, right = st.columns(2, gap="large")
    with left:
        start, end = span_ui(tokens, result.step_positive)
    threshold = right.slider(
        t("atlas.pattern.threshold"),
        0.0,
        max(atlas.value_range(state)[1], atlas.threshold(state) + 0.001),
        atlas.threshold(state),
        step=0.001,
        format="%.3f",
        help=t("atlas.pattern.threshold_help"),
    )
    span = ui.quote(" ".join(tokens[start : end + 1]))
    pattern = units_on(result.states[state][start : end + 1], threshold)
    if not pattern:
        st.info(t("atlas.pattern.none", threshold=f"{threshold:.3f}", span=span))
        return
    found = counted(len(pattern), "unit")
    units = ", ".join(map(str, pattern))
    st.markdown(t("atlas.pattern.found", found=found, threshold=f"{threshold:.3f}", span=span, units=units))
    matches = atlas.match(pattern, state, k=MATCHES, threshold=threshold, at_least=1)
    st.html(match_strips(matches, pattern, threshold, state, model))


def match_strips(matches, pattern: list[int], threshold: float, state: str, model) -> str:
    """Each match's tokens shaded by how many of the pattern's units are on, under where it comes from."""
    items = []
    for match in matches:
        tokens, values, marked = window(model, match, state)
        on = count_on(values, pattern, threshold)
        notes = [t("atlas.pattern.note", count=count, units=len(pattern)) for count in on]
        caption = t(
            "atlas.pattern.match",
            count=match.units_on,
            units=len(pattern),
            token=match.token,
            others=counted(match.others_on, "other_unit"),
            verdict=verdict(match.label),
            source=match.source,
        )
        items.append((caption, charts.token_strip(tokens, on / len(pattern), marked=marked, notes=notes)))
    return charts.captioned(items)


@st.fragment
def one_unit_ui(model, result, values: np.ndarray) -> None:
    """One unit of the heatmap's values [steps, units] read along the text, for a model without atlas."""
    st.subheader(t("atlas.one_unit.title"))
    unit = unit_picker(model, values.shape[1], closest_unit(values, np.asarray(result.step_positive)))
    st.caption(t("atlas.one_unit.caption"))
    limit = max(float(np.abs(values[:, unit]).max()), 1e-6)
    st.html(charts.token_strip(token_labels(model, result.tokens), values[:, unit], limit))


def saturation_ui(model, result, atlas: Atlas | None, stream: str) -> None:
    gates = [q for q in QUANTITIES if q.endswith("_gate") and f"{stream}.{q}" in result.states]
    if not gates:
        return  # the vanilla cell has none
    st.subheader(t("atlas.saturation.title"))
    st.caption(t("atlas.saturation.caption"))
    shares = {gate: atlas.saturation(f"{stream}.{gate}") for gate in gates} if atlas else {}
    if not shares or any(share is None for share in shares.values()):
        if not model.path.is_relative_to(upload.FOLDER):  # an upload's own line says why it has none
            st.caption(t("atlas.saturation.missing", command=rebuild_command(model.path)))
        return
    for column, gate in zip(st.columns(len(gates)), gates):
        column.vega_lite_chart(charts.gate_saturation(shares[gate], quantity_label(gate)), width="stretch")
