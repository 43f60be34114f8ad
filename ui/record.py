"""The training record's views: the reading scrubbed through training, units forming, cartography."""

import json

import altair as alt
import numpy as np
import pandas as pd

from models import registry
from models.record import TrainingRecord
from ui import charts, shared
from ui.charts import field
from ui.language import t

CURVES = 8  # best units drawn as AUC curves
SHOWN_UNITS = 64  # the trained model's best units drawn at every point (all 256 would send ~1.4 MB)
PLAY_MS = 800  # a recorded point each, while playing
POINT = "point"  # the recorded point every view shows, a parameter the chart's slider changes
PLAYING = "playing"  # whether the points step by themselves, a box under the chart
PICKED = "picked_unit"  # the unit whose curve is drawn, picked by a click on the heatmap
REGION_COLOURS = alt.Scale(
    domain=["easy", "ambiguous", "hard"],
    range=[charts.hex_colour(charts.POSITIVE), "#e3a21a", charts.hex_colour(charts.NEGATIVE)],
)


def point_at(record: TrainingRecord, step: int) -> int:
    """The last point of `record` at or before `step` (another run may stop earlier)."""
    return int(np.searchsorted(record.steps, step, side="right") - 1)


def compared_records(model) -> dict[str, TrainingRecord]:
    """The chosen model's record and those of the other cells' shipped models that read the same
    probes: the vanilla RNN, LSTM and GRU learning side by side."""
    records = {model.path.stem: model.dynamics}
    for cell in ("lstm", "gru", "rnn"):
        name = registry.of_cell(cell)
        if name in records or name not in shared.model_names("sentiment"):
            continue
        other = shared.load_model(name, "sentiment").dynamics
        if other is not None and other.texts == model.dynamics.texts:
            records[name] = other
    return records


def scrub_views(records: dict[str, TrainingRecord], review: int, start: int, unit: int) -> dict:
    """Probe `review` at every recorded point of the first record in one chart, sent once: the reading
    trace of every record (each at its last point at or before that step), the hidden state of the
    first record's SHOWN_UNITS best units and the curve of the one picked (`unit`, or the best when it
    is not among them), now and trained. A slider under the chart picks the point (starting on point
    `start`), a box plays the points in turn and a click on the heatmap picks the unit, all in the
    browser."""
    record = next(iter(records.values()))
    shown = record.ranking()[:SHOWN_UNITS]
    traces = {
        name: np.stack([other.trace(point_at(other, step), review) for step in record.steps])
        for name, other in records.items()
    }
    states = np.stack([record.states(k, review)[:, shown] for k in range(len(record.steps))])
    where = [
        t(
            "learning.after",
            steps=f"{step:,}",
            total=f"{record.steps[-1]:,}",
            epochs=sum(s <= step for s in record.epoch_steps),
        )
        for step in record.steps
    ]
    picked = unit if unit in shown else shown[0]
    return _playable(
        _scrub_views(traces, states, shown, record.tokens[review], where, start, picked), len(where)
    )


@charts.vega_lite
def _scrub_views(
    traces: dict[str, np.ndarray],
    states: np.ndarray,
    units: list[int],
    tokens: list[str],
    where: list[str],
    start: int,
    unit: int,
) -> alt.VConcatChart:
    """traces name -> [points, tokens] P(positive), states [points, tokens, units]; `where` says at
    each point how far training was, the chart's title. Every view keeps the rows of the point POINT
    names."""
    points, steps, _ = states.shape
    last = points - 1
    cells = pd.DataFrame(
        {
            "point": np.repeat(np.arange(points, dtype=np.int16), steps * len(units)),
            "position": np.tile(np.repeat(np.arange(steps, dtype=np.int16), len(units)), points),
            "unit": np.tile(np.array(units, dtype=np.int16), points * steps),
            "value": states.ravel().round(3).astype(np.float32),
        }
    )
    picked = alt.selection_point(
        name=PICKED, fields=["unit"], on="click", value=[{"unit": unit}], clear=False, toggle=False
    )
    at = alt.param(
        name=POINT, value=start, bind=alt.binding_range(min=0, max=last, step=1, name=t("learning.point"))
    )
    playing = alt.param(name=PLAYING, value=False, bind=alt.binding_checkbox(name=t("learning.play")))
    now = alt.Chart(cells).transform_filter(f"datum.point == {POINT}")
    row = now.transform_filter({"param": PICKED, "empty": False}).transform_aggregate(
        cells="count()", groupby=["unit"]
    )
    rows = alt.Scale(domain=units)  # fixed, as every domain here: a new point moves no axis
    heatmap = alt.layer(
        _named(now, tokens)
        .mark_rect()
        .encode(
            x=_token_x(tokens, t("charts.heatmap.x")),
            y=alt.Y("unit:O", scale=rows, title=t("charts.heatmap.y"), axis=alt.Axis(labelFontSize=9)),
            color=alt.Color(
                "value:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1]), title=t("charts.field.value")
            ),
            tooltip=[field("token", "N"), field("unit", "O"), field("value", "Q", format=".3f")],
        )
        .add_params(picked),
        row.mark_rect(filled=False, stroke="black", strokeWidth=2).encode(y=alt.Y("unit:O", scale=rows)),
        title=t("learning.heatmap_title"),
    ).properties(width=charts.HALF_WIDTH, height=6 * len(units))
    views = alt.vconcat(
        _traces(traces, tokens).properties(width=2 * charts.HALF_WIDTH, height=220),
        alt.hconcat(heatmap, _unit_curve(cells, tokens, last).properties(width=charts.HALF_WIDTH - 60)),
        title=alt.Title(alt.ExprRef(f"{json.dumps(where)}[{POINT}]"), anchor="start"),
    )
    return views.add_params(at, playing).properties(usermeta=charts.CANVAS)


