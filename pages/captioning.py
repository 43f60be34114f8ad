"""Captioning page (one to many): one image in, a sentence out, where the decoder looks, and what if."""

import functools
from pathlib import Path

import numpy as np
import streamlit as st

import ui
from models.captioning import GALLERY, PHOTOS
from models.cells import state_label
from models.images import FORMATS, ImageError
from models.regions import region_cell, region_names
from models.text import SPECIALS, UNK, caption_words
from models.units import UNIT_ORDERS, state_domain
from models.vision import GRID
from ui import charts, downloads, navigation, pictures

SOURCES = ("Sample photos", "Upload", "Camera")
REGIONS = region_names()  # "A1" (top left) ... "G7", row by row, as the model's grid
MAX_PREFIX = 200  # characters
# The vocabulary's special tokens as a caption shows them: a person reads "<unk>" as a glitch.
READABLE = dict(zip(SPECIALS, ["[padding]", "[a rare word]", "[start]", "[end of caption]"]))


def readable(word: str) -> str:
    return READABLE.get(word, word)


def readable_text(text: str) -> str:
    return " ".join(readable(word) for word in text.split())


def framed(picture: np.ndarray, hide: tuple) -> np.ndarray:
    """The picture with the hidden cells framed."""
    return pictures.framed(picture, hide, GRID)


def analyze(model, picture: bytes, beam_size: int, max_length: int, prefix: str = "", hide: tuple = ()):
    """The shared analysis of `picture`; `hide` holds the (row, column) of each hidden cell."""
    options = {"beam_size": beam_size, "max_length": max_length, "prefix": prefix, "hide": hide}
    return ui.analyze(model, picture, spinner="Looking at the image…", **options)


def model_ui() -> tuple[str, object]:
    """The chosen captioning checkpoint's name and predictor (a message and a stop if there is none)."""
    return ui.model_picker("captioning", "captioning_model", bind=ui.LINK)


def knowledge(name: str) -> str:
    """A sentence on what the model learned from, as its checkpoint records it."""
    data = ui.checkpoint_info(name)["train"].get("args", {}).get("data", "")
    if Path(data).name.lower() == "flickr8k":  # the hub's jxie/flickr8k or a local copy
        return (
            "This model learned from **Flickr8k**: 6,000 photos of people, dogs and outdoor scenes, "
            "five captions each. It describes such photos well; anything else (a cat, a rocket) it "
            "describes with the words it has."
        )
    source = f"the captions of `{data}`" if data else "its training captions"
    return f"This model learned from {source}: it describes what those photos show, with their words."


def decoding_ui() -> tuple[int, int]:
    """Beam size and maximum length."""
    left, right = st.columns(2)
    beam_size = left.slider(
        "Beam size", 1, 8, 3, key="captioning_beam", bind=ui.LINK, help="1 is greedy decoding."
    )
    max_length = right.slider("Maximum length (words)", 3, 30, 20, key="captioning_max_length", bind=ui.LINK)
    return beam_size, max_length


def input_ui() -> tuple[bytes | None, str | None]:
    """The chosen image's file bytes (None until there is one) and the sample photo's name (None for
    the user's own)."""
    source = st.segmented_control("Image", SOURCES, default=SOURCES[0], key="captioning_source", bind=ui.LINK)
    if source in (SOURCES[0], None):
        name = st.pills(
            "Sample photo", list(PHOTOS), default=next(iter(PHOTOS)), key="captioning_photo", bind=ui.LINK
        )
        st.caption(
            "Public-domain and CC0 photos from scikit-image and matplotlib (assets/gallery/README.md)."
        )
        return ((GALLERY / PHOTOS[name]).read_bytes() if name else None), name
    if source == "Upload":
        upload = st.file_uploader(
            f"A photo ({FORMATS})", type=["jpg", "jpeg", "png", "webp", "gif"], key="captioning_upload"
        )
        picture = upload.getvalue() if upload else None
    else:
        shot = st.camera_input("Take a photo", key="captioning_camera")
        picture = shot.getvalue() if shot else None
    st.caption(
        "A link to this page keeps the model, beam, hidden cells and beginning, but not your photo: "
        "it stays in this browser session."
    )
    return picture, None


def toggle_region(chart_key: str) -> None:
    """A click on the picture's grid hides that cell, or shows it again."""
    hidden = set(st.session_state["captioning_hide"])
    for point in st.session_state[chart_key].selection.get(charts.REGION, []):
        hidden ^= {point[charts.REGION]}
    st.session_state["captioning_hide"] = [name for name in REGIONS if name in hidden]
    st.session_state["captioning_grid_clicks"] += 1  # a new chart, whose selection starts empty


def show_everything() -> None:
    st.session_state["captioning_hide"] = []
    st.session_state["captioning_prefix"] = ""


