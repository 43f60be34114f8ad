"""Inside an RNN, 6: training history. Every shipped checkpoint's curves, epoch by epoch."""

import pandas as pd
import streamlit as st

import models
import ui
from models.checkpoint import kept_epochs
from ui import charts, navigation
from ui.language import t

# The curves an epoch records (the catalogue's history.curve.<name>), and how to read each from it.
CURVES = {
    "train_loss": lambda epoch: epoch["train_loss"],
    "grad_norm": lambda epoch: epoch["grad_norm"],
    "validation": lambda epoch: epoch["validation"]["score"],
}

navigation.setup(__file__)
st.title(f":material/monitoring: {t('nav.history.title')}")
st.markdown(t("history.intro"))
names = ui.checkpoint_names()
if not names:
    st.info(t("history.no_checkpoints", command=ui.first_command()))
    st.stop()
name = st.selectbox(t("history.checkpoint"), names, key="history_checkpoint")
try:
    train = ui.checkpoint_info(name)["train"]
except models.CheckpointError as error:
    ui.problem(error)
    st.stop()
history = train.get("history")
if not history:
    st.info(t("history.none", file=f"{name}.pt", card=f"checkpoints/{name}.md"))
    st.stop()
epoch_title, value_title, curve_title = t("history.epoch"), t("history.value"), t("history.curve_title")
labels = {curve: t(f"history.curve.{curve}") for curve in CURVES}
rows = [
    {epoch_title: epoch["epoch"], curve_title: labels[curve], value_title: value}
    for epoch in history
    for curve, read in CURVES.items()
    if (value := read(epoch)) is not None
]
frame = pd.DataFrame(rows, columns=[epoch_title, curve_title, value_title])
for column, label in zip(st.columns(len(labels)), labels.values()):
    shown = frame[frame[curve_title] == label]
    if len(shown):
        column.vega_lite_chart(charts.curves(shown, epoch_title, value_title, curve_title, title=label))
    else:
        column.info(t("history.not_recorded", curve=label))
best = max(history, key=lambda epoch: epoch["validation"]["score"])
kept = kept_epochs({"epochs": best["epoch"], **train})  # as the file records it, else its best epoch
score = f"{best['validation']['score']:.4f}"
if len(kept) == 1:
    st.caption(t("history.kept", epoch=kept[0], score=score))
else:
    st.caption(t("history.kept_mean", first=kept[0], last=kept[-1], count=len(kept), score=score))
if (clip := train.get("args", {}).get("clip")) is not None:
    st.caption(t("history.clipped", clip=f"{clip:g}"))
if "history_source" in train:
    st.caption(t("history.source", source=train["history_source"]))
