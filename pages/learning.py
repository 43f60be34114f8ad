"""How it learned: the training run of a sentiment model replayed from its record, unit by unit and
example by example."""

import urllib.parse

import pandas as pd
import streamlit as st

import ui
from models import registry
from models.record import FORMED_AUC, record_path
from ui import language, navigation, shared, upload
from ui.language import t
from ui.record import (
    CURVES,
    SHOWN_UNITS,
    cartography_map,
    compared_records,
    examples_table,
    point_at,
    scrub_views,
    units_forming,
)

HARDEST = 6  # examples shown from the hard-to-learn corner


def model_ui():
    """The sentiment model whose training to replay, with its record (a message and a stop without)."""
    name, model = shared.model_picker("sentiment", "learning_model", bind=ui.LINK)
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


@st.fragment
def scrub_ui(model, record) -> None:
    """The chosen review at every recorded point in one chart: its slider, its play box and a click on
    its heatmap answer in the browser; only another review reruns this fragment, for new data."""
    review = st.selectbox(
        t("learning.review"),
        range(len(record.texts)),
        format_func=dict(enumerate(record.texts)).get,
        key="learning_review",
        bind=ui.LINK,
    )
    total = record.unit_auc.shape[1]
    st.caption(t("learning.scrub_caption", units=min(SHOWN_UNITS, total), total=total))
    start, unit = linked(record)
    st.vega_lite_chart(scrub_views(compared_records(model), review, start, unit))


def linked(record) -> tuple[int, int]:
    """The point (by its step, ?learning_point=) and the unit (?learning_unit=) a link opens on: by
    default the trained model and its best unit. The chart's own moves stay in the browser, so the
    URL does not follow them."""
    step, unit = (st.query_params.get(f"learning_{name}", "") for name in ("point", "unit"))
    start = point_at(record, int(step)) if step.isdigit() else len(record.steps) - 1
    return start, int(unit) if unit.isdigit() else record.ranking()[0]


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