def whatif_ui(image: np.ndarray) -> tuple[list[str], str]:
    """The names of the regions to hide and the words the caption must start with."""
    st.subheader("What if…")
    st.caption(
        "…the decoder could not see part of the picture? Click cells to hide them (click again to show "
        "them): attention can no longer reach them and the starting state leaves them out."
    )
    grid = st.container()  # drawn once the hidden cells are known, above the list of them
    hidden = st.multiselect(
        "Hidden cells",
        REGIONS,
        key="captioning_hide",
        bind=ui.LINK,
        placeholder="None: the decoder sees everything",
    )
    hidden = sorted(hidden, key=REGIONS.index)  # in grid order, however they were picked
    chart_key = f"captioning_grid_{st.session_state.setdefault('captioning_grid_clicks', 0)}"
    grid.vega_lite_chart(
        charts.region_grid(image, hidden, GRID),
        width="content",
        key=chart_key,
        on_select=functools.partial(toggle_region, chart_key),
        selection_mode=charts.REGION,
    )
    prefix = st.text_input(
        "…the caption had to start with",
        key="captioning_prefix",
        bind=ui.LINK,
        max_chars=MAX_PREFIX,
        placeholder="e.g. a dog",
        help="These words are written first, whatever the model thinks; it goes on from there.",
    )
    st.button("Back to the model's own caption", on_click=show_everything, disabled=not (hidden or prefix))
    return hidden, prefix


def whatif_result(model, picture, beam_size, max_length, prefix: str, hide: tuple):
    """The caption with `hide` and `prefix` applied; None if there is no what-if, or (after a message)
    if it cannot be made."""
    if not hide and not prefix.strip():
        return None
    if len(prefix) > MAX_PREFIX:
        st.warning(f"The beginning is {len(prefix):,} characters long; write at most {MAX_PREFIX}.")
        return None
    try:
        return analyze(model, picture, beam_size, max_length, prefix, hide)
    except ValueError as error:  # an unknown or too long beginning, every cell hidden
        st.warning(str(error))
        return None


def whatif_title(hidden: list[str], prefix: str) -> str:
    parts = []
    if hidden:
        parts.append(f"{', '.join(hidden)} hidden" if len(hidden) <= 4 else f"{len(hidden)} cells hidden")
    if prefix.strip():
        parts.append(f"starting “{' '.join(caption_words(prefix))}”")
    return "What if: " + ", ".join(parts)


def caption_ui(result, title: str, baseline=None) -> None:
    """The caption, its score (against the baseline's, if given) and each word's probability."""
    st.markdown(f"**{title}**")
    st.markdown(f"### {readable_text(result.text).capitalize() or '(no words)'}")
    score = result.candidates[0][1]
    delta = None if baseline is None else f"{score - baseline.candidates[0][1]:+.2f}"
    st.metric(
        "score",
        f"{score:.2f}",
        delta=delta,
        help="The mean log-probability of its words: closer to 0 is what the model finds likelier.",
    )
    st.html(charts.token_strip([readable(t) for t in result.tokens], result.probabilities))


def captions_ui(before, after, hidden: list[str], prefix: str, hide: tuple) -> None:
    if after is None:
        caption_ui(before, "The model's caption")
        st.caption("Each word shaded by the probability the decoder gave it (hover for the value).")
        st.info(
            "Try a what-if: click cells of the picture to hide them, type how the caption must start, "
            "or choose another word under *Word by word*; both captions then show side by side."
        )
        return
    own, changed = st.columns(2)
    with own:
        caption_ui(before, "The model's own caption")
    with changed:
        caption_ui(after, whatif_title(hidden, prefix), baseline=before)
        forced = len(caption_words(prefix))
        if forced:
            given = "word was" if forced == 1 else f"{forced} words were"
            st.caption(f"The first {given} given; the model wrote the rest.")
    if before.tokens and after.tokens:
        st.markdown("**Where it looked, over the whole caption**")
        own, changed, gained = st.columns(3)
        own.image(
            framed(pictures.caption_overlay(before.image, before.attention), hide), caption="own caption"
        )
        changed.image(framed(pictures.caption_overlay(after.image, after.attention), hide), caption="what if")
        moved = pictures.attention_gained(after.image, before.attention, after.attention)
        gained.image(framed(moved, hide), caption="where attention moved to")
        st.caption(
            "Bright: the most attention, averaged over the caption's words. Hidden cells framed in red."
        )


def choose_beginning(prefix: str) -> None:
    st.session_state["captioning_prefix"] = prefix


