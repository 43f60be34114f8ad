"""Inside an RNN, 5: bidirectional. The translation encoder reads each sentence both ways."""

import streamlit as st

import ui
from models import registry
from models.units import state_domain
from ui import charts, navigation
from ui.language import t

EXAMPLE = "Ein Hund läuft über die grüne Wiese."

navigation.setup(__file__)
st.title(f":material/swap_horiz: {t('nav.bidirectional.title')}")
st.markdown(t("bidirectional.intro"))
name, model = ui.model_picker(
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
    result = ui.analyze(model, text, how=type(model).encoder_states)
except ValueError as error:
    st.warning(ui.message(error))
    st.stop()
tokens = result.source_tokens
if result.truncated:
    st.info(t("bidirectional.truncated", count=len(tokens)))
step = st.select_slider(
    t("bidirectional.step"),
    list(range(len(tokens))),
    format_func=lambda i: f"{i + 1}. {tokens[i]}",
    key="bidirectional_step",
)
seen_forward = [1.0 if i <= step else 0.0 for i in range(len(tokens))]
seen_backward = [1.0 if i >= step else 0.0 for i in range(len(tokens))]
left, right = st.columns(2)
for column, direction, seen in ((left, "forward", seen_forward), (right, "backward", seen_backward)):
    name = f"layer0.{direction}.h"
    with column:
        st.markdown(
            t("bidirectional.read", direction=t(f"bidirectional.directions.{direction}"), step=step + 1)
        )
        st.html(charts.token_strip(tokens, seen))
        values = result.states[name]
        chart = charts.heatmap(values, tokens, domain=state_domain(name, values), title=name)
        st.vega_lite_chart(chart, width="stretch")
