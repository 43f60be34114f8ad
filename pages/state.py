"""Inside an RNN, 1: state and input. The first-order system x_t = f(x_{t-1}, u_t), live."""

import pandas as pd
import streamlit as st

from models import dynamics
from ui import charts, navigation

navigation.setup(__file__)
st.title(":material/timeline: State and input")
st.markdown(
    "A recurrent network is a first-order system: the new state mixes the previous state with the "
    "new input, $x_t = f(a\\,x_{t-1} + b\\,u_t)$, and the output is read from the state, "
    "$y_t = g(x_t) = c\\,x_t$. Pick an input and the weights and watch the state carry the past."
)

left, right = st.columns([1, 2])
with left:
    signal = st.segmented_control("Input u_t", dynamics.SIGNALS, default="pulse", key="state_signal")
    typed = ""
    if signal == "typed":
        typed = st.text_input("Numbers, one per step", "1 0 0 2 0 0 -1", key="state_typed")
    steps = st.slider("Time steps", 2, 40, 12, key="state_steps")
    a = st.slider("a: weight of the old state", -1.5, 1.5, 0.5, 0.05, key="state_a")
    b = st.slider("b: weight of the new input", -1.5, 1.5, 0.5, 0.05, key="state_b")
    f = st.radio("f", list(dynamics.NONLINEARITIES), horizontal=True, key="state_f")
    c = st.slider("c: weight of the output", -2.0, 2.0, 1.5, 0.1, key="state_c")
    x0 = st.slider("x_0: the initial state", -1.0, 1.0, 0.0, 0.1, key="state_x0")

try:
    u = dynamics.input_signal(signal or "pulse", steps, typed)
except ValueError as error:
    st.warning(str(error))
    st.stop()
if signal == "typed" and not u.any():
    left.info("The input is 0 at every step: type some numbers, such as 1 0 -0.5 2.")
x, y = dynamics.simulate(u, a, b, x0, f, c)
frame = pd.concat(
    [
        pd.DataFrame({"t": range(1, steps + 1), "value": u, "signal": "input u_t"}),
        pd.DataFrame({"t": range(steps + 1), "value": x, "signal": "state x_t"}),
        pd.DataFrame({"t": range(1, steps + 1), "value": y, "signal": "output y_t"}),
    ]
)
right.vega_lite_chart(charts.curves(frame, "t", "value", "signal", title="input, state and output"))
if abs(a) > 1:
    right.info("|a| > 1: the old state is amplified at every step, so the state grows without bound.")

st.subheader("Who the state remembers")
shares = dynamics.shares(a, b, steps)
st.markdown(
    f"Unrolled, $x_t = a^t x_0 + \\sum_k a^{{t-k}} b\\, u_k$: each bar is one time step, split into "
    f"the part each source makes up (for the linear system). With $a = {a:g}$ and $b = {b:g}$, "
    f"after two steps $x_0$ keeps **{shares[2, 0]:.0%}**, $u_1$ **{shares[2, 1]:.0%}** and "
    f"$u_2$ **{shares[2, 2]:.0%}** of the state: the older the input, the smaller its share."
)
rows = [
    {"t": t, "source": "x_0" if k == 0 else f"u_{k}", "order": k, "share": shares[t, k]}
    for t in range(steps + 1)
    for k in range(t + 1)
]
st.vega_lite_chart(charts.shares(pd.DataFrame(rows)))
