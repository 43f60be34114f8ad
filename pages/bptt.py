"""Inside an RNN, 3: backpropagation through time on the trained sentiment models, and exploding gradients."""

import pandas as pd
import streamlit as st

import ui
from models import registry
from models.cells import CELL_NAMES
from models.gradients import gradient_through_time
from ui import charts, navigation

CHECKPOINT_OF_CELL = {cell: registry.of_cell(cell) for cell in ("rnn", "lstm", "gru")}
VANILLA = CELL_NAMES["rnn"]
EXAMPLE = (
    "The first half hour was slow and the acting felt wooden, and I almost left. Then the story "
    "found its feet, the two leads were wonderful together and the ending moved me to tears."
)

navigation.setup(__file__)
st.title(":material/undo: Backpropagation through time")
st.markdown(
    "Training sends the error back through the unfolded chain: the gradient reaching $h_k$ is a "
    "product of one Jacobian $\\partial h_{t}/\\partial h_{t-1}$ per later step. Here $y$ is what "
    "each trained sentiment model reads from its **final** state $h_T$, so every bit of gradient "
    "that reaches an earlier step travelled back through the recurrence. Log scale: a straight "
    "downward line is exponential decay, the vanishing gradient."
)
with st.form("bptt_form"):
    text = st.text_area("Review", EXAMPLE, height=100, key="bptt_text")
    st.form_submit_button("Backpropagate", type="primary")

traces = {}
for cell, name in CHECKPOINT_OF_CELL.items():
    model = ui.load_model(name, "sentiment")
    try:
        traces[CELL_NAMES[cell]] = ui.analyze(model, text, how=gradient_through_time)
    except ValueError as error:
        st.warning(str(error))
        st.stop()
tokens = next(iter(traces.values())).tokens
rows = [
    {"step k": k, "cell": label, "‖dy/dh_k‖": value, "‖dy/dx_k‖": trace.inputs[k], "token": tokens[k]}
    for label, trace in traces.items()
    for k, value in enumerate(trace.hidden)
]
frame = pd.DataFrame(rows)
left, right = st.columns(2)
left.vega_lite_chart(
    charts.curves(frame, "step k", "‖dy/dh_k‖", "cell", log=True, title="to each hidden state")
)
right.vega_lite_chart(
    charts.curves(frame, "step k", "‖dy/dx_k‖", "cell", log=True, title="to each input token")
)
st.caption(f"{len(tokens)} tokens; step k is token k (hover a point to see it). Last token: “{tokens[-1]}”.")

st.subheader("Exploding gradients, and clipping")
vanilla = ui.load_model(CHECKPOINT_OF_CELL["rnn"], "sentiment")
trained = traces[VANILLA].spectral_radius
st.markdown(
    f"The trained vanilla cell's $W_h$ has spectral radius **{trained:.2f}**. Rescale it: above 1 "
    "the backward products can grow instead of shrink, but a saturated tanh damps them: push the "
    "radius well above 1 and the oldest steps start to receive more gradient than the newest. "
    "Clipping rescales the whole gradient to a maximum norm, keeping its direction."
)
left, right = st.columns(2)
radius = left.slider("Spectral radius of W_h", 0.25, 16.0, round(trained * 4) / 4, 0.25, key="bptt_radius")
clip = right.slider("Clip the gradient norm at", 0.1, 10.0, 1.0, 0.1, key="bptt_clip")
scaled = ui.analyze(vanilla, text, how=gradient_through_time, radius=radius)
compare = pd.DataFrame(
    [{"step k": k, "W_h": "trained", "‖dy/dh_k‖": v} for k, v in enumerate(traces[VANILLA].hidden)]
    + [{"step k": k, "W_h": f"radius {radius:.2f}", "‖dy/dh_k‖": v} for k, v in enumerate(scaled.hidden)]
)
st.vega_lite_chart(charts.curves(compare, "step k", "‖dy/dh_k‖", "W_h", log=True, title=VANILLA))
norm = scaled.recurrent_weight
a, b, c = st.columns(3)
a.metric("‖dy/dW_h‖", f"{norm:.3g}")
b.metric("after clipping", f"{min(norm, clip):.3g}")
c.metric("scale applied", f"{min(1.0, clip / norm):.3g}" if norm > 0 else "1")
