"""Captioning page (one to many): one image in, a sentence out, where the decoder looks, and what if."""

import functools
from pathlib import Path

import numpy as np
import streamlit as st

import ui
from models import images
from models.captioning import GALLERY, MAX_WORDS, PHOTOS
from models.checkpoint import trained_on
from models.images import ImageError
from models.regions import region_cell, region_names
from models.text import SPECIALS, UNK, caption_words
from models.units import state_domain
from models.vision import GRID
from ui import atlas, charts, downloads, navigation, pictures, shared
from ui.language import t

SOURCES = {"Sample photos": "gallery", "Upload": "upload", "Camera": "camera"}  # value: catalogue name
REGIONS = region_names()  # "A1" (top left) ... "G7", row by row, as the model's grid
PHOTO_MB = 10  # the largest photo upload (the server takes checkpoints up to 50 MB)
READING = "captioning_reading"  # the key of the fragment below the model: another word to write reruns it
REWRITE = "captioning_rewrite"  # the beginning a chosen alternative word asks the caption to be written from
# The vocabulary's special tokens as a caption shows them (captioning.token.<name>): a person reads
# "<unk>" as a glitch.
READABLE = dict(zip(SPECIALS, ["padding", "rare", "start", "end"]))


def readable(word: str) -> str:
    return t(f"captioning.token.{READABLE[word]}") if word in READABLE else word


def readable_text(text: str) -> str:
    return " ".join(readable(word) for word in text.split())


def framed(picture: np.ndarray, hide: tuple) -> np.ndarray:
    """The picture with the hidden cells framed."""
    return pictures.framed(picture, hide, GRID)


def analyze(model, picture: bytes, beam_size: int, max_length: int, prefix: str = "", hide: tuple = ()):
    """The shared analysis of `picture`; `hide` holds the (row, column) of each hidden cell."""
    options = {"beam_size": beam_size, "max_length": max_length, "prefix": prefix, "hide": hide}
    return shared.analyze(model, picture, spinner=t("captioning.looking"), **options)


def model_ui() -> tuple[str, object]:
    """The chosen captioning checkpoint's name and predictor (a message and a stop if there is none)."""
    return shared.model_picker("captioning", "captioning_model", bind=ui.LINK)


def knowledge(model) -> str:
    """A sentence on what the model learned from, as its checkpoint records it."""
    data = " ".join(trained_on(model.info.get("train", {})))
    if Path(data).name.lower() == "flickr8k":  # the hub's jxie/flickr8k or a local copy
        return t("captioning.flickr8k")
    source = t("captioning.data_named", data=data) if data else t("captioning.data_unrecorded")
    return t("captioning.learned_from", source=source)


def decoding_ui(model) -> tuple[int, int]:
    """Beam size and maximum length."""
    left, right = st.columns(2)
    beam_size = ui.beam_size_ui(left, "captioning_beam", model.beam_size)
    max_length = right.slider(
        t("captioning.max_length"), 3, MAX_WORDS, 20, key="captioning_max_length", bind=ui.LINK
    )
    return beam_size, max_length


def linked_choice(widget, label: str, names: dict[str, str], key: str) -> str | None:
    """`widget` (st.segmented_control or st.pills) choosing among `names` (value: its words, looked up
    in this run), the first chosen at first, kept in the page's link."""
    return widget(label, list(names), default=next(iter(names)), format_func=names.get, key=key, bind=ui.LINK)


def input_ui() -> tuple[bytes | None, str | None]:
    """The chosen image's file bytes (None until there is one) and the sample photo's name (None for
    the user's own)."""
    sources = {source: t(f"captioning.source.{name}") for source, name in SOURCES.items()}
    source = linked_choice(st.segmented_control, t("captioning.image"), sources, "captioning_source")
    if SOURCES.get(source, "gallery") == "gallery":
        photos = {name: t(f"captioning.photos.{Path(file).stem}") for name, file in PHOTOS.items()}
        name = linked_choice(st.pills, t("captioning.photo"), photos, "captioning_photo")
        st.caption(t("captioning.photo_sources"))
        return ((GALLERY / PHOTOS[name]).read_bytes() if name else None), name
    if SOURCES[source] == "upload":
        upload = st.file_uploader(
            t("captioning.upload", formats=", ".join(images.FORMATS)),
            type=images.ENDINGS,
            key="captioning_upload",
            max_upload_size=PHOTO_MB,
        )
        picture = upload.getvalue() if upload else None
    else:
        shot = st.camera_input(t("captioning.camera"), key="captioning_camera")
        picture = shot.getvalue() if shot else None
    st.caption(t("captioning.photo_not_linked"))
    return picture, None


def grid_key() -> str:
    """The key of the picture's grid: a new one after each click, so that its selection starts empty."""
    return f"captioning_grid_{st.session_state.setdefault('captioning_grid_clicks', 0)}"


