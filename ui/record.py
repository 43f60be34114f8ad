"""The training record's views: the reading scrubbed through training, units forming, cartography."""

import altair as alt
import numpy as np
import pandas as pd

import ui
from models import registry
from models.record import TrainingRecord
from ui import charts
from ui.language import t

CURVES = 8  # best units drawn as AUC curves
PICKABLE_UNITS = 32  # the best units offered to follow along the review
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
        if name in records or name not in ui.model_names("sentiment"):
            continue
        other = ui.load_model(name, "sentiment").dynamics
        if other is not None and other.texts == model.dynamics.texts:
            records[name] = other
    return records


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
    positive = ui.analyze(model, tuple(texts), how=_verdicts, spinner=t("learning.reading"))
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
