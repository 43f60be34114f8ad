"""Every chart in the app: hidden-state heatmap, reading trace, the clickable grid of image regions, and
the small HTML strips of coloured tokens."""

import base64
import functools
import hashlib
import html
import io
import json
import threading
import warnings
from collections.abc import Callable, Collection

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st
from PIL import Image

from models.atlas import Unit
from models.pieces import piece_labels
from models.regions import region_cell, region_names
from models.units import UNIT_ORDERS, unit_order
from ui import language
from ui.language import t

PICK = "unit_pick"  # a click selection of the charts that pick a unit: {"unit": ...}


POSITIVE, NEGATIVE = (49, 112, 184), (200, 60, 50)  # blue and red, in every chart and token strip


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{channel:02x}" for channel in rgb)


def verdict_colours() -> alt.Scale:
    """The colours of positive and negative, as token_strip draws them, for the words of verdicts()."""
    return alt.Scale(domain=verdicts(), range=[hex_colour(POSITIVE), hex_colour(NEGATIVE)])


def verdicts() -> list[str]:
    """'positive' and 'negative' in the visitor's language."""
    return [t("charts.positive"), t("charts.negative")]


def order_name(order: str) -> str:
    """A unit order of models.units.UNIT_ORDERS (or "atlas AUC") in the visitor's language."""
    return t(f"charts.order.{order.lower().replace(' ', '_')}")


def field(name: str, kind: str, **options) -> alt.Tooltip:
    """A tooltip line for the frame's column `name`, titled by the catalogue's charts.field.<name>."""
    return alt.Tooltip(f"{name}:{kind}", title=t(f"charts.field.{name}"), **options)


_altair_globals = threading.Lock()  # the data transformer and theme below are process-wide


