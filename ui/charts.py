"""Every chart in the app: hidden-state heatmap, reading trace, coloured token strip, attention overlay."""

import html

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image

UNIT_ORDERS = ("index", "mean activation", "variance", "clustered")
PICK = "unit_pick"  # the heatmap's click selection: {"unit": ...}


def unit_order(values: np.ndarray, order: str) -> np.ndarray:
    """Display order of the units (columns) of values [steps, units]."""
    if order == "mean activation":
        return np.argsort(-values.mean(axis=0), kind="stable")
    if order == "variance":
        return np.argsort(-values.var(axis=0), kind="stable")
    if order == "clustered" and values.shape[0] > 2:
        # Units whose activations rise and fall together sit side by side: sort by the angle
        # of each unit's time course in the plane of the two leading principal components.
        centered = values - values.mean(axis=0)
        _, _, components = np.linalg.svd(centered.T, full_matrices=False)
        projection = centered.T @ components[:2].T  # [units, 2]
        return np.argsort(np.arctan2(projection[:, 1], projection[:, 0]), kind="stable")
    return np.arange(values.shape[1])


def state_domain(name: str, values: np.ndarray) -> tuple[float, float]:
    """The colour range of a traced quantity ("h", "layer0.forward.c", "decoder.update_gate", ...):
    gates 0..1, tanh states -1..1, the unbounded LSTM memory symmetric around its largest value."""
    quantity = name.rsplit(".", 1)[-1]
    if quantity == "c":
        limit = float(np.abs(values).max()) or 1.0
        return (-limit, limit)
    return (0.0, 1.0) if quantity.endswith("gate") else (-1.0, 1.0)


def closest_unit(values: np.ndarray, trace: np.ndarray) -> int:
    """The unit (column of values [steps, units]) whose activation best follows `trace` [steps]."""
    centered = values - values.mean(axis=0)
    trace = trace - trace.mean()
    scale = np.linalg.norm(centered, axis=0) * np.linalg.norm(trace)
    correlation = np.divide(trace @ centered, scale, out=np.zeros(values.shape[1]), where=scale > 0)
    return int(np.abs(correlation).argmax())


def step_labels(tokens: list[str]) -> list[str]:
    """Unique, ordered x-axis labels: '3 film'."""
    return [f"{i} {token}" for i, token in enumerate(tokens)]


def token_axis(steps: int) -> alt.Axis:
    """Every token labelled while they fit (up to 60), every few tokens beyond that."""
    return alt.Axis(labelAngle=-60, labelLimit=90, labelFontSize=10, labelOverlap=steps > 60)


def heatmap(
    values: np.ndarray,
    tokens: list[str],
    *,
    rows: list[str] | None = None,
    domain: tuple[float, float] = (-1.0, 1.0),
    order: str = "index",
    title: str = "",
    x_title: str = "time step (token)",
) -> alt.Chart:
    """values [steps, units] as units (or the given `rows`) x time steps labelled with `tokens`;
    colour fixed to `domain`: diverging around 0, or sequential for a domain from 0."""
    steps, units = values.shape
    assert len(tokens) == steps and (rows is None or len(rows) == units), (values.shape, len(tokens))
    labels = step_labels(tokens)
    if rows is None:
        y_sort, y_title, y_labels = (
            [int(u) for u in unit_order(values, order)],
            f"unit ({order})",
            units <= 64,
        )
        y_values = np.tile(np.arange(units), steps)
    else:
        y_sort, y_title, y_labels = step_labels(rows), "output step (token)", True
        y_values = np.tile(y_sort, steps)
    frame = pd.DataFrame(
        {
            "step": np.repeat(labels, units),
            "token": np.repeat(tokens, units),
            "unit": y_values,
            "value": values.ravel().round(4),
        }
    )
    scheme = "redblue" if domain[0] < 0 else "blues"
    return (
        alt.Chart(frame, title=title)
        .mark_rect()
        .encode(
            x=alt.X("step:O", sort=labels, title=x_title, axis=token_axis(len(labels))),
            y=alt.Y("unit:O", sort=y_sort, title=y_title, axis=alt.Axis(labels=y_labels, ticks=y_labels)),
            color=alt.Color("value:Q", scale=alt.Scale(scheme=scheme, domain=list(domain)), title="value"),
            tooltip=["token:N", "step:O", "unit:O", alt.Tooltip("value:Q", format=".3f")],
        )
        .add_params(alt.selection_point(name=PICK, fields=["unit"], on="click"))
        .properties(height=min(max((3 if rows is None else 22) * units, 160), 520))
    )


def reading_trace(step_positive: list[float], tokens: list[str]) -> alt.Chart:
    """P(positive) after each token, as a line over the tokens, with the 0.5 decision line."""
    labels = step_labels(tokens)
    frame = pd.DataFrame({"step": labels, "token": tokens, "positive": step_positive})
    x = alt.X("step:O", sort=labels, title="read up to token", axis=token_axis(len(labels)))
    line = (
        alt.Chart(frame)
        .mark_line(point=True, color="#4c78a8")
        .encode(
            x=x,
            y=alt.Y("positive:Q", scale=alt.Scale(domain=[0, 1]), title="P(positive)"),
            tooltip=["token:N", alt.Tooltip("positive:Q", format=".3f", title="P(positive)")],
        )
    )
    middle = alt.Chart(pd.DataFrame({"y": [0.5]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    return (line + middle).properties(height=220)


def token_strip(tokens: list[str], values: np.ndarray, limit: float = 1.0) -> str:
    """HTML: each token on a background coloured by its value (blue > 0, red < 0)."""
    spans = []
    for token, value in zip(tokens, values):
        strength = min(abs(float(value)) / limit, 1.0)
        rgb = "49, 112, 184" if value >= 0 else "200, 60, 50"
        spans.append(
            f'<span title="{float(value):+.3f}" style="background: rgba({rgb}, {strength:.2f}); '
            f'padding: 1px 3px; margin: 1px; border-radius: 3px; display: inline-block">'
            f"{html.escape(token)}</span>"
        )
    return '<div style="line-height: 1.9">' + " ".join(spans) + "</div>"


def attention_overlay(image: np.ndarray, attention: np.ndarray) -> np.ndarray:
    """The picture [height, width, 3] lit where a grid of attention weights is high, dimmed elsewhere:
    the grid is scaled up smoothly to the picture's size, from its smallest weight (dark) to its
    largest (full brightness), so a nearly even spread still shows where the peak is."""
    spread = attention.max() - attention.min()
    relative = (attention - attention.min()) / spread if spread > 0 else np.ones_like(attention)
    grid = Image.fromarray(relative.astype(np.float32), mode="F")
    light = np.asarray(grid.resize(image.shape[1::-1], Image.Resampling.BICUBIC)).clip(0, 1)
    return (image * (0.15 + 0.85 * light[:, :, None])).astype(np.uint8)


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


def shares(frame: pd.DataFrame) -> alt.Chart:
    """Stacked bars: per time step t, the share of the state each source (x_0, u_1, ...) makes up."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("t:O", title="time step t"),
            y=alt.Y(
                "share:Q", title="share of x_t", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color("order:Q", title="source index k", scale=alt.Scale(scheme="viridis")),
            order=alt.Order("order:Q"),
            tooltip=["source:N", "t:O", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(height=260)
    )
