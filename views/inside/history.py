"""Inside an RNN, 6: training history. Every shipped checkpoint's curves, epoch by epoch."""

import pandas as pd
import streamlit as st

import models
import ui
from ui import charts

st.title(":material/monitoring: Training history")
st.markdown(
    "What the training loop recorded after every epoch: the mean training loss, the mean gradient "
    "norm before clipping (clipping at 1.0 keeps exploding steps bounded), and the validation metric "
    "that picked the epoch the checkpoint keeps."
)
names = ui.checkpoint_names()
if not names:
    st.info("No checkpoints yet: run `make train-sentiment` (or another train target) first.")
    st.stop()
name = st.selectbox("Checkpoint", names, key="history_checkpoint")
try:
    history = ui.checkpoint_info(name)["train"].get("history")
except models.CheckpointError as error:
    st.error(str(error))
    st.stop()
if not history:
    st.info(
        f"{name}.pt was trained before the loop recorded its history; its epoch table is in "
        f"checkpoints/{name}.md."
    )
    st.stop()
rows = []
for epoch in history:
    scores = {"train loss": epoch["train_loss"], "gradient norm": epoch["grad_norm"]}
    scores["validation score"] = epoch["validation"]["score"]
    rows += [{"epoch": epoch["epoch"], "curve": curve, "value": value} for curve, value in scores.items()]
frame = pd.DataFrame(rows)
columns = st.columns(3)
for column, curve in zip(columns, ("train loss", "gradient norm", "validation score")):
    column.altair_chart(charts.curves(frame[frame.curve == curve], "epoch", "value", "curve", title=curve))
best = max(history, key=lambda epoch: epoch["validation"]["score"])
st.caption(
    f"The checkpoint keeps epoch {best['epoch']} (validation score {best['validation']['score']:.4f})."
)
