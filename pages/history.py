"""Inside an RNN, 6: training history. Every shipped checkpoint's curves, epoch by epoch."""

import pandas as pd
import streamlit as st

import models
import ui
from ui import charts, navigation

navigation.setup(__file__)
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
    train = ui.checkpoint_info(name)["train"]
except models.CheckpointError as error:
    st.error(str(error))
    st.stop()
history = train.get("history")
if not history:
    st.info(f"{name}.pt holds no training history; its epoch table is in checkpoints/{name}.md.")
    st.stop()
rows = []
for epoch in history:
    scores = {"train loss": epoch["train_loss"], "gradient norm": epoch["grad_norm"]}
    scores["validation score"] = epoch["validation"]["score"]
    rows += [{"epoch": epoch["epoch"], "curve": c, "value": v} for c, v in scores.items() if v is not None]
frame = pd.DataFrame(rows)
for column, curve in zip(st.columns(3), ("train loss", "gradient norm", "validation score")):
    if (frame.curve == curve).any():
        column.vega_lite_chart(
            charts.curves(frame[frame.curve == curve], "epoch", "value", "curve", title=curve)
        )
    else:
        column.info(f"No {curve} was recorded for this checkpoint.")
best = max(history, key=lambda epoch: epoch["validation"]["score"])
st.caption(
    f"The checkpoint keeps epoch {best['epoch']} (validation score {best['validation']['score']:.4f})."
)
if "history_source" in train:
    st.caption(f"This history was {train['history_source']}.")
