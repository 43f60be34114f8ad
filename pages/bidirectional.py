"""Inside an RNN, 5: bidirectional. The translation encoder reads each sentence both ways."""

import streamlit as st

import ui
from models import registry
from models.units import state_domain
from ui import charts, navigation, shared
from ui.language import t

EXAMPLE = "Ein Hund läuft über die grüne Wiese."

navigation.setup(__file__)
st.title(f":material/swap_horiz: {t('nav.bidirectional.title')}")
st.markdown(t("bidirectional.intro"))
name, model = shared.model_picker(
    "translation", "bidirectional_model", default=registry.default("translation", "en")
)
if not model.config.bidirectional:
    st.info(t("bidirectional.one_way", name=name))
    st.stop()
with st.form("bidirectional_form"):
    sentence = t("bidirectional.sentence")
    text = ui.text_box(st.text_input, sentence, ui.SENTENCE, value=EXAMPLE, key="bidirectional_text")
    st.form_submit_button(t("bidirectional.encode"), type="primary")
try:
    result = shared.analyze(model, text, how=type(model).encoder_states)
except ValueError as error:
    st.warning(shared.message(error))
    st.stop()
tokens = result.source_tokens
if result.truncated:
    st.info(t("bidirectional.truncated", count=len(tokens)))
forward, backward = (result.states[f"layer0.{direction}.h"] for direction in ("forward", "backward"))
st.markdown(t("bidirectional.read"))
chart = charts.read_both_ways(
    forward,
    backward,
    tokens,
    domain=state_domain("layer0.forward.h", forward),
    titles=(t("bidirectional.directions.forward"), t("bidirectional.directions.backward")),
    label=t("bidirectional.step"),
)
st.vega_lite_chart(chart, width="stretch")
