"""Captioning page (one to many): one image in, a sentence out, and where the decoder looks per word."""

from pathlib import Path

import streamlit as st

import ui
from models.images import FORMATS, ImageError
from ui import charts, navigation

GALLERY = Path(__file__).resolve().parents[1] / "assets" / "gallery"
PHOTOS = {
    "Cat": "cat.jpg",
    "Coffee": "coffee.jpg",
    "Astronaut": "astronaut.jpg",
    "Photographer": "camera.jpg",
    "Rocket launch": "rocket.jpg",
    "Grace Hopper": "hopper.jpg",
}
SOURCES = ("Sample photos", "Upload", "Camera")


@st.cache_data(max_entries=16, show_spinner="Looking at the image…")
def analyze(picture: bytes, beam_size: int, max_length: int, _model, model_id: int):
    return _model.analyze(picture, beam_size=beam_size, max_length=max_length)


def input_ui() -> tuple[bytes | None, int, int]:
    """The chosen image's file bytes (None until there is one), beam size and maximum length."""
    source = st.segmented_control("Image", SOURCES, default=SOURCES[0], key="captioning_source")
    picture = None
    if source == "Upload":
        upload = st.file_uploader(
            f"A photo ({FORMATS})", type=["jpg", "jpeg", "png", "webp", "gif"], key="captioning_upload"
        )
        picture = upload.getvalue() if upload else None
    elif source == "Camera":
        shot = st.camera_input("Take a photo", key="captioning_camera")
        picture = shot.getvalue() if shot else None
    else:
        name = st.pills("Sample photo", list(PHOTOS), default="Cat", key="captioning_photo")
        picture = (GALLERY / PHOTOS[name]).read_bytes() if name else None
        st.caption(
            "Public-domain and CC0 photos from scikit-image and matplotlib (assets/gallery/README.md)."
        )
    left, right = st.columns(2)
    beam_size = left.slider("Beam size", 1, 8, 3, key="captioning_beam", help="1 is greedy decoding.")
    max_length = right.slider("Maximum length (words)", 3, 30, 20, key="captioning_max_length")
    return picture, beam_size, max_length


def caption_ui(result) -> None:
    st.markdown(f"### {result.text.capitalize() or '(no words)'}")
    st.caption(
        "Each word shaded by the probability the decoder gave it when it chose it (hover for the value)."
    )
    st.html(charts.token_strip(result.tokens, result.probabilities))


def attention_ui(result) -> None:
    st.subheader("Where it looks, word by word")
    st.caption(
        "Before each word the decoder weighs the 7×7 grid of image regions the CNN produced; bright "
        "regions got the most weight. The weights of every map sum to 1."
    )
    if not result.tokens:
        st.info("The caption is empty: there is no word to show attention for.")
        return
    options = list(range(len(result.tokens)))
    index = st.select_slider(
        "Word", options, format_func=lambda i: f"{i + 1}. {result.tokens[i]}", key="captioning_word"
    )
    picture, thumbnails = st.columns([2, 3])
    overlay = charts.attention_overlay(result.image, result.attention[index])
    picture.image(overlay, caption=f"before writing “{result.tokens[index]}”", width="stretch")
    with thumbnails:
        for start in range(0, len(options), 6):
            for column, i in zip(st.columns(6), options[start : start + 6]):
                column.image(
                    charts.attention_overlay(result.image, result.attention[i]), caption=result.tokens[i]
                )


def states_ui(result) -> None:
    if not result.tokens:
        return
    st.subheader("Decoder states")
    st.caption(
        "The decoder's state at each step, unit by unit: it starts from the image and changes as each "
        "word is written. Columns are labelled with the word written at that step."
    )
    names = sorted(result.states, key=lambda name: name != "h")
    left, right = st.columns(2)
    name = left.selectbox("State", names, key="captioning_state")
    order = right.selectbox("Order units by", charts.UNIT_ORDERS, key="captioning_order")
    values = result.states[name]
    chart = charts.heatmap(
        values,
        result.tokens,
        domain=charts.state_domain(name, values),
        order=order,
        title=name,
        x_title="step (word written)",
    )
    st.altair_chart(chart, width="stretch")


navigation.setup(__file__)
st.title(":material/image: Captioning: one to many")
st.markdown(
    "A CNN pretrained on ImageNet reads the image **once** into a 7×7 grid of region features. "
    "The decoder's state starts from that image and then **unfolds through time**: at every step it "
    "looks at some regions (attention), takes the word it wrote last, updates its state and writes "
    "the next word. One input, many outputs. It learned from Flickr8k's 6,000 photos, mostly people "
    "and dogs outdoors: other subjects get described with the words it knows."
)
model = ui.load_model("captioning", "captioning")
picture, beam_size, max_length = input_ui()
if picture is not None:
    try:
        result = analyze(picture, beam_size, max_length, model, id(model))
    except ImageError as error:
        st.warning(str(error))
        st.stop()
    image_column, caption_column = st.columns([1, 2])
    image_column.image(result.image, caption="what the encoder sees (224×224)", width="stretch")
    with caption_column:
        caption_ui(result)
        ui.beam_ui(result.candidates, "caption", "word")
    attention_ui(result)
    states_ui(result)
