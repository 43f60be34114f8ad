"""Translation page (many to many): a sentence in, its translation out, and what if it began otherwise."""

from pathlib import Path

import numpy as np
import streamlit as st

import ui
from models.checkpoint import trained_on
from models.pieces import piece_labels, special_pieces, written
from models.translation import EXAMPLES
from models.units import state_domain
from ui import atlas, charts, downloads, navigation, shared
from ui.language import t

LANGUAGES = ("de", "en", "fr", "cs")  # the languages the catalogue names (translation.language.<code>)
DATA = ("multi30k", "tatoeba_eng_deu")  # the training data it describes (translation.data.<name>)
VIEWS = {"Attention and connectivity": "alignment", "Hidden states": "states", "Final beam": "beam"}
WIDE = 36  # input pieces beyond which the two matrices stand one under the other


def language(code: str) -> str:
    return t(f"translation.language.{code}") if code in LANGUAGES else code


def analyze(model, text: str, beam_size: int, prefix: str):
    return shared.analyze(
        model, text, spinner=t("translation.translating"), beam_size=beam_size, prefix=prefix
    )


def data_name(spec: str) -> str:
    """A training data folder or hub name in a reader's words, or as written."""
    name = Path(spec).name.lower()
    return t(f"translation.data.{name}") if name in DATA else f"`{spec}`"


def learned_from(model) -> str:
    """The training data in a reader's words, from the checkpoint's recorded command."""
    described = [data_name(spec) for spec in trained_on(model.info.get("train", {}))]
    if not described:
        return t("translation.data_unrecorded")
    return t("translation.learned_from", data=t("translation.data_and").join(described))


def start_over() -> None:
    """Another model reads another language: its first example, and no forced beginning."""
    info = shared.checkpoint_info(st.session_state["translation_model"])
    st.session_state["translation_text"] = next(iter(EXAMPLES.get(info["config"].get("src"), [])), "")
    st.session_state["translation_prefix"] = ""


def begin_with(beginning: str) -> None:
    st.session_state["translation_prefix"] = beginning


def model_ui():
    """The translation checkpoint to use, and its predictor."""
    return shared.model_picker("translation", "translation_model", bind=ui.LINK, on_change=start_over)


def examples_ui(model) -> None:
    """The example sentences in the model's source language; the first is the sentence to start with."""
    sentences = EXAMPLES.get(model.config.src, [])
    st.session_state.setdefault("translation_text", next(iter(sentences), ""))
    if sentences:
        examples = {sentence: sentence for sentence in sentences}
        ui.example_picker(examples, "translation_example", "translation_text", t("translation.pick_example"))


def input_ui(model) -> tuple[str, int, str]:
    """The sentence, the beam size and the beginning the translation is made to start with, as typed."""
    target = language(model.config.tgt)
    with st.form("translation_form"):
        read = t("translation.sentence_help", count=model.config.max_source_tokens)
        text = ui.text_box(
            st.text_area,
            t("translation.sentence"),
            ui.SENTENCE,
            read,
            key="translation_text",
            height=80,
            bind=ui.LINK,
        )
        left, right = st.columns([1, 2])
        beam_size = ui.beam_size_ui(left, "translation_beam", model.beam_size)
        prefix = ui.beginning_ui(right, "translation", t("translation.prefix_placeholder", language=target))
        st.form_submit_button(t("translation.translate"), type="primary")
    return text, beam_size, prefix


def translation_ui(result, heading: str, compared_with=None) -> None:
    """The translation and its score; against `compared_with`, the score's difference too."""
    st.caption(heading)
    st.markdown(f"### {ui.as_written(result.text)}")
    score = result.candidates[0][1]
    delta = None if compared_with is None else f"{score - compared_with.candidates[0][1]:+.3f}"
    st.metric(t("translation.score"), f"{score:.3f}", delta=delta, help=t("translation.score_help"))


def results_ui(own, forced, prefix: str) -> None:
    """The model's own translation, and beside it the one made to start with `prefix` (as typed)."""
    if forced is None:
        translation_ui(own, t("translation.own"))
        return
    left, right = st.columns(2)
    with left:
        translation_ui(own, t("translation.own"))
    with right:
        heading = t("translation.forced", beginning=ui.quote(prefix))
        translation_ui(forced, heading, compared_with=own)


def alternatives_ui(result, forced: bool, special: frozenset[str]) -> None:
    """Every output piece opens the five likeliest pieces at its step; choosing one makes the translation
    start with the pieces before it and that one, and decodes the rest again (never a `special` one: no
    typed beginning can make the model write it)."""
    st.subheader(t("translation.whatif"))
    if forced:
        st.button(t("translation.back"), on_click=begin_with, args=("",))
    else:
        st.info(t("translation.whatif_hint"))
    labels = piece_labels(result.target_tokens)
    with st.container(horizontal=True, gap="small"):
        for step, (label, choices) in enumerate(zip(labels, result.alternatives)):
            with st.popover(ui.as_written(label)):
                choices_ui(result.target_tokens, step, choices, special)


