"""How it learned: the training run of a sentiment model replayed from its record, unit by unit and
example by example."""

import urllib.parse

import pandas as pd
import streamlit as st

import ui
from models import registry
from models.record import FORMED_AUC, record_path
from ui import charts, language, navigation, upload
from ui.language import t
from ui.record import (
    CURVES,
    PICKABLE_UNITS,
    cartography_map,
    compared_records,
    examples_table,
    point_at,
    units_forming,
)

HARDEST = 6  # examples shown from the hard-to-learn corner
PLAY_SECONDS = 1.0  # a recorded point each, while playing
PLAYING = "learning_playing"  # whether the slider plays, kept apart from its switch's own state


def model_ui():
    """The sentiment model whose training to replay, with its record (a message and a stop without)."""
    name, model = ui.model_picker("sentiment", "learning_model", bind=ui.LINK)
    record = model.dynamics
    if record is None and upload.is_upload(name):
        st.info(t("learning.no_record_uploaded", file=record_path(name).name))
        st.stop()
    if record is None:
        st.info(
            t(
                "learning.no_record",
                file=record_path(model.path).name,
                command=registry.train_command(model.path, "sentiment"),
            )
        )
        st.stop()
    return name, model, record


def play_ui(record) -> bool:
    """A play switch: while it is on, the training slider steps through the recorded points by
    itself, from step 0 if it stood at the end."""

    def switched() -> None:
        st.session_state[PLAYING] = st.session_state["learning_play"]
        if st.session_state[PLAYING] and st.session_state.get("learning_point") == int(record.steps[-1]):
            st.session_state["learning_point"] = 0

    st.session_state["learning_play"] = st.session_state.get(PLAYING, False)  # off again at the end
    return st.toggle(t("learning.play"), key="learning_play", on_change=switched)


def advance(record) -> None:
    """The next recorded point while playing; at the last one, stop and let the page settle."""
    steps = [int(s) for s in record.steps]
    now = st.session_state.get("learning_point", steps[-1])
    if now >= steps[-1]:
        st.session_state[PLAYING] = False
        st.rerun()  # the whole page: its play switch turns off and the timer stops
    st.session_state["learning_point"] = next(s for s in steps if s > now)


def scrub_ui(model, record) -> None:
    """The scrubbed views, rerun alone: on every change of their controls, and while playing every
    PLAY_SECONDS."""
    playing = play_ui(record)
    st.fragment(run_every=PLAY_SECONDS if playing else None)(scrub)(model, record, playing)


def scrub(model, record, playing: bool) -> None:
    """The chosen review read by the model at one point of training, beside the other cells."""
    if playing:
        advance(record)
    if "learning_point" not in st.query_params:  # a link's point stands; else the trained model
        st.session_state.setdefault("learning_point", int(record.steps[-1]))
    review = st.selectbox(
        t("learning.review"),
        range(len(record.texts)),
        format_func=dict(enumerate(record.texts)).get,
        key="learning_review",
        bind=ui.LINK,
    )
    step = st.select_slider(
        t("learning.point"),
        [int(s) for s in record.steps],
        key="learning_point",
        bind=ui.LINK,
    )
    epochs_done = sum(s <= step for s in record.epoch_steps)
    st.caption(t("learning.where", steps=f"{step:,}", total=f"{record.steps[-1]:,}", epochs=epochs_done))
    tokens = record.tokens[review]
    records = compared_records(model)
    traces = {name: r.trace(point_at(r, step), review).tolist() for name, r in records.items()}
    st.vega_lite_chart(charts.reading_trace(traces, tokens))
    k = point_at(record, step)
    ranking = record.ranking()
    left, right = st.columns([3, 2])
    heatmap = charts.heatmap(
        record.states(k, review),
        tokens,
        order=charts.AUC_ORDER,
        ranking=ranking,
        title=t("learning.heatmap_title"),
    )
    left.vega_lite_chart(heatmap)
    with right:
        unit = st.selectbox(
            t("learning.unit"),
            ranking[:PICKABLE_UNITS],
            key="learning_unit",
            bind=ui.LINK,
        )
        # the columns' names are the chart's axis and legend titles
        token, value, when = t("learning.axis_token"), t("learning.axis_value"), t("learning.axis_when")
        frame = pd.DataFrame(
            [
                {token: i, value: float(v), when: label}
                for label, point in ((t("learning.now"), k), (t("learning.trained"), len(record.steps) - 1))
                for i, v in enumerate(record.states(point, review)[:, unit])
            ]
        )
        st.vega_lite_chart(
            charts.curves(frame, token, value, when, title=t("learning.unit_title", unit=unit))
        )


def atlas_link(model, unit: int) -> str:
    """The sentiment page's unit atlas of `unit` of this model, in the visitor's language."""
    params = {"sentiment_model": model.path.stem, "sentiment_unit": unit, **language.link_params()}
    return "sentiment?" + urllib.parse.urlencode(params)


def units_ui(model, record, uploaded: bool) -> None:
    st.subheader(t("learning.units_heading"))
    st.caption(t("learning.units_caption", threshold=FORMED_AUC, texts=f"{record.meta['held_out']:,}"))
    best = record.ranking()[:CURVES]
    st.vega_lite_chart(units_forming(record.steps, record.unit_auc, best, FORMED_AUC))
    formed = record.formed(FORMED_AUC)
    rows = [
        {
            t("learning.unit"): u,
            "AUC": round(float(record.unit_auc[-1, u]), 3),
            t("learning.formed_at"): t("learning.never") if formed[u] < 0 else f"{formed[u]:,}",
            **({} if uploaded else {t("learning.atlas"): atlas_link(model, u)}),  # a link cannot carry a file
        }
        for u in best
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            t("learning.atlas"): st.column_config.LinkColumn(display_text=t("learning.open_atlas"))
        },
    )


def cartography_ui(model, record) -> None:
    st.subheader(t("learning.map_heading"))
    cartography = record.cartography
    if cartography is None:
        st.info(t("learning.no_map"))
        return
    regions = cartography.regions()
    epochs = len(cartography.probabilities)
    st.caption(t("learning.map_caption", examples=f"{len(cartography.text):,}", epochs=epochs))
    counts = {r: int((regions == r).sum()) for r in ("easy", "ambiguous", "hard")}
    st.markdown(t("learning.map_regions", **counts))
    event = st.vega_lite_chart(
        cartography_map(cartography.confidence, cartography.variability, cartography.correctness, regions),
        on_select="rerun",
        key="learning_map",
    )
    picked = [p["example"] for p in event.selection.get("example_pick", [])] if event else []
    if picked:
        st.dataframe(examples_table(model, cartography, picked), hide_index=True)
    st.markdown(t("learning.hardest", count=HARDEST))
    st.dataframe(examples_table(model, cartography, cartography.hardest(HARDEST)), hide_index=True)
    frame = pd.DataFrame(
        {
            "text": cartography.text,
            "label": cartography.label,
            "confidence": cartography.confidence,
            "variability": cartography.variability,
            "correctness": cartography.correctness,
            "region": regions,
        }
    )
    st.download_button(
        t("learning.download"),
        frame.to_csv(index=False),
        file_name=f"{model.path.stem}-cartography.csv",
        mime="text/csv",
        help=t("learning.download_help"),
    )


navigation.setup(__file__)
st.title(f":material/school: {t('nav.learning.title')}")
st.markdown(t("learning.intro"))
name, model, record = model_ui()
scrub_ui(model, record)
units_ui(model, record, upload.is_upload(name))
cartography_ui(model, record)
