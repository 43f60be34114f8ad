"""Inside an RNN, 3: backpropagation through time on the trained sentiment models, and exploding gradients."""

import pandas as pd
import streamlit as st

import ui
from models import registry
from models.cells import CELL_NAMES
from models.gradients import gradient_through_time
from models.sentiment import language
from ui import charts, navigation, shared, upload
from ui.language import t

CHECKPOINT_OF_CELL = {cell: registry.of_cell(cell) for cell in CELL_NAMES}
EXAMPLE = (
    "The first half hour was slow and the acting felt wooden, and I almost left. Then the story "
    "found its feet, the two leads were wonderful together and the ending moved me to tears."
)
HIDDEN, INPUT = "‖dy/dh_k‖", "‖dy/dx_k‖"  # the gradients' norms, the charts' y axes


def cell_name(cell: str) -> str:
    """A series' name: the cell as people call it, the Korean model, or an upload by its file name."""
    if upload.is_upload(cell):
        return cell
    return t("bptt.cells.ko") if cell == "ko" else ui.cell_name(cell)


def readers(text: str) -> dict[str, str]:
    """The models to backpropagate through, by the name of their series: the three English cells, or
    the Korean model for a Korean review (where there is one); and the visitor's own uploads."""
    korean = registry.default("sentiment", "ko")
    own = {}
    for name in upload.names("sentiment"):
        if upload.model(name) is None:  # let go for other visitors' models: the rest of the page stands
            st.caption(t("upload.evicted", name=name))
        else:
            own[name] = name
    if language(text) == "ko" and korean in shared.model_names("sentiment"):
        st.caption(t("bptt.korean", model=korean))
        return {"ko": korean, **own}
    return {**CHECKPOINT_OF_CELL, **own}


@st.fragment
def review_ui() -> None:
    """The review, the visitor's own models and the gradients each model sends back through it. A
    fragment: a review sent or a model uploaded reruns this section (with the exploding-gradient one
    inside it, which reads the same review), not the page's top."""
    with st.form("bptt_form"):
        text = ui.text_box(
            st.text_area, t("bptt.review"), ui.REVIEW, value=EXAMPLE, height=100, key="bptt_text"
        )
        st.form_submit_button(t("bptt.backpropagate"), type="primary")
    shared.upload_ui("sentiment", "bptt_upload")
    traces = {}
    for cell, name in readers(text).items():
        model = shared.load_model(name, "sentiment")
        try:
            traces[cell] = shared.analyze(model, text, how=gradient_through_time)
        except ValueError as error:
            st.warning(shared.message(error))
            return
    curves_ui(traces)
    exploding_ui(text if "rnn" in traces else EXAMPLE)  # the vanilla cell reads English


def curves_ui(traces: dict) -> None:
    """The gradient reaching each hidden state and each input token, one curve per model."""
    tokens = next(iter(traces.values())).tokens
    step, series = t("bptt.step"), t("bptt.cell")
    rows = [
        {step: k, series: cell_name(cell), HIDDEN: value, INPUT: trace.inputs[k], t("bptt.token"): tokens[k]}
        for cell, trace in traces.items()
        for k, value in enumerate(trace.hidden)
    ]
    frame = pd.DataFrame(rows)
    left, right = st.columns(2)
    left.vega_lite_chart(charts.curves(frame, step, HIDDEN, series, log=True, title=t("bptt.to_states")))
    right.vega_lite_chart(charts.curves(frame, step, INPUT, series, log=True, title=t("bptt.to_inputs")))
    st.caption(t("bptt.tokens", count=len(tokens), last=tokens[-1]))


@st.fragment
def exploding_ui(read: str) -> None:
    """The vanilla cell reading `read` with its W_h rescaled, and clipping. A fragment inside the
    review's section: moving the radius or the clip reruns only this."""
    st.subheader(t("bptt.exploding"))
    vanilla = shared.load_model(CHECKPOINT_OF_CELL["rnn"], "sentiment")
    vanilla_trace = shared.analyze(vanilla, read, how=gradient_through_time)
    trained = vanilla_trace.spectral_radius
    st.markdown(t("bptt.radius_intro", radius=f"{trained:.2f}"))
    left, right = st.columns(2)
    radius = left.slider(t("bptt.radius"), 0.25, 16.0, round(trained * 4) / 4, 0.25, key="bptt_radius")
    clip = right.slider(t("bptt.clip"), 0.1, 10.0, 1.0, 0.1, key="bptt_clip")
    scaled = shared.analyze(vanilla, read, how=gradient_through_time, radius=radius)
    step, rescaled = t("bptt.step"), t("bptt.rescaled", radius=f"{radius:.2f}")
    compare = pd.DataFrame(
        [{step: k, "W_h": t("bptt.trained"), HIDDEN: v} for k, v in enumerate(vanilla_trace.hidden)]
        + [{step: k, "W_h": rescaled, HIDDEN: v} for k, v in enumerate(scaled.hidden)]
    )
    st.vega_lite_chart(charts.curves(compare, step, HIDDEN, "W_h", log=True, title=cell_name("rnn")))
    norm = scaled.recurrent_weight
    a, b, c = st.columns(3)
    a.metric("‖dy/dW_h‖", f"{norm:.3g}")
    b.metric(t("bptt.clipped"), f"{min(norm, clip):.3g}")
    c.metric(t("bptt.scale"), f"{min(1.0, clip / norm):.3g}" if norm > 0 else "1")


navigation.setup(__file__)
st.title(f":material/undo: {t('nav.bptt.title')}")
st.markdown(t("bptt.intro"))
review_ui()