def toggle_region(chart_key: str) -> None:
    """A click on the picture's grid hides that cell, or shows it again. A grid already replaced is
    ignored: the browser may still send its click with the next change, which would undo it."""
    if chart_key != grid_key():
        return
    hidden = set(st.session_state["captioning_hide"])
    for point in st.session_state[chart_key].selection.get(charts.REGION, []):
        hidden ^= {point[charts.REGION]}
    st.session_state["captioning_hide"] = [name for name in REGIONS if name in hidden]
    st.session_state["captioning_grid_clicks"] += 1


def show_everything() -> None:
    st.session_state["captioning_hide"] = []
    st.session_state["captioning_prefix"] = ""


def whatif_ui(image: np.ndarray) -> tuple[list[str], str]:
    """The names of the regions to hide and the words the caption must start with."""
    st.subheader(t("captioning.whatif"))
    st.caption(t("captioning.whatif_hide"))
    grid = st.container()  # drawn once the hidden cells are known, above the list of them
    hidden = st.multiselect(
        t("captioning.hidden"),
        REGIONS,
        key="captioning_hide",
        bind=ui.LINK,
        placeholder=t("captioning.hidden_none"),
    )
    hidden = sorted(hidden, key=REGIONS.index)  # in grid order, however they were picked
    chart_key = grid_key()
    grid.vega_lite_chart(
        charts.region_grid(image, hidden, GRID),
        width="content",
        key=chart_key,
        on_select=functools.partial(toggle_region, chart_key),
        selection_mode=charts.REGION,
    )
    prefix = ui.beginning_ui(st, "captioning", t("captioning.prefix_placeholder"))
    st.button(t("captioning.back"), on_click=show_everything, disabled=not (hidden or prefix))
    return hidden, prefix


def whatif_result(model, picture, beam_size, max_length, prefix: str, hide: tuple):
    """The caption with `hide` and `prefix` applied; None if there is no what-if, or (after a message)
    if it cannot be made."""
    if not hide and not prefix.strip():
        return None
    if len(prefix) > ui.BEGINNING:  # a beginning chosen among the likeliest words, not typed
        st.warning(t("captioning.prefix_too_long", length=f"{len(prefix):,}", limit=ui.BEGINNING))
        return None
    try:
        return analyze(model, picture, beam_size, max_length, prefix, hide)
    except ValueError as error:  # an unknown or too long beginning, every cell hidden
        st.warning(shared.message(error))
        return None


def whatif_title(hidden: list[str], prefix: str) -> str:
    parts = []
    if hidden:
        if len(hidden) <= 4:
            parts.append(t("captioning.hidden_cells", cells=", ".join(hidden)))
        else:
            parts.append(t("captioning.hidden_count", count=len(hidden)))
    if prefix.strip():
        parts.append(t("captioning.starting", words=ui.as_written(" ".join(caption_words(prefix)))))
    return t("captioning.whatif_title", changes=", ".join(parts))


def caption_ui(result, title: str, baseline=None) -> None:
    """The caption, its score (against the baseline's, if given) and each word's probability."""
    st.markdown(f"**{title}**")
    st.markdown(f"### {readable_text(result.text).capitalize() or t('captioning.no_words')}")
    score = result.candidates[0][1]
    delta = None if baseline is None else f"{score - baseline.candidates[0][1]:+.2f}"
    st.metric(t("captioning.score"), f"{score:.2f}", delta=delta, help=t("captioning.score_help"))
    st.html(charts.token_strip([readable(token) for token in result.tokens], result.probabilities))


def captions_ui(before, after, hidden: list[str], prefix: str, hide: tuple) -> None:
    if after is None:
        caption_ui(before, t("captioning.caption"))
        st.caption(t("captioning.shading"))
        st.info(t("captioning.whatif_hint"))
        return
    own, changed = st.columns(2)
    with own:
        caption_ui(before, t("captioning.own"))
    with changed:
        caption_ui(after, whatif_title(hidden, prefix), baseline=before)
        forced = len(caption_words(prefix))
        if forced:
            st.caption(t("captioning.given_one" if forced == 1 else "captioning.given", count=forced))
    if before.tokens and after.tokens:
        st.markdown(f"**{t('captioning.looked')}**")
        own, changed, gained = st.columns(3)
        own.image(
            framed(pictures.caption_overlay(before.image, before.attention), hide),
            caption=t("captioning.looked_own"),
        )
        changed.image(
            framed(pictures.caption_overlay(after.image, after.attention), hide),
            caption=t("captioning.looked_whatif"),
        )
        moved = pictures.attention_gained(after.image, before.attention, after.attention)
        gained.image(framed(moved, hide), caption=t("captioning.looked_moved"))
        st.caption(t("captioning.looked_key"))


def choose_beginning(prefix: str) -> None:
    """The caption is written again from `prefix`. The word's button is in word_ui, which would rerun
    alone: the reading around it reruns instead and puts `prefix` in its box itself (reading_ui); a box
    set from this callback keeps its old text in the browser (Streamlit 1.67), to be sent back next."""
    st.session_state[REWRITE] = prefix
    st.rerun(READING)


