"""Inside an RNN, 2: the cell, folded and unfolded, stepped one time step at a time."""

import streamlit as st

import ui
from models.toy import hello_rnn
from ui import diagrams, navigation, shared
from ui.language import t


@st.cache_resource(show_spinner=t("cell.training"))
def toy():
    return hello_rnn(seed=0)


def letters_ui(letters: list[str]) -> str | None:
    """The letters to read, or None (and a warning) when there are none."""
    label = t("cell.letters", letters=", ".join(letters))
    text = ui.text_box(st.text_input, label, 12, value="hell", key="cell_text").strip()
    if not text:
        st.warning(t("cell.no_letters"))
        return None
    return text


@st.fragment
def reading_ui(model) -> None:
    """The letters box and the cell reading them. A fragment: other letters rerun this section only."""
    text = letters_ui(model.letters)
    if text is None:
        return
    try:
        run = model.unfold(text)
    except ValueError as error:
        st.warning(shared.message(error))
        return
    step_ui(text, run)


@st.fragment
def step_ui(text: str, run) -> None:
    """The cell at one time step, folded and unfolded, and the sums it computes there. A fragment
    inside the letters' section: moving the step slider reruns only this."""
    step = st.slider(t("cell.step"), 1, len(text), 1, key="cell_step") if len(text) > 1 else 1
    folded, chain = st.columns([1, 3])
    folded.graphviz_chart(diagrams.folded())
    folded.caption(t("cell.folded"))
    chain.graphviz_chart(diagrams.unfolded(text, step))
    chain.caption(t("cell.unfolded"))

    st.subheader(t("cell.reading", step=step, letter=text[step - 1]))
    m = diagrams.bmatrix
    st.latex(
        f"h_{{{step}}} = \\tanh\\Big({m(run.W_x)}{m(run.x[step - 1], 0)} + {m(run.W_h)}{m(run.h[step - 1])}"
        f" + {m(run.b)}\\Big) = {m(run.h[step])}"
    )
    st.latex(
        f"y_{{{step}}} = \\mathrm{{softmax}}\\Big({m(run.W_y)}{m(run.h[step])} + {m(run.b_y)}\\Big)"
        f" = {m(run.y[step - 1])}"
    )
    guess = run.letters[int(run.y[step - 1].argmax())]
    st.markdown(
        t(
            "cell.expects",
            letters=", ".join(run.letters),
            guess=guess,
            probability=f"{run.y[step - 1].max():.0%}",
        )
    )


navigation.setup(__file__)
st.title(f":material/account_tree: {t('nav.cell.title')}")
st.markdown(t("cell.intro"))
reading_ui(toy())