def choices_ui(
    pieces: list[str], step: int, choices: list[tuple[str, float]], special: frozenset[str]
) -> None:
    st.caption(t("translation.choices", step=step))
    for rank, (piece, probability) in enumerate(choices):
        chance = f"{probability:.0%}" if probability >= 0.005 else "<1%"
        label = f"{ui.as_written(piece_labels([piece])[0])} · {chance}"
        shown = piece == pieces[step]
        if shown:
            help = t("translation.written_here")
        else:
            help = t("translation.unforced") if piece in special else None
        beginning = written([*pieces[:step], piece])
        key = f"translation_choice_{step}_{rank}"
        disabled = shown or piece in special
        st.button(label, key=key, on_click=begin_with, args=(beginning,), disabled=disabled, help=help)


def alignment_ui(result) -> None:
    st.caption(t("translation.alignment"))
    matrices = {
        "attention": (result.attention, t("translation.attention_title")),
        "connectivity": (result.connectivity, t("translation.connectivity_title")),
    }
    places = [st.container(), st.container()] if len(result.source_tokens) > WIDE else st.columns(2)
    for place, (name, (values, title)) in zip(places, matrices.items()):
        chart = charts.alignment(values, result.source_tokens, result.target_tokens, name=name, title=title)
        place.vega_lite_chart(chart, width="content")


def traced_states(result) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Every traced state by name, in the analysis' order: its values [steps, units] and the labels
    of the pieces read at those steps."""
    return {name: (values, piece_labels(read)) for name, (values, read) in result.traced_states().items()}


def state_name(name: str) -> str:
    """A traced state as people say it: "encoder.layer0.forward.h" -> "hidden state h_t, encoder layer 0
    forward", "decoder.update_gate" -> "update gate z_t, decoder"."""
    stream, _, quantity = name.rpartition(".")
    layer = stream.partition(".")[2]  # "layer0.forward" in the encoder, none in the decoder
    where = t("translation.encoder", layer=atlas.stream_name(layer)) if layer else t("translation.decoder")
    return t("atlas.state", quantity=atlas.quantity_label(quantity), where=where)


def states_ui(states: dict[str, tuple[np.ndarray, list[str]]]) -> None:
    st.caption(t("translation.states"))
    quantities = {
        name: (values, tokens, state_domain(name, values)) for name, (values, tokens) in states.items()
    }
    titles = {name: state_name(name) for name in states}
    atlas.quantities_ui(quantities, titles, label=t("translation.state"), key="translation_state")


def downloads_ui(name: str, result) -> None:
    """The analysis shown, to keep, one file per side: its files are written only when a button is clicked."""
    st.caption(t("translation.keep_outputs"))
    inputs = charts.step_labels(result.source_tokens)
    outputs = {"attention": result.attention, "connectivity": result.connectivity, **result.decoder_states}
    labels = {"attention": inputs, "connectivity": inputs}
    downloads.download_ui(f"{name}-outputs", result.target_tokens, outputs, labels)
    st.caption(t("translation.keep_inputs"))
    downloads.download_ui(f"{name}-inputs", result.source_tokens, result.encoder_states, {})


@st.fragment
def views_ui(result, forced: bool) -> None:
    """The chosen view of `result`, the only one drawn. A segmented control, not tabs: its state is the
    view, which outlasts a change of language; tabs keep their label, and fall back to the first. A
    fragment inside the reading's: another view reruns only this section."""
    if forced:
        st.caption(t("translation.below_forced"))
    view = st.segmented_control(
        t("translation.view"),
        list(VIEWS),
        default=next(iter(VIEWS)),
        required=True,
        format_func=lambda view: t(f"translation.views.{VIEWS[view]}"),
        key="translation_view",
        bind=ui.LINK,
        label_visibility="collapsed",
    )
    if VIEWS[view] == "alignment":
        alignment_ui(result)
    elif VIEWS[view] == "states":
        states_ui(traced_states(result))
    else:
        ui.beam_ui(result.candidates, t("translation.beam_output"), t("translation.beam_unit"))


def analyses(model, text: str, beam_size: int, prefix: str):
    """The model's own analysis and, for a beginning (`prefix` as typed), the forced one (None if it
    cannot be written); None (after a message) if the sentence cannot be read."""
    try:
        own = analyze(model, text, beam_size, "")
    except ValueError as error:
        st.warning(shared.message(error))
        return None
    if own.truncated:
        st.info(t("translation.truncated", count=len(own.source_tokens)))
    try:
        return own, analyze(model, text, beam_size, prefix.strip()) if prefix.strip() else None
    except ValueError as error:
        st.warning(t("translation.cannot_start", beginning=ui.quote(prefix), reason=shared.message(error)))
        return own, None


@st.fragment
def reading_ui(name: str, model) -> None:
    """The sentence, its translations, what if, the views and the files to keep. A fragment: an example,
    a sentence, a beam size or a beginning (typed or chosen) reruns this section, not the model above."""
    with st.columns(2)[0]:  # as wide as the Model box above
        examples_ui(model)
    text, beam_size, prefix = input_ui(model)
    if (found := analyses(model, text, beam_size, prefix)) is None:
        return
    own, forced = found
    results_ui(own, forced, prefix)
    alternatives_ui(forced or own, forced is not None, special_pieces(model.vocab))
    views_ui(forced or own, forced is not None)
    downloads_ui(name, forced or own)


navigation.setup(__file__)
st.title(f":material/translate: {t('translation.title')}")
st.markdown(t("translation.intro"))
left, right = st.columns(2)
with left:
    name, model = model_ui()
reads = t("translation.reads", source=language(model.config.src), target=language(model.config.tgt))
right.caption(f"{reads} {learned_from(model)}")
reading_ui(name, model)