def alternatives_ui(result, index: int) -> None:
    """The five likeliest words at step `index`; choosing one writes the caption again from there."""
    st.markdown(f"**{t('captioning.likeliest')}**")
    written = result.tokens[:index]
    for rank, (word, probability) in enumerate(result.alternatives[index]):
        chosen, special = word == result.tokens[index], word in READABLE
        if chosen:
            note = t("captioning.chosen")
        elif special:
            note = t("captioning.rare", token=readable(SPECIALS[UNK]))
        else:
            note = t("captioning.rewrite", words=ui.as_written(" ".join([*written, word])))
        st.button(
            f"{readable(word)} · {probability:.0%}",
            key=f"captioning_alternative_{rank}",
            on_click=choose_beginning,
            args=(" ".join([*written, word]),),
            disabled=chosen or special,
            type="primary" if chosen else "secondary",
            icon=":material/check:" if chosen else None,
            help=note,
            width="stretch",
        )


@st.fragment
def word_ui(result, hide: tuple, whatif: bool) -> None:
    """Word by word: where the decoder looked for each word and what else it considered. A fragment
    inside the reading's: another word reruns only this section; choosing another word to write reruns
    the reading (choose_beginning)."""
    st.subheader(t("captioning.word_by_word"))
    st.caption(t("captioning.word_whatif" if whatif else "captioning.word_own"))
    if not result.tokens:
        st.info(t("captioning.empty"))
        return
    words = [readable(token) for token in result.tokens]
    if st.session_state.get("captioning_word", 0) >= len(words):
        del st.session_state["captioning_word"]  # a shorter caption than the last one
    index = st.select_slider(
        t("captioning.word"),
        range(len(words)),
        format_func=lambda i: f"{i + 1}. {words[i]}",
        key="captioning_word",
    )
    attention, connectivity, alternatives = st.columns(3)
    attention.image(
        framed(pictures.attention_overlay(result.image, result.attention[index]), hide),
        caption=t("captioning.attention_before", word=words[index]),
        width="stretch",
    )
    connectivity.image(
        framed(pictures.attention_overlay(result.image, result.connectivity[index]), hide),
        caption=t("captioning.connectivity_of", word=words[index]),
        width="stretch",
    )
    with alternatives:
        alternatives_ui(result, index)
    st.caption(t("captioning.attention_every"))
    for start in range(0, len(words), 8):
        for column, i in zip(st.columns(8), range(start, min(start + 8, len(words)))):
            column.image(pictures.attention_overlay(result.image, result.attention[i]), caption=words[i])


def states_ui(result) -> None:
    st.subheader(t("captioning.states"))
    st.caption(t("captioning.states_caption"))
    names = sorted(result.states, key=lambda name: name != "h")
    tokens = [readable(token) for token in result.tokens]
    quantities = {
        name: (result.states[name], tokens, state_domain(name, result.states[name])) for name in names
    }
    titles = {name: atlas.quantity_label(name) for name in names}
    atlas.quantities_ui(
        quantities,
        titles,
        label=t("captioning.state"),
        key="captioning_state",
        x_title=t("captioning.step_axis"),
    )


def download_ui(result, stem: str) -> None:
    st.subheader(t("captioning.keep"))
    st.caption(t("captioning.keep_caption"))
    arrays = {
        "probability": np.array(result.probabilities),
        "attention": result.attention,
        "connectivity": result.connectivity,
        **{f"state.{name}": values for name, values in result.states.items()},
    }
    downloads.download_ui(stem, result.tokens, arrays, {"attention": REGIONS, "connectivity": REGIONS})


@st.fragment(key=READING)
def reading_ui(model, beam_size: int, max_length: int) -> None:
    """The photo, its captions and what if, word by word, the decoder's states and the files to keep. A
    fragment: another photo, a hidden cell, a typed beginning or another word to write from reruns this
    section, not the model and the decoding settings above."""
    if (rewrite := st.session_state.pop(REWRITE, None)) is not None:
        st.session_state["captioning_prefix"] = rewrite
    picture, photo = input_ui()
    if picture is None:
        st.info(t("captioning.choose_photo"))
        return
    try:
        before = analyze(model, picture, beam_size, max_length)
    except ImageError as error:
        st.warning(shared.message(error))
        return
    controls, captions = st.columns([2, 3], gap="large")
    with controls:
        hidden, prefix = whatif_ui(before.image)
    hide = tuple(region_cell(cell) for cell in hidden)
    with captions:
        after = whatif_result(model, picture, beam_size, max_length, prefix, hide)
        captions_ui(before, after, hidden, prefix, hide)
        with st.expander(t("captioning.final_beam")):
            candidates = [(readable_text(text), score) for text, score in (after or before).candidates]
            ui.beam_ui(candidates, t("captioning.beam_output"), t("captioning.beam_unit"))
    result = after or before
    word_ui(result, hide, after is not None)
    if result.tokens:
        states_ui(result)
        download_ui(result, f"caption-{photo or 'photo'}".lower().replace(" ", "-"))


navigation.setup(__file__)
st.title(f":material/image: {t('captioning.title')}")
st.markdown(t("captioning.intro"))
model_column, decoding_column = st.columns([1, 2])
with model_column:
    name, model = model_ui()
with decoding_column:
    beam_size, max_length = decoding_ui(model)
st.info(knowledge(model), icon=":material/school:")
reading_ui(model, beam_size, max_length)
