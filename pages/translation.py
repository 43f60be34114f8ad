"""Translation page (many to many): a sentence in, its translation out, and what if it began otherwise."""

from pathlib import Path

import numpy as np
import streamlit as st

import ui
from models.cells import state_label
from models.pieces import piece_labels, special_pieces, written
from models.text import BOS, SPECIALS
from models.translation import EXAMPLES
from models.units import state_domain
from ui import charts, downloads, navigation

LANGUAGES = {"de": "German", "en": "English", "fr": "French", "cs": "Czech"}
DATA = {  # what a folder or hub name of the training data holds, in a reader's words
    "multi30k": "Multi30k's descriptions of photos (people, animals, streets, sports)",
    "tatoeba_eng_deu": "Tatoeba's short everyday sentences (greetings, questions, “I'm tired.”)",
}
VIEWS = ["Attention and connectivity", "Hidden states", "Final beam"]
WIDE = 36  # input pieces beyond which the two matrices stand one under the other
QUOTED = 60  # characters of a beginning quoted back
# The longest text a box takes: far more than the model reads, short enough for a link that opens.
TYPED = 2000


def language(code: str) -> str:
    return LANGUAGES.get(code, code)


def quoted(text: str) -> str:
    return f"“{text if len(text) <= QUOTED else text[: QUOTED - 1] + '…'}”"


def analyze(model, text: str, beam_size: int, prefix: str):
    return ui.analyze(model, text, spinner="Translating…", beam_size=beam_size, prefix=prefix)


def learned_from(model) -> str:
    """The training data in a reader's words, from the checkpoint's recorded command."""
    specs = model.info.get("train", {}).get("args", {}).get("data", [])
    specs = [specs] if isinstance(specs, str) else specs  # checkpoints written before --data took a list
    names = [DATA.get(Path(spec).name.lower(), f"`{spec}`") for spec in specs]
    if not names:
        return "Its training data is not recorded in the checkpoint."
    return (
        f"Learned from {' and '.join(names)} only: it knows the words and the kinds of sentences found "
        "there, and guesses, often wrongly, beyond them."
    )


def start_over() -> None:
    """Another model reads another language: its first example, and no forced beginning."""
    info = ui.checkpoint_info(st.session_state["translation_model"])
    st.session_state["translation_text"] = next(iter(EXAMPLES.get(info["config"]["src"], [])), "")
    st.session_state["translation_prefix"] = ""


def begin_with(beginning: str) -> None:
    st.session_state["translation_prefix"] = beginning


def model_ui():
    """The translation checkpoint to use, and its predictor."""
    return ui.model_picker("translation", "translation_model", bind=ui.LINK, on_change=start_over)


def examples_ui(model) -> None:
    """The example sentences in the model's source language; the first is the sentence to start with."""
    sentences = EXAMPLES.get(model.config.src, [])
    st.session_state.setdefault("translation_text", next(iter(sentences), ""))
    if sentences:
        examples = {sentence: sentence for sentence in sentences}
        ui.example_picker(examples, "translation_example", "translation_text", "Pick an example sentence…")


def input_ui(model) -> tuple[str, int, str]:
    """The sentence, the beam size and the beginning the translation is made to start with."""
    target = language(model.config.tgt)
    with st.form("translation_form"):
        read = (
            f"The model reads the first {model.config.max_source_tokens} pieces (words and parts of words)."
        )
        text = st.text_area(
            "Sentence", key="translation_text", height=80, max_chars=TYPED, bind=ui.LINK, help=read
        )
        left, right = st.columns([1, 2])
        beam_size = left.slider(
            "Beam size", 1, 8, 5, key="translation_beam", bind=ui.LINK, help="1 is greedy."
        )
        prefix = right.text_input(
            "Start the translation with",
            key="translation_prefix",
            bind=ui.LINK,
            max_chars=TYPED,
            placeholder=f"whole {target} words",
            help="Type whole words: the model goes on after the last one, so a cut word (“A wo”) "
            "stays cut (“A wo man”). Leave it empty for the model's own translation.",
        )
        st.form_submit_button("Translate", type="primary")
    return text, beam_size, prefix.strip()


def translation_ui(result, heading: str, compared_with=None) -> None:
    """The translation and its score; against `compared_with`, the score's difference too."""
    st.caption(heading)
    st.markdown(f"### {ui.as_written(result.text)}")
    score = result.candidates[0][1]
    delta = None if compared_with is None else f"{score - compared_with.candidates[0][1]:+.3f}"
    help = "The mean log-probability of its pieces (higher is likelier); the final beam's ranking."
    st.metric("score", f"{score:.3f}", delta=delta, help=help)


def results_ui(own, forced, prefix: str) -> None:
    """The model's own translation, and beside it the one made to start with `prefix`."""
    if forced is None:
        translation_ui(own, "The model's own translation")
        return
    left, right = st.columns(2)
    with left:
        translation_ui(own, "The model's own translation")
    with right:
        translation_ui(forced, f"Made to start with {quoted(prefix)}", compared_with=own)


def alternatives_ui(result, forced: bool, special: frozenset[str]) -> None:
    """Every output piece opens the five likeliest pieces at its step; choosing one makes the translation
    start with the pieces before it and that one, and decodes the rest again (never a `special` one: no
    typed beginning can make the model write it)."""
    st.subheader("What if it had written something else?")
    if forced:
        st.button("Back to the model's own translation", on_click=begin_with, args=("",))
    else:
        st.info(
            "Click a piece of the translation to see what else the model considered there, and choose "
            "one to decode the rest again from it; or type a beginning above."
        )
    labels = piece_labels(result.target_tokens)
    with st.container(horizontal=True, gap="small"):
        for step, (label, choices) in enumerate(zip(labels, result.alternatives)):
            with st.popover(ui.as_written(label)):
                choices_ui(result.target_tokens, step, choices, special)


