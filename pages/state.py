"""Inside an RNN, 1: state and input. The first-order system x_t = f(x_{t-1}, u_t), live."""

import pandas as pd
import streamlit as st

import ui
from models import dynamics
from ui import charts, navigation, shared
from ui.language import t

TYPED = 400  # characters of typed numbers: 40 steps of them, and room to spare


def input_ui() -> tuple[str, str, int]:
    """The input signal, its typed numbers (when typed) and how many time steps it lasts."""
    # Option labels as dicts made now, in the visitor's language (AppTest calls format_func after the run).
    signal = st.segmented_control(
        t("state.input"),
        dynamics.SIGNALS,
        format_func={kind: t(f"state.signals.{kind}") for kind in dynamics.SIGNALS}.get,
        default="pulse",
        key="state_signal",
    )
    typed = ""
    if signal == "typed":
        typed = ui.text_box(st.text_input, t("state.typed"), TYPED, value="1 0 0 2 0 0 -1", key="state_typed")
    steps = st.slider(t("state.steps"), 2, 40, 12, key="state_steps")
    return signal or "pulse", typed, steps


def weights_ui() -> tuple[float, float, str, float, float]:
    """The system's weights a, b, c, its nonlinearity f and its initial state x_0."""
    a = st.slider(t("state.a"), -1.5, 1.5, 0.5, 0.05, key="state_a")
    b = st.slider(t("state.b"), -1.5, 1.5, 0.5, 0.05, key="state_b")
    f = st.radio(
        t("state.f"),
        list(dynamics.NONLINEARITIES),
        format_func={name: t(f"state.nonlinearities.{name}") for name in dynamics.NONLINEARITIES}.get,
        horizontal=True,
        key="state_f",
    )
    c = st.slider(t("state.c"), -2.0, 2.0, 1.5, 0.1, key="state_c")
    x0 = st.slider(t("state.x0"), -1.0, 1.0, 0.0, 0.1, key="state_x0")
    return a, b, f, c, x0


@st.fragment
def system_ui() -> None:
    """The controls, the system's answer and who its state remembers. A fragment: every control here
    changes the charts below it, and moving one reruns this section only, not the page's top."""
    left, right = st.columns([1, 2])
    with left:
        signal, typed, steps = input_ui()
        a, b, f, c, x0 = weights_ui()
    try:
        u = dynamics.input_signal(signal, steps, typed)
    except ValueError as error:
        st.warning(shared.message(error))
        return
    if signal == "typed" and not u.any():
        left.info(t("state.all_zero"))
    x, y = dynamics.simulate(u, a, b, x0, f, c)
    value, series = t("state.value"), t("state.series")
    frame = pd.concat(
        [
            pd.DataFrame({"t": range(1, steps + 1), value: u, series: t("state.lines.input")}),
            pd.DataFrame({"t": range(steps + 1), value: x, series: t("state.lines.state")}),
            pd.DataFrame({"t": range(1, steps + 1), value: y, series: t("state.lines.output")}),
        ]
    )
    right.vega_lite_chart(charts.curves(frame, "t", value, series, title=t("state.chart")))
    if abs(a) > 1:
        right.info(t("state.amplified"))
    remembers_ui(a, b, steps)


def remembers_ui(a: float, b: float, steps: int) -> None:
    """How much of the state each source makes up, step by step (for the linear system)."""
    st.subheader(t("state.remembers"))
    shares = dynamics.shares(a, b, steps)
    st.markdown(
        t(
            "state.shares",
            a=f"{a:g}",
            b=f"{b:g}",
            x0=f"{shares[2, 0]:.0%}",
            u1=f"{shares[2, 1]:.0%}",
            u2=f"{shares[2, 2]:.0%}",
        )
    )
    rows = [
        {"t": step, "source": "x_0" if k == 0 else f"u_{k}", "order": k, "share": shares[step, k]}
        for step in range(steps + 1)
        for k in range(step + 1)
    ]
    st.vega_lite_chart(charts.shares(pd.DataFrame(rows)))


navigation.setup(__file__)
st.title(f":material/timeline: {t('nav.state.title')}")
st.markdown(t("state.intro"))
system_ui()
