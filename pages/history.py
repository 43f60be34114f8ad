"""Inside an RNN, 6: training history. Every shipped checkpoint's curves, epoch by epoch."""

import pandas as pd
import streamlit as st

import models
from models.checkpoint import kept_epochs
from ui import charts, navigation, shared
from ui.language import t

# The curves an epoch records (the catalogue's history.curve.<name>), and how to read each from it.
CURVES = {
    "train_loss": lambda epoch: epoch["train_loss"],
    "grad_norm": lambda epoch: epoch["grad_norm"],
    "validation": lambda epoch: epoch["validation"]["score"],
}


@st.fragment
def history_ui(names: list[str]) -> None:
    """One checkpoint's recorded curves, and which epoch it keeps. A fragment: choosing another
    checkpoint reruns this section only, not the page's navigation and title."""
    name = st.selectbox(t("history.checkpoint"), names, key="history_checkpoint")
    try:
        train = shared.checkpoint_info(name)["train"]
    except models.CheckpointError as error:
        shared.problem(error)
        return
    history = train.get("history")
    if not history:
        st.info(t("history.none", file=f"{name}.pt", card=f"checkpoints/{name}.md"))
        return
    curves_ui(history)
    kept_ui(history, train)


def curves_ui(history: list[dict]) -> None:
    """One chart per recorded curve over the epochs, or a line that says it was not recorded."""
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


def kept_ui(history: list[dict], train: dict) -> None:
    """Which epoch (or mean of epochs) the checkpoint keeps, whether its run clipped the gradient, and
    where its history came from."""
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


navigation.setup(__file__)
st.title(f":material/monitoring: {t('nav.history.title')}")
st.markdown(t("history.intro"))
names = shared.checkpoint_names()
if not names:
    st.info(t("history.no_checkpoints", command=shared.first_command()))
    st.stop()
history_ui(names)