def _traces(traces: dict[str, np.ndarray], tokens: list[str]) -> alt.LayerChart:
    """P(positive) after each token at the point POINT names, a line per record, with the 0.5 line."""
    frame = pd.DataFrame(
        [
            {"model": name, "point": k, "position": i, "positive": round(float(p), 4)}
            for name, trace in traces.items()
            for k, row in enumerate(trace)
            for i, p in enumerate(row)
        ]
    ).astype({"model": "category", "point": np.int16, "position": np.int16, "positive": np.float32})
    lines = (
        _named(alt.Chart(frame).transform_filter(f"datum.point == {POINT}"), tokens)
        .mark_line(point=True)
        .encode(
            x=_token_x(tokens, t("charts.trace.x")),
            y=alt.Y("positive:Q", scale=alt.Scale(domain=[0, 1]), title=t("charts.field.positive")),
            color=alt.Color(
                "model:N", sort=list(traces), legend=alt.Legend(orient="top", title=None, labelLimit=300)
            ),
            tooltip=[field("model", "N"), field("token", "N"), field("positive", "Q", format=".3f")],
        )
    )
    middle = alt.Chart(pd.DataFrame({"y": [0.5]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    return alt.layer(lines, middle)


def _unit_curve(cells: pd.DataFrame, tokens: list[str], last: int) -> alt.LayerChart:
    """The picked unit along the review at the point POINT names, beside the trained model's."""
    rows = alt.Chart(cells).transform_filter({"param": PICKED, "empty": False})
    labels = {t("learning.now"): f"datum.point == {POINT}", t("learning.trained"): f"datum.point == {last}"}
    colours = alt.Scale(domain=list(labels), range=[charts.hex_colour(charts.POSITIVE), "#9a9a9a"])
    lines = [
        _named(rows.transform_filter(test), tokens)
        .transform_calculate(weights=json.dumps(label))
        .mark_line(point=True)
        .encode(
            x=_token_x(tokens, t("learning.axis_token"), narrow=True),
            y=alt.Y("value:Q", scale=alt.Scale(domain=[-1, 1]), title=t("learning.axis_value")),
            color=alt.Color("weights:N", scale=colours, legend=alt.Legend(orient="bottom", title=None)),
            tooltip=[field("token", "N"), field("value", "Q", format=".3f")],
        )
        for label, test in reversed(labels.items())  # the trained line under the moving one
    ]
    before, after = t("learning.unit_title", unit="\0").split("\0")
    title = f"{json.dumps(before)} + {PICKED}.unit + {json.dumps(after)}"
    return alt.layer(*lines, title=alt.Title(alt.ExprRef(title)))


def _named(chart: alt.Chart, tokens: list[str]) -> alt.Chart:
    """`chart` with each row's token, looked up by its position (the data holds numbers only)."""
    return chart.transform_calculate(token=f"{json.dumps(tokens)}[datum.position]")


def _token_x(tokens: list[str], title: str, narrow: bool = False) -> alt.X:
    """x: the position in the review, labelled '3 film' as charts.step_labels writes it (on a `narrow`
    chart, only the labels that fit)."""
    axis = charts.token_axis(len(tokens))
    axis.labelOverlap = narrow or axis.labelOverlap
    axis.labelExpr = f"{json.dumps(charts.step_labels(tokens))}[datum.value]"
    return alt.X("position:O", scale=alt.Scale(domain=list(range(len(tokens)))), title=title, axis=axis)


def _playable(spec: dict, points: int) -> dict:
    """The chart with its box that plays: every PLAY_MS the point moves on (from the first after the
    last), and the box turns itself off on reaching the last. Vega-Lite hands a parameter's other
    properties to its Vega signal, and Altair's schema knows no `on`: so added to the spec here."""
    last = points - 1
    on = {
        POINT: [
            {
                "events": f"timer{{{PLAY_MS}}}",
                "update": f"{PLAYING} ? ({POINT} < {last} ? {POINT} + 1 : 0) : {POINT}",
            }
        ],
        PLAYING: [{"events": {"signal": POINT}, "update": f"{PLAYING} && {POINT} < {last}"}],
    }
    params = [{**p, "on": on[p["name"]]} if p["name"] in on else p for p in spec["params"]]
    return {**spec, "params": params}


@charts.vega_lite
def units_forming(steps: np.ndarray, auc: np.ndarray, units: list[int], threshold: float) -> alt.Chart:
    """Each unit's held-out AUC over training (x: step + 1, log scale, so step 0 shows), and the
    threshold at which a unit counts as formed."""
    frame = pd.DataFrame(
        [
            {"step": int(step), "after": int(step) + 1, "unit": f"{t('learning.unit')} {u}", "auc": float(a)}
            for u in units
            for step, a in zip(steps, auc[:, u])
        ]
    )
    x = alt.X("after:Q", scale=alt.Scale(type="log"), title=t("learning.axis_steps"))
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("auc:Q", scale=alt.Scale(domain=[0.5, 1]), title="AUC"),
            color=alt.Color("unit:N", sort=None, title=None),
            tooltip=[
                "unit:N",
                alt.Tooltip("step:Q", title=t("learning.axis_step")),
                alt.Tooltip("auc:Q", format=".3f"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"y": [threshold]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    )
    return (lines + rule).properties(height=300)


@charts.vega_lite
def cartography_map(
    confidence: np.ndarray, variability: np.ndarray, correctness: np.ndarray, regions
) -> alt.Chart:
    """Every kept training example: confidence against variability, coloured by region, clickable."""
    frame = pd.DataFrame(
        {
            "example": np.arange(len(confidence)),
            "confidence": confidence.round(3),
            "variability": variability.round(3),
            "correctness": correctness.round(2),
            "region": regions,
            "region_name": [t(f"learning.region_{r}") for r in regions],
        }
    )
    pick = alt.selection_point(name="example_pick", fields=["example"], on="click")
    return (
        alt.Chart(frame)
        .mark_circle(size=14, opacity=0.6)
        .encode(
            x=alt.X("variability:Q", title=t("learning.axis_variability")),
            y=alt.Y("confidence:Q", scale=alt.Scale(domain=[0, 1]), title=t("learning.axis_confidence")),
            color=alt.Color(
                "region:N",
                scale=REGION_COLOURS,
                legend=alt.Legend(orient="top", title=None, labelExpr=_region_labels()),
            ),
            tooltip=[
                alt.Tooltip("region_name:N", title=t("learning.region")),
                alt.Tooltip("confidence:Q", title=t("learning.axis_confidence")),
                alt.Tooltip("variability:Q", title=t("learning.axis_variability")),
                alt.Tooltip("correctness:Q", title=t("learning.correctness")),
            ],
        )
        .add_params(pick)
        .properties(height=420)
    )


def _region_labels() -> str:
    """A Vega expression that names each region in the visitor's language."""
    names = {region: t(f"learning.region_{region}") for region in ("easy", "ambiguous", "hard")}
    return " : ".join(f"datum.label == '{r}' ? '{n}'" for r, n in names.items()) + " : datum.label"


def examples_table(model, cartography, indices) -> pd.DataFrame:
    """The chosen examples with their label, the trained model's verdict and their place on the map."""
    texts = [cartography.text[i] for i in indices]
    positive = shared.analyze(model, tuple(texts), how=_verdicts, spinner=t("learning.reading"))
    label = {0: t("learning.negative"), 1: t("learning.positive")}
    return pd.DataFrame(
        {
            t("learning.column_text"): texts,
            t("learning.column_label"): [label[int(cartography.label[i])] for i in indices],
            t("learning.column_verdict"): [label[int(p >= 0.5)] + f" ({p:.2f})" for p in positive],
            t("learning.axis_confidence"): cartography.confidence[indices].round(3),
            t("learning.axis_variability"): cartography.variability[indices].round(3),
        }
    )


def _verdicts(model, texts: tuple[str, ...]) -> list[float]:
    return model.predict(list(texts))
