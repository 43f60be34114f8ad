"""Inside an RNN, 4: why LSTM and GRU. The recall task for the three cells, recorded and trained live."""

import json

import pandas as pd
import streamlit as st

from models.cells import CELL_NAMES
from models.recall import SYMBOLS, train_recall
from ui import charts, navigation
from ui.navigation import ROOT

TRAINED_CELLS = list(CELL_NAMES)  # every cell type, trained side by side
RECORDED = ROOT / "assets" / "recall-default.json"  # written by `python -m training.recall`


@st.cache_data(show_spinner=False)
def recorded_run(modified: float) -> dict | None:
    """The run training.recall recorded with the page's default settings; None if there is none."""
    try:
        return json.loads(RECORDED.read_text())
    except (OSError, ValueError):
        return None


def settings_ui() -> tuple[int, int, int, bool]:
    with st.form("recall_form"):
        left, middle, right = st.columns(3)
        distractors = left.slider("N: distractors to wait through", 5, 100, 60, key="recall_n")
        steps = middle.slider("Training steps", 50, 800, 400, 50, key="recall_steps")
        seed = right.number_input("Seed", 0, 999, 0, key="recall_seed")
        start = st.form_submit_button("Train the three cells", type="primary")
    return distractors, steps, seed, start


def train_live(distractors: int, steps: int, seed: int) -> None:
    """Train the three cells step by step, drawing the loss as it falls; the curves stay in the session."""
    st.session_state["recall_curves"] = []
    st.button("Stop", key="recall_stop", help="Stops the run; the curves so far stay.")
    progress, chart = st.progress(0.0, "training…"), st.empty()
    curves = st.session_state["recall_curves"]
    for point in train_recall(TRAINED_CELLS, distractors, steps, seed=seed):
        curves.append(point.__dict__)
        if point.cell == TRAINED_CELLS[-1] and (point.step % 10 == 0 or point.step in (1, steps)):
            progress.progress(point.step / steps, f"step {point.step} of {steps}")
            chart.vega_lite_chart(charts.curves(pd.DataFrame(curves), "step", "loss", "cell", title="loss"))
    progress.empty()


def curves_ui(frame: pd.DataFrame) -> None:
    """Loss and accuracy of the three cells over the training steps, and where each ended."""
    frame["accuracy (last 20 steps)"] = frame.groupby("cell")["accuracy"].transform(
        lambda a: a.rolling(20, min_periods=1).mean()
    )
    left, right = st.columns(2)
    left.vega_lite_chart(charts.curves(frame, "step", "loss", "cell", title="training loss"))
    right.vega_lite_chart(charts.curves(frame, "step", "accuracy (last 20 steps)", "cell", title="accuracy"))
    final = frame.groupby("cell")["accuracy (last 20 steps)"].last()
    st.markdown(" · ".join(f"**{cell}** {final[cell]:.0%}" for cell in TRAINED_CELLS if cell in final))


def recorded_ui() -> None:
    """The recorded run, or how to record it."""
    run = recorded_run(RECORDED.stat().st_mtime if RECORDED.exists() else 0.0)
    if run is None:
        st.info("Press the button to train the cells; `python -m training.recall` records one to show here.")
        return
    st.caption(
        f"A recorded run: N = {run['distractors']}, {run['steps']} steps, seed {run['seed']} "
        f"(`{run['command']}`). Train the cells live above, with these settings or your own."
    )
    curves_ui(pd.DataFrame(run["curves"]))


navigation.setup(__file__)
st.title(":material/memory: Why LSTM and GRU")
st.markdown(
    f"The recall task: the first of a sequence of symbols is flagged *remember this*, "
    f"then come **N** random distractor symbols, then a cue: *which symbol was first?* ({SYMBOLS} "
    "symbols, so guessing scores 1 in 8). The three cells train on the same batches, with the same "
    "budget. The vanilla cell's gradient must cross N tanh steps and fades; the LSTM's cell state "
    "and the GRU's update gate give it a path that does not."
)
distractors, steps, seed, start = settings_ui()
if start:
    train_live(distractors, steps, seed)
if st.session_state.get("recall_curves"):
    curves_ui(pd.DataFrame(st.session_state["recall_curves"]))
else:
    recorded_ui()
