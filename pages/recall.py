"""Inside an RNN, 4: why LSTM and GRU. The recall task for the three cells, recorded and trained live."""

import json

import pandas as pd
import streamlit as st

from models.cells import CELL_NAMES
from models.files import file_version
from models.recall import DISTRACTORS, SEED, STEPS, SYMBOLS, train_recall
from ui import charts, navigation
from ui.language import t
from ui.navigation import ROOT

TRAINED_CELLS = list(CELL_NAMES)  # every cell type, trained side by side
RECORDED = ROOT / "assets" / "recall-default.json"  # written by `python -m training.recall`


@st.cache_data(show_spinner=False)
def recorded_run(version: tuple[int, int] | None) -> dict | None:
    """The run training.recall recorded with the page's default settings (read once per `version` of
    the file); None if there is none."""
    try:
        return json.loads(RECORDED.read_text())
    except (OSError, ValueError):
        return None


def column(name: str) -> str:
    """A column of the curves (cell, step, loss, accuracy) as the charts title it."""
    return t(f"recall.columns.{name}")


def curves_chart(frame: pd.DataFrame, quantity: str, title: str) -> dict:
    """`quantity` over the training steps, one curve per cell."""
    return charts.curves(
        frame.rename(columns=column), column("step"), column(quantity), column("cell"), title=title
    )


def settings_ui() -> tuple[int, int, int, bool]:
    with st.form("recall_form"):
        left, middle, right = st.columns(3)
        distractors = left.slider(t("recall.distractors"), 5, 100, DISTRACTORS, key="recall_n")
        steps = middle.slider(t("recall.steps"), 50, 800, STEPS, 50, key="recall_steps")
        seed = right.number_input(t("recall.seed"), 0, 999, SEED, key="recall_seed")
        start = st.form_submit_button(t("recall.train"), type="primary")
    return distractors, steps, seed, start


def train_live(distractors: int, steps: int, seed: int) -> None:
    """Train the three cells step by step, drawing the loss as it falls; the curves stay in the session."""
    st.session_state["recall_curves"] = []
    st.button(t("recall.stop"), key="recall_stop", help=t("recall.stop_help"))
    progress, chart = st.progress(0.0, t("recall.training")), st.empty()
    curves = st.session_state["recall_curves"]
    for point in train_recall(TRAINED_CELLS, distractors, steps, seed=seed):
        curves.append(point.__dict__)
        if point.cell == TRAINED_CELLS[-1] and (point.step % 10 == 0 or point.step in (1, steps)):
            progress.progress(point.step / steps, t("recall.progress", step=point.step, steps=steps))
            chart.vega_lite_chart(curves_chart(pd.DataFrame(curves), "loss", t("recall.loss")))
    progress.empty()


def curves_ui(frame: pd.DataFrame) -> None:
    """Loss and accuracy of the three cells over the training steps, and where each ended."""
    frame["accuracy"] = frame.groupby("cell")["accuracy"].transform(
        lambda a: a.rolling(20, min_periods=1).mean()
    )
    left, right = st.columns(2)
    left.vega_lite_chart(curves_chart(frame, "loss", t("recall.training_loss")))
    right.vega_lite_chart(curves_chart(frame, "accuracy", t("recall.accuracy")))
    final = frame.groupby("cell")["accuracy"].last()
    st.markdown(" · ".join(f"**{cell}** {final[cell]:.0%}" for cell in TRAINED_CELLS if cell in final))


def recorded_ui() -> None:
    """The recorded run, or how to record it."""
    run = recorded_run(file_version(RECORDED))
    if run is None:
        st.info(t("recall.no_record", command="python -m training.recall"))
        return
    st.caption(t("recall.recorded", **run))
    curves_ui(pd.DataFrame(run["curves"]))


navigation.setup(__file__)
st.title(f":material/memory: {t('nav.recall.title')}")
st.markdown(t("recall.intro", symbols=SYMBOLS))
distractors, steps, seed, start = settings_ui()
if start:
    train_live(distractors, steps, seed)
# A copy: after Stop the stopped run's thread may still be appending until its next Streamlit call.
if curves := list(st.session_state.get("recall_curves", [])):
    curves_ui(pd.DataFrame(curves))
else:
    recorded_ui()