def choices_ui(
    pieces: list[str], step: int, choices: list[tuple[str, float]], special: frozenset[str]
) -> None:
    st.caption(f"Step {step}: the likeliest pieces, given the ones before")
    for rank, (piece, probability) in enumerate(choices):
        chance = f"{probability:.0%}" if probability >= 0.005 else "<1%"
        label = f"{ui.as_written(piece_labels([piece])[0])} · {chance}"
        shown = piece == pieces[step]
        help = "Written here." if shown else "Cannot be forced." if piece in special else None
        beginning = written([*pieces[:step], piece])
        key = f"translation_choice_{step}_{rank}"
        disabled = shown or piece in special
        st.button(label, key=key, on_click=begin_with, args=(beginning,), disabled=disabled, help=help)


def alignment_ui(result) -> None:
    st.caption(
        "Attention is where the decoder looked while writing each piece; connectivity is how strongly "
        "each input piece moved that piece's probability, the size of the gradient through every path, so "
        "where the two disagree, attention alone does not explain the output. Each row sums to 1."
    )
    matrices = {
        "attention": (result.attention, "attention: where it looked"),
        "connectivity": (result.connectivity, "connectivity: what moved it"),
    }
    places = [st.container(), st.container()] if len(result.source_tokens) > WIDE else st.columns(2)
    for place, (name, (values, title)) in zip(places, matrices.items()):
        chart = charts.alignment(values, result.source_tokens, result.target_tokens, name=name, title=title)
        place.vega_lite_chart(chart, width="content")


def traced_states(result) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Every traced state by name: its values [steps, units] and the pieces read at those steps."""
    source = piece_labels(result.source_tokens)
    read = piece_labels([SPECIALS[BOS], *result.target_tokens[:-1]])  # the decoder reads its last output
    states = {f"encoder.{name}": (values, source) for name, values in result.encoder_states.items()}
    states |= {name: (values, read) for name, values in result.decoder_states.items()}
    order = sorted(states, key=lambda n: (not n.endswith(".h"), n.startswith("decoder"), "backward" in n, n))
    return {name: states[name] for name in order}


def states_ui(states: dict[str, tuple[np.ndarray, list[str]]]) -> None:
    st.caption("Each column is one step: the encoder reads the sentence, the decoder its own last piece.")
    name = st.selectbox("State", list(states), format_func=state_label, key="translation_state", bind=ui.LINK)
    values, tokens = states[name]
    chart = charts.heatmap(values, tokens, domain=state_domain(name, values), title=state_label(name))
    st.vega_lite_chart(chart, width="stretch")


def downloads_ui(name: str, result) -> None:
    """The analysis shown, to keep, one file per side: its files are written only when a button is clicked."""
    st.caption("Keep it: attention, connectivity and the decoder's states, one row per output piece")
    inputs = charts.step_labels(result.source_tokens)
    outputs = {"attention": result.attention, "connectivity": result.connectivity, **result.decoder_states}
    labels = {"attention": inputs, "connectivity": inputs}
    downloads.download_ui(f"{name}-outputs", result.target_tokens, outputs, labels)
    st.caption("and the encoder's states, one row per input piece")
    downloads.download_ui(f"{name}-inputs", result.source_tokens, result.encoder_states, {})


def views_ui(result, forced: bool) -> None:
    """The chosen view of `result`; only the open tab is drawn."""
    if forced:
        st.caption("Below: the translation made to start with the beginning.")
    alignment_tab, states_tab, beam_tab = st.tabs(VIEWS, key="translation_view", bind=ui.LINK)
    if alignment_tab.open:
        with alignment_tab:
            alignment_ui(result)
    if states_tab.open:
        with states_tab:
            states_ui(traced_states(result))
    if beam_tab.open:
        with beam_tab:
            ui.beam_ui(result.candidates, "translation", "piece")


def analyses(model, text: str, beam_size: int, prefix: str):
    """The model's own analysis and, for a beginning, the forced one (None if it cannot be written)."""
    try:
        own = analyze(model, text, beam_size, "")
    except ValueError as error:
        st.warning(str(error))
        st.stop()
    if own.truncated:
        st.info(f"The sentence was long: only its first {len(own.source_tokens)} pieces were read.")
    try:
        return own, analyze(model, text, beam_size, prefix) if prefix else None
    except ValueError as error:
        st.warning(f"The translation cannot start with {quoted(prefix)}. {error}")
        return own, None


navigation.setup(__file__)
st.title(":material/translate: Translation: many to many")
st.markdown(
    "An **encoder** reads the whole sentence, one piece at a time, into a sequence of states; a "
    "**decoder** then writes the translation piece by piece, each step starting from its previous "
    "state and output. At every step **attention** weighs the encoder's states, so the decoder "
    "can look back at the input words it needs: many inputs, many outputs."
)
left, right = st.columns(2)
with left:
    name, model = model_ui()
    st.caption(
        f"Reads {language(model.config.src)}, writes {language(model.config.tgt)}. " + learned_from(model)
    )
with right:
    examples_ui(model)
text, beam_size, prefix = input_ui(model)
own, forced = analyses(model, text, beam_size, prefix)
results_ui(own, forced, prefix)
alternatives_ui(forced or own, forced is not None, special_pieces(model.vocab))
views_ui(forced or own, forced is not None)
downloads_ui(name, forced or own)