def _arrow_dataset(data: pd.DataFrame, datasets: dict) -> dict:
    """An Altair data transformer: the frame as Arrow IPC bytes under a name made from them."""
    table = pa.Table.from_pandas(data, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    payload = sink.getvalue().to_pybytes()
    name = hashlib.md5(payload).hexdigest()
    datasets[name] = payload
    return {"name": name}


alt.data_transformers.register("unfold_arrow", _arrow_dataset)


def vega_lite(build: Callable[..., alt.TopLevelMixin] | None = None, *, entries: int = 48) -> Callable:
    """`build`'s chart as the Vega-Lite spec `st.vega_lite_chart` takes (its data as Arrow), made once
    per input and language and shared by every session, the last `entries` kept: `st.altair_chart`
    would build, validate and convert the chart again on every rerun, the largest part of a page's
    time. The language is part of the key because `build` writes its titles and legends in it."""
    if build is None:  # @vega_lite(entries=...)
        return functools.partial(vega_lite, entries=entries)

    @st.cache_data(max_entries=entries, show_spinner=False)
    @functools.wraps(build)
    def spec(lang: str, *args, **kwargs) -> dict:  # `lang` only keys the cache: build reads it via t()
        chart, datasets = build(*args, **kwargs), {}
        with _altair_globals, alt.theme.enable("none"):
            with alt.data_transformers.enable("unfold_arrow", datasets=datasets):
                converted = chart.to_dict(validate=False)  # tests/test_charts_valid.py validates
        return {**converted, "datasets": datasets}

    @functools.wraps(build)
    def in_language(*args, **kwargs) -> dict:
        return spec(language.current(), *args, **kwargs)

    return in_language


def step_labels(tokens: list[str]) -> list[str]:
    """Unique, ordered x-axis labels: '3 film'."""
    return [f"{i} {token}" for i, token in enumerate(tokens)]


def token_axis(steps: int) -> alt.Axis:
    """Every token labelled while they fit (up to 60), every few tokens beyond that."""
    return alt.Axis(labelAngle=-60, labelLimit=90, labelFontSize=10, labelOverlap=steps > 60)


# Charts with thousands of marks are drawn on a canvas (vega-embed reads this from the spec): SVG
# redraws them several times slower.
CANVAS = {"embedOptions": {"renderer": "canvas"}}
ORDER = "unit_order"  # the heatmap's unit order, a parameter the browser changes without the server
AUC_ORDER = "atlas AUC"  # an order beside models.units.UNIT_ORDERS: a trained model's atlas ranking


QUANTITY = "quantity"  # which of a heatmap's quantities it shows, a parameter the browser changes
STEP = "step"  # the time step a reading shows, a parameter the browser changes
FADED, UNPICKED = 0.12, 0.35  # the opacity of cells not read yet and of units not picked
HALF_WIDTH = 380  # pixels of each of two charts side by side (Streamlit stretches only single views)


@vega_lite
def heatmap(
    values: np.ndarray,
    tokens: list[str],
    *,
    domain: tuple[float, float] = (-1.0, 1.0),
    order: str = "clustered",
    ranking: list[int] | None = None,
    title: str = "",
    x_title: str | None = None,
    height: int | None = None,
) -> alt.Chart:
    """values [steps, units] as units x time steps labelled with `tokens` (the x axis titled `x_title`,
    by default "time step (token)"); colour fixed to `domain`: diverging around 0, or sequential for a
    domain from 0. Every order of models.units.UNIT_ORDERS is sent with the data (and AUC_ORDER, the
    given `ranking`, when there is one), and a box under the chart reorders the units in the browser,
    starting on `order`; a click on a cell highlights its unit (and, with on_select, picks it).
    `height` is in pixels, axes and title included (default: 3 a unit, 160 to 520)."""
    rankings = {title: ranking} if ranking else None
    chart = _heatmap({title: (values, tokens, domain)}, {title: title}, rankings, x_title)
    chart = chart.add_params(*_unit_params(order, auc=bool(ranking)))
    return chart.properties(height=height or _height(values.shape[1]), usermeta=CANVAS)


@vega_lite
def heatmaps(
    quantities: dict[str, tuple[np.ndarray, list[str], tuple[float, float]]],
    titles: dict[str, str],
    *,
    label: str,
    order: str = "clustered",
    x_title: str | None = None,
) -> alt.Chart:
    """One heatmap of several quantities, by name: each its values [steps, units], the tokens of its
    steps and its colour domain. All are sent with the chart, and a box under it (`label`) chooses the
    one shown in the browser, the first at first; `titles` name them."""
    chart = _heatmap(quantities, titles, None, x_title, choosable=True)
    box = alt.binding_select(options=list(quantities), labels=list(titles.values()), name=label)
    first = alt.param(name=QUANTITY, value=next(iter(quantities)), bind=box)
    chart = chart.add_params(first, *_unit_params(order, auc=False))
    units = max(values.shape[1] for values, _, _ in quantities.values())
    return chart.properties(height=_height(units), usermeta=CANVAS)


@vega_lite
def read_both_ways(
    forward: np.ndarray,
    backward: np.ndarray,
    tokens: list[str],
    *,
    domain: tuple[float, float],
    titles: tuple[str, str],
    label: str,
) -> alt.HConcatChart:
    """A bidirectional layer's two states [steps, units] side by side, with a slider (`label`) over the
    steps: at step t the forward state has read tokens 1..t and the backward one t..T, and the cells
    of the tokens each has not read yet fade, in the browser."""
    steps = len(tokens)
    at = alt.param(
        name=STEP, value=(steps + 1) // 2, bind=alt.binding_range(min=1, max=steps, step=1, name=label)
    )
    views = [
        _heatmap(
            {title: (values, tokens, domain)},
            {title: title},
            None,
            None,
            fade=f"datum.position {later} {STEP} - 1",
        ).properties(height=_height(values.shape[1]), width=HALF_WIDTH)
        for values, title, later in ((forward, titles[0], ">"), (backward, titles[1], "<"))
    ]
    params = [*_unit_params("clustered", auc=False), at]
    with warnings.catch_warnings():  # Altair gives each view the shared click and says it merged them
        warnings.filterwarnings("ignore", "Automatically deduplicated selection parameter")
        return alt.hconcat(*views).add_params(*params).properties(usermeta=CANVAS)


FIRST = "first_token"  # the first token a scrolled heatmap shows, a parameter the browser changes
HOVERED = "hovered_token"  # the token under the pointer, framed in the trace and the heatmap
TRACE_HEIGHT, TRACE_GAP = 90, 24  # pixels of the reading trace above a review's heatmap, and under it
TITLE_AND_AXIS = 160  # pixels of a review's heatmap that its two-line title and its token axis take


@vega_lite(entries=16)  # up to IN_BROWSER_CELLS cells each, about 2 MB
def review_heatmap(
    quantities: dict[str, tuple[np.ndarray, tuple[float, float]]],
    titles: dict[str, str],
    meanings: dict[str, str],
    tokens: list[str],
    positive: list[float],
    *,
    ranking: list[int] | None,
    order: str,
    labels: dict[str, str],
    window: int,
    height: int,
) -> alt.LayerChart:
    """The sentiment page's heatmap of one or several quantities (each its values [steps, units] and
    colour domain; its title says `titles` and, under it, `meanings`) over the review's `tokens`,
    under the model's reading trace (`positive`: P(positive) after each token); the pointer over a
    token marks it in both. All in the browser: a box (labels["quantity"]) chooses the quantity when
    there are several, the order box reorders the units (in the first quantity's orders, and
    AUC_ORDER by the given `ranking`), and with more tokens than `window` a slider (labels["first"])
    scrolls through them. `height` is the heatmap's, in pixels."""
    scrolled = len(tokens) > window
    shown = f"datum.position >= {FIRST} && datum.position < {FIRST} + {window}" if scrolled else "true"
    # One view, so that Streamlit stretches it: the trace on top, the heatmap under it, each on its own
    # y scale. Tokens are placed by position: two data sets' step labels would merge sorted as text.
    axis = token_axis(min(len(tokens), window)).to_dict()
    axis["labelExpr"] = f"{json.dumps(step_labels(tokens))}[datum.value]"
    x = alt.X("position:O", title=t("charts.heatmap.x"), axis=alt.Axis(**axis))
    trace_scale = alt.Scale(domain=[0, 1], range=[TRACE_HEIGHT, 0])
    trace_axis = alt.Axis(orient="right", values=[0, 0.5, 1], format=".1f")
    steps = pd.DataFrame({"position": range(len(tokens)), "token": tokens, "positive": positive})
    line = (
        alt.Chart(steps)
        .transform_filter(shown)
        .mark_line(point=True, color=hex_colour(POSITIVE))
        .encode(
            x=x,
            y=alt.Y("positive:Q", scale=trace_scale, title=t("charts.field.positive"), axis=trace_axis),
            tooltip=[field("token", "N"), field("positive", "Q", format=".3f")],
        )
    )
    middle = (
        alt.Chart(pd.DataFrame({"y": [0.5]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(y=alt.Y("y:Q", scale=trace_scale, axis=None))
    )
    column = (
        alt.Chart(steps)
        .transform_filter(shown)
        .transform_filter({"param": HOVERED, "empty": False})
        .mark_rect(fill=None, stroke="black", strokeWidth=1.5)
        .encode(x=x)
    )
    named = {name: (values, tokens, domain) for name, (values, domain) in quantities.items()}
    headings = {name: [titles[name], meanings[name]] for name in quantities}
    # Every quantity in the first one's unit orders: a unit keeps its row when another is shown, and
    # the server clusters the units once a review.
    first = next(iter(quantities.values()))[0]
    rankings = dict.fromkeys(quantities, ranking) if ranking else None
    cells = _heatmap(named, headings, rankings, None, len(quantities) > 1, ordered_by=first)
    cells = cells.transform_filter(shown)
    top = TRACE_HEIGHT + TRACE_GAP
    cells = cells.encode(x=x, y=cells.encoding.y.scale(range=[top, alt.ExprRef("height")]))
    hover = alt.selection_point(name=HOVERED, fields=["position"], on="pointerover", clear="pointerout")
    order_box, pick = _unit_params(order, auc=bool(ranking))
    params = [order_box]
    if len(quantities) > 1:
        box = alt.binding_select(
            options=list(quantities), labels=list(titles.values()), name=labels["quantity"]
        )
        params.insert(0, alt.param(name=QUANTITY, value=next(iter(quantities)), bind=box))
    if scrolled:
        slider = alt.binding_range(min=0, max=len(tokens) - window, step=1, name=labels["first"])
        params.append(alt.param(name=FIRST, value=0, bind=slider))
    chart = alt.layer(cells.add_params(hover, pick, *params), line, middle, column)
    height += top + TITLE_AND_AXIS  # Streamlit fits the whole chart, title and axes, into its height
    return chart.resolve_scale(y="independent").properties(height=height, usermeta=CANVAS)


def _height(units: int) -> int:
    return min(max(3 * units, 160), 520)


def _heatmap(
    quantities: dict[str, tuple[np.ndarray, list[str], tuple[float, float]]],
    titles: dict[str, str],
    rankings: dict[str, list[int]] | None,
    x_title: str | None,
    choosable: bool = False,
    fade: str | None = None,
    ordered_by: np.ndarray | None = None,
) -> alt.Chart:
    """The heatmap of heatmap(), heatmaps(), read_both_ways() and review_heatmap(), without its
    parameters (which the caller adds, once for several heatmaps): `choosable`, of the quantity
    QUANTITY names; cells where the Vega expression `fade` holds are faded; the units of every
    quantity in the orders of `ordered_by` [steps, units], or each in its own."""
    shared = None if ordered_by is None else _orders(ordered_by)
    frame = pd.concat(
        [
            _cells(name, values, tokens, (shared or _orders(values)) | _auc((rankings or {}).get(name)))
            for name, (values, tokens, _) in quantities.items()
        ],
        ignore_index=True,
    ).astype(dict.fromkeys(["quantity", "step", "token"], "category"))  # each name sent once
    steps = max(len(tokens) for _, tokens, _ in quantities.values())
    units = max(values.shape[1] for values, _, _ in quantities.values())
    chart = alt.Chart(frame, title=alt.Title(_chosen(titles)) if choosable else next(iter(titles.values())))
    if choosable:
        chart = chart.transform_filter(f"datum.quantity === {QUANTITY}")
    return (
        chart.transform_calculate(place=f"datum[{ORDER}]")
        .mark_rect()
        .encode(
            x=alt.X(
                "step:O",
                sort=alt.EncodingSortField(field="position", op="min"),
                title=x_title or t("charts.heatmap.x"),
                axis=token_axis(steps),
            ),
            y=alt.Y(
                "unit:O",
                sort=alt.EncodingSortField(field="place", op="min"),
                title=t("charts.heatmap.y"),
                axis=alt.Axis(labels=units <= 64, ticks=units <= 64),
            ),
            color=alt.Color("value:Q", scale=_colours(quantities, choosable), title=t("charts.field.value")),
            opacity=_opacity(fade),
            tooltip=[
                field("token", "N"),
                field("step", "O"),
                field("unit", "O"),
                field("value", "Q", format=".3f"),
            ],
        )
    )


def _unit_params(order: str, auc: bool) -> list:
    """The heatmap's box of unit orders (AUC_ORDER among them with `auc`), starting on `order`, and
    its click that picks a unit; added once to a chart of several heatmaps."""
    orders = list(UNIT_ORDERS) + ([AUC_ORDER] if auc else [])
    box = alt.binding_select(
        options=[_rank(o) for o in orders],
        labels=[order_name(o) for o in orders],
        name=t("charts.heatmap.order"),
    )
    return [
        alt.param(name=ORDER, value=_rank(order if order in orders else "index"), bind=box),
        alt.selection_point(name=PICK, fields=["unit"], on="click"),
    ]


def _orders(values: np.ndarray) -> dict[str, np.ndarray]:
    """Each unit's place in every order of models.units.UNIT_ORDERS, by `values` [steps, units]."""
    return {o: unit_order(values, o) for o in UNIT_ORDERS}


def _auc(ranking: list[int] | None) -> dict[str, list[int]]:
    return {AUC_ORDER: ranking} if ranking else {}


def _cells(name: str, values: np.ndarray, tokens: list[str], orders: dict) -> pd.DataFrame:
    """One row per step and unit of `values` [steps, units], with the unit's place in every order."""
    steps, units = values.shape
    assert len(tokens) == steps, (values.shape, len(tokens))
    return pd.DataFrame(
        {
            "quantity": [name] * (steps * units),
            "step": np.repeat(step_labels(tokens), units),
            "position": np.repeat(np.arange(steps, dtype=np.int16), units),
            "token": np.repeat(tokens, units),
            "unit": np.tile(np.arange(units, dtype=np.int16), steps),
            "value": values.ravel().round(4),
            **{_rank(o): np.tile(np.argsort(place).astype(np.int16), steps) for o, place in orders.items()},
        }
    )


def _chosen(values: dict) -> alt.ExprRef:
    """A Vega expression: the value in `values` of the quantity QUANTITY names."""
    expression = json.dumps(next(iter(values.values())))
    for name, value in reversed(values.items()):
        expression = f"{QUANTITY} === {json.dumps(name)} ? {json.dumps(value)} : {expression}"
    return alt.ExprRef(expression)


def _colours(quantities: dict, choosable: bool) -> alt.Scale:
    """Diverging around 0 for a domain that holds it, sequential for one from 0; `choosable`, each
    quantity's own, in the browser."""
    domains = {name: domain for name, (_, _, domain) in quantities.items()}
    schemes = {name: "redblue" if low < 0 else "blues" for name, (low, _) in domains.items()}
    if not choosable:
        ((name, domain),) = domains.items()
        return alt.Scale(scheme=schemes[name], domain=list(domain))
    return alt.Scale(
        scheme=_chosen(schemes),
        domainMin=_chosen({name: low for name, (low, _) in domains.items()}),
        domainMax=_chosen({name: high for name, (_, high) in domains.items()}),
    )


def _opacity(fade: str | None) -> dict:
    """Opaque for the picked unit (all before any pick), faded where `fade` holds."""
    conditions = [{"param": PICK, "empty": True, "value": 1.0}]
    if fade:
        conditions.insert(0, {"test": fade, "value": FADED})
    return {"condition": conditions, "value": UNPICKED}


def _rank(order: str) -> str:
    """The column holding each unit's place in `order`: 'place in clustered'."""
    return f"place in {order}"


@vega_lite
def alignment(
    values: np.ndarray, sources: list[str], targets: list[str], *, name: str, title: str
) -> alt.Chart:
    """values [len(targets), len(sources)] as a matrix of square cells sized to the sentence (about 440
    pixels across, cells of 8 to 28), output pieces down and input pieces across, every row and column
    labelled as piece_labels writes its piece; colour from 0 to the largest value."""
    assert values.shape == (len(targets), len(sources)), (values.shape, len(targets), len(sources))
    inputs, outputs = piece_labels(sources), piece_labels(targets)
    rows, columns = np.indices(values.shape)
    frame = pd.DataFrame(
        {
            "output step": rows.ravel(),
            "output": np.asarray(outputs)[rows.ravel()],
            "input step": columns.ravel(),
            "input": np.asarray(inputs)[columns.ravel()],
            name: values.ravel().round(4),
        }
    )
    cell = int(np.clip(440 // max(*values.shape, 1), 8, 28))

    def axis(labels: list[str], **options) -> alt.Axis:
        # The field is the step (two pieces may be the same); the label shows the piece.
        expression = f"{json.dumps(labels)}[datum.value]"
        size = min(cell, 11)
        return alt.Axis(labelExpr=expression, labelFontSize=size, labelOverlap=False, title=None, **options)

    return (
        alt.Chart(frame, title=title)
        .mark_rect()
        .encode(
            x=alt.X("input step:O", axis=axis(inputs, labelAngle=-50, orient="top")),
            y=alt.Y("output step:O", axis=axis(outputs)),
            color=alt.Color(
                f"{name}:Q",
                scale=alt.Scale(scheme="blues", domain=[0, max(float(values.max()), 1e-6)]),
                legend=alt.Legend(orient="bottom", title=name, gradientLength=min(cell * len(sources), 200)),
            ),
            tooltip=[field("output", "N"), field("input", "N"), alt.Tooltip(f"{name}:Q", format=".3f")],
        )
        .properties(width=alt.Step(cell), height=alt.Step(cell), autosize=alt.AutoSizeParams(type="pad"))
    )


@vega_lite
def reading_trace(traces: dict[str, list[float]], tokens: list[str]) -> alt.Chart:
    """P(positive) after each token, one line per model (name -> its trace over `tokens`), with the
    0.5 decision line."""
    labels = step_labels(tokens)
    frame = pd.DataFrame(
        [
            {"model": name, "step": label, "token": token, "positive": p}
            for name, trace in traces.items()
            for label, token, p in zip(labels, tokens, trace)
        ]
    )
    x = alt.X("step:O", sort=labels, title=t("charts.trace.x"), axis=token_axis(len(labels)))
    line = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("positive:Q", scale=alt.Scale(domain=[0, 1]), title=t("charts.field.positive")),
            color=alt.Color(
                "model:N", sort=list(traces), legend=alt.Legend(orient="top", title=None, labelLimit=300)
            ),
            tooltip=[field("model", "N"), field("token", "N"), field("positive", "Q", format=".3f")],
        )
    )
    middle = alt.Chart(pd.DataFrame({"y": [0.5]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    return (line + middle).properties(height=300)


def token_strip(
    tokens: list[str],
    values: np.ndarray,
    limit: float = 1.0,
    *,
    marked: int | None = None,
    notes: list[str] | None = None,
) -> str:
    """HTML: each token on a background coloured by its value (blue > 0, red < 0), the `marked` one
    framed; hovering a token shows its note (default: its value)."""
    spans = []
    for i, (token, value) in enumerate(zip(tokens, values)):
        strength = min(abs(float(value)) / limit, 1.0)
        rgb = ", ".join(map(str, POSITIVE if value >= 0 else NEGATIVE))
        note = f"{float(value):+.3f}" if notes is None else notes[i]
        frame = "outline: 2px solid #222; " if i == marked else ""
        spans.append(
            f'<span title="{html.escape(note)}" style="background: rgba({rgb}, {strength:.2f}); {frame}'
            f'padding: 1px 3px; margin: 1px; border-radius: 3px; display: inline-block">'
            f"{html.escape(token)}</span>"
        )
    return '<div style="line-height: 1.9">' + " ".join(spans) + "</div>"


def captioned(items: list[tuple[str, str]]) -> str:
    """HTML: (caption, html) pairs, one under the other, each caption in small grey type."""
    return "".join(
        f'<div style="margin-bottom: 0.6rem"><div style="color: #6b6b6b; font-size: 0.8rem">'
        f"{html.escape(caption)}</div>{body}</div>"
        for caption, body in items
    )


@vega_lite
def auc_ranking(units: list[Unit], strong: float) -> alt.Chart:
    """Each unit's AUC, best first, coloured by the texts it runs higher on, with a line at `strong`;
    a click on a bar picks its unit."""
    positive, negative = verdicts()
    frame = pd.DataFrame(
        {
            "rank": np.arange(1, len(units) + 1),
            "unit": [unit.index for unit in units],
            "AUC": [unit.auc for unit in units],
            "higher on": [positive if unit.sign > 0 else negative for unit in units],
        }
    )
    bars = (
        alt.Chart(frame)
        .mark_bar(clip=True)
        .encode(
            x=alt.X("rank:Q", title=t("charts.field.rank"), scale=alt.Scale(domain=[0, len(units) + 1])),
            y=alt.Y("AUC:Q", scale=alt.Scale(domain=[0.5, 1]), title="AUC"),
            color=alt.Color(
                "higher on:N",
                scale=verdict_colours(),
                legend=alt.Legend(orient="top", title=t("charts.higher_on")),
            ),
            tooltip=[
                field("unit", "O"),
                field("rank", "Q"),
                alt.Tooltip("AUC:Q", format=".3f"),
                alt.Tooltip("higher on:N", title=t("charts.higher_on")),
            ],
        )
        .add_params(alt.selection_point(name=PICK, fields=["unit"], on="click"))
    )
    line = alt.Chart(pd.DataFrame({"y": [strong]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    return (bars + line).properties(height=260)


@vega_lite
def mean_histogram(means: np.ndarray, labels: np.ndarray, title: str) -> alt.Chart:
    """Histograms of one unit's mean value over each text, positive and negative texts overlaid."""
    frame = pd.DataFrame({"mean": means.astype(float), "texts": np.where(labels == 1, *verdicts())})
    return (
        alt.Chart(frame, title=title)
        .mark_bar(opacity=0.55, binSpacing=0)
        .encode(
            x=alt.X("mean:Q", bin=alt.Bin(maxbins=40), title=t("charts.histogram.x")),
            y=alt.Y("count():Q", stack=None, title=t("charts.histogram.y")),
            color=alt.Color(
                "texts:N",
                scale=verdict_colours(),
                legend=alt.Legend(orient="top", title=t("charts.histogram.legend")),
            ),
        )
        .properties(height=300)
    )


@vega_lite
def value_range(tokens: list[str], values: np.ndarray, extremes: np.ndarray, limit: float) -> alt.Chart:
    """Where a text's tokens (dots, coloured as token_strip colours them) fall on a unit's range over
    held-out texts (a grey bar from its lowest to its highest value, a tick per kept extreme), on one
    axis from -limit to limit."""
    this_review, held_out_texts = t("charts.range.this_review"), t("charts.range.held_out")
    x = alt.X("value:Q", scale=alt.Scale(domain=[-limit, limit]), title=t("charts.range.x"))
    y = alt.Y("row:N", title=None, sort=[this_review, held_out_texts])
    held_out = alt.Chart(pd.DataFrame({"value": extremes.astype(float), "row": held_out_texts}))
    span = held_out.mark_rule(color="lightgray", size=8).encode(
        x=alt.X("min(value):Q"), x2="max(value):Q", y=y
    )
    ticks = held_out.mark_tick(color="gray", thickness=1).encode(x=x, y=y)
    review = pd.DataFrame({"value": values.astype(float), "row": this_review, "token": tokens})
    dots = (
        alt.Chart(review)
        .mark_circle(size=90, opacity=0.85, stroke="gray", strokeWidth=0.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "value:Q", scale=alt.Scale(scheme="redblue", domain=[-limit, limit]), legend=None
            ),
            tooltip=[field("token", "N"), field("value", "Q", format="+.3f")],
        )
    )
    return (span + ticks + dots).properties(height=150)


@vega_lite
def gate_saturation(fractions: np.ndarray, gate: str) -> alt.Chart:
    """Karpathy et al.'s gate scatter: one dot per unit at the fraction of steps its gate is left-
    (x) and right-saturated (y); fractions [2, units]."""
    frame = pd.DataFrame(
        {"unit": np.arange(fractions.shape[1]), "below": fractions[0], "above": fractions[1]}
    )
    share = alt.Scale(domain=[0, 1])
    return (
        alt.Chart(frame, title=gate)
        .mark_circle(size=30, opacity=0.6)
        .encode(
            x=alt.X("below:Q", scale=share, title=t("charts.gates.x")),
            y=alt.Y("above:Q", scale=share, title=t("charts.gates.y")),
            tooltip=[
                field("unit", "O"),
                field("below", "Q", format=".0%"),
                field("above", "Q", format=".0%"),
            ],
        )
        .properties(height=300)
    )


@vega_lite
def curves(
    frame: pd.DataFrame, x: str, y: str, series: str, *, log: bool = False, title: str = ""
) -> alt.Chart:
    """One line per value of `series` over `x`, with points and tooltips; optionally a log-scale y."""
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    return (
        alt.Chart(frame, title=title)
        .mark_line(point=len(frame) <= 200)
        .encode(
            x=alt.X(f"{x}:Q", title=x),
            y=alt.Y(f"{y}:Q", title=y, scale=scale),
            color=alt.Color(f"{series}:N", title=series),
            tooltip=[f"{series}:N", f"{x}:Q", alt.Tooltip(f"{y}:Q", format=".4g")],
        )
        .properties(height=300)
    )


@vega_lite
def shares(frame: pd.DataFrame) -> alt.Chart:
    """Stacked bars: per time step t, the share of the state each source (x_0, u_1, ...) makes up."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("t:O", title=t("charts.shares.x")),
            y=alt.Y(
                "share:Q",
                title=t("charts.shares.y"),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color("order:Q", title=t("charts.shares.colour"), scale=alt.Scale(scheme="viridis")),
            order=alt.Order("order:Q"),
            tooltip=[field("source", "N"), "t:O", field("share", "Q", format=".1%")],
        )
        .properties(height=260)
    )


REGION = "region"  # the click selection of region_grid: {"region": "B3"}


@vega_lite
def region_grid(image: np.ndarray, hidden: Collection[str], grid: int, size: int = 336) -> alt.Chart:
    """The picture under its grid of regions, each named in its corner, the `hidden` ones dark; a click on
    a cell selects it."""
    names = region_names(grid)
    rows, columns = zip(*(region_cell(name, grid) for name in names))
    shown = {True: t("charts.region.hidden"), False: t("charts.region.visible")}
    cells = pd.DataFrame(
        {REGION: names, "left": columns, "top": rows, "hidden": [name in hidden for name in names]}
    )
    cells["shown"] = cells.hidden.map(shown)
    # Axes from 0 to grid, cell k spanning k..k+1, shared by the picture, the cells and their names.
    x = alt.X("left:Q", scale=alt.Scale(domain=[0, grid], nice=False), axis=None)
    y = alt.Y("top:Q", scale=alt.Scale(domain=[grid, 0], nice=False), axis=None)
    picture = (
        alt.Chart(pd.DataFrame({"url": [_data_url(image)], "left": [0], "top": [0], "right": [grid]}))
        .mark_image(aspect=False)
        .encode(x=x, y=y, x2="right:Q", y2="right:Q", url="url:N")
    )
    hidden_cell = alt.datum.hidden
    boxes = (
        alt.Chart(cells)
        .transform_calculate(right="datum.left + 1", bottom="datum.top + 1")
        .mark_rect(stroke="white", strokeOpacity=0.5, strokeWidth=1, cursor="pointer")
        .encode(
            x=x,
            y=y,
            x2="right:Q",
            y2="bottom:Q",
            color=alt.condition(hidden_cell, alt.value("#111111"), alt.value("white")),
            fillOpacity=alt.condition(hidden_cell, alt.value(0.8), alt.value(0.01)),
            tooltip=[field(REGION, "N"), field("shown", "N")],
        )
        .add_params(alt.selection_point(name=REGION, fields=[REGION], on="click"))
    )
    labels = (
        alt.Chart(cells)
        .mark_text(align="left", baseline="top", dx=3, dy=3, fontSize=10)
        .encode(x=x, y=y, text=f"{REGION}:N", color=alt.value("white"), opacity=alt.value(0.8))
    )
    # The boxes on top take the clicks; "pad" keeps the plot, and so the picture, size x size.
    return (picture + labels + boxes).properties(width=size, height=size, autosize="pad")


def _data_url(image: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