def alternatives_ui(result, index: int) -> None:
    """The five likeliest words at step `index`; choosing one writes the caption again from there."""
    st.markdown("**The five likeliest words here**")
    written = result.tokens[:index]
    for rank, (word, probability) in enumerate(result.alternatives[index]):
        chosen, special = word == result.tokens[index], word in READABLE
        if chosen:
            note = "The word the caption has here."
        elif special:
            note = (
                f"The model's one token for every word too rare in its training captions: it cannot "
                f"say which word it means, so captions never contain {READABLE[SPECIALS[UNK]]} or another "
                "bracketed token."
            )
        else:
            note = f"Write the caption again, starting “{' '.join([*written, word])}”."
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


def word_ui(result, hide: tuple, whatif: bool) -> None:
    st.subheader("Word by word")
    st.caption(
        f"The {'what-if ' if whatif else ''}caption, one word at a time. Before each word the decoder "
        "weighs the 7×7 regions (attention, each map sums to 1); connectivity shows which regions' "
        "features would most change that word's probability. The two often differ."
    )
    if not result.tokens:
        st.info("The caption is empty: there is no word to show.")
        return
    words = [readable(token) for token in result.tokens]
    if st.session_state.get("captioning_word", 0) >= len(words):
        del st.session_state["captioning_word"]  # a shorter caption than the last one
    index = st.select_slider(
        "Word", range(len(words)), format_func=lambda i: f"{i + 1}. {words[i]}", key="captioning_word"
    )
    attention, connectivity, alternatives = st.columns(3)
    attention.image(
        framed(pictures.attention_overlay(result.image, result.attention[index]), hide),
        caption=f"attention before writing “{words[index]}”: where it looked",
        width="stretch",
    )
    connectivity.image(
        framed(pictures.attention_overlay(result.image, result.connectivity[index]), hide),
        caption=f"connectivity of “{words[index]}”: what its probability depends on",
        width="stretch",
    )
    with alternatives:
        alternatives_ui(result, index)
    st.caption("Attention before every word:")
    for start in range(0, len(words), 8):
        for column, i in zip(st.columns(8), range(start, min(start + 8, len(words)))):
            column.image(pictures.attention_overlay(result.image, result.attention[i]), caption=words[i])


def states_ui(result) -> None:
    st.subheader("Decoder states")
    st.caption(
        "The decoder's state at each step, unit by unit: it starts from the image and changes as each "
        "word is written. Columns are labelled with the word written at that step."
    )
    names = sorted(result.states, key=lambda name: name != "h")
    left, right = st.columns(2)
    name = left.selectbox("State", names, format_func=state_label, key="captioning_state")
    order = right.selectbox("Order units by", UNIT_ORDERS, key="captioning_order")
    values = result.states[name]
    chart = charts.heatmap(
        values,
        [readable(token) for token in result.tokens],
        domain=state_domain(name, values),
        order=order,
        title=state_label(name),
        x_title="step (word written)",
    )
    st.vega_lite_chart(chart, width="stretch")


def download_ui(result, stem: str) -> None:
    st.subheader("Keep the analysis")
    st.caption(
        "The words with their probabilities, each word's attention and connectivity over the regions "
        "(named as on the grid) and every traced state of the decoder."
    )
    arrays = {
        "probability": np.array(result.probabilities),
        "attention": result.attention,
        "connectivity": result.connectivity,
        **{f"state.{name}": values for name, values in result.states.items()},
    }
    downloads.download_ui(stem, result.tokens, arrays, {"attention": REGIONS, "connectivity": REGIONS})


navigation.setup(__file__)
st.title(":material/image: Captioning: one to many")
st.markdown(
    "A CNN pretrained on ImageNet reads the image **once** into a 7×7 grid of region features. "
    "The decoder's state starts from that image and then **unfolds through time**: at every step it "
    "looks at some regions (attention), takes the word it wrote last, updates its state and writes "
    "the next word. One input, many outputs. Hide regions or force words to see what changes."
)
model_column, decoding_column = st.columns([1, 2])
with model_column:
    name, model = model_ui()
with decoding_column:
    beam_size, max_length = decoding_ui()
st.info(knowledge(name), icon=":material/school:")
picture, photo = input_ui()
if picture is None:
    st.info("Choose a photo to caption.")
    st.stop()
try:
    before = analyze(model, picture, beam_size, max_length)
except ImageError as error:
    st.warning(str(error))
    st.stop()
controls, captions = st.columns([2, 3], gap="large")
with controls:
    hidden, prefix = whatif_ui(before.image)
hide = tuple(region_cell(cell) for cell in hidden)
with captions:
    after = whatif_result(model, picture, beam_size, max_length, prefix, hide)
    captions_ui(before, after, hidden, prefix, hide)
    with st.expander("The final beam"):
        ui.beam_ui(
            [(readable_text(text), score) for text, score in (after or before).candidates], "caption", "word"
        )
result = after or before
word_ui(result, hide, after is not None)
if result.tokens:
    states_ui(result)
    download_ui(result, f"caption-{photo or 'photo'}".lower().replace(" ", "-"))
