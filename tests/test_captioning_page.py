"""The captioning page through AppTest: a photo captioned, uploads, the what-if (hidden cells, forced
beginnings, alternatives), links, rare words, the downloads and a missing checkpoint."""

import io
import json
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import torch
from streamlit.testing.v1 import AppTest

from models import checkpoint
from tests.conftest import (
    ROOT,
    app,
    open_page,
    picture,
    tiny_captioning,
    without_checkpoint,
    write_captioning_data,
)
from training import captioning
from ui import downloads, pictures

PAGE = "pages/captioning.py"


def captions(at: AppTest) -> list[str]:
    """The captions on the page: the model's own, then the what-if one."""
    return [m.value.removeprefix("### ") for m in at.markdown if m.value.startswith("### ")]


def whatif_title(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**What if:"))


def test_first_view_is_the_photographer_with_what_the_model_knows(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, PAGE)
    assert not at.exception
    assert at.get("button_group")[1].value == "Photographer"
    assert len(captions(at)) == 1 and "Try a what-if" in at.info[-1].value
    assert "training captions" in at.info[0].value  # what the model knows, above the gallery
    grid = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert grid["params"][0]["name"] == "region" and len(grid["layer"]) == 3


def test_hiding_cells_shows_both_captions_and_darkens_the_cells(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, PAGE)
    at.multiselect(key="captioning_hide").set_value(["C3", "B3"]).run()
    assert not at.exception
    assert len(captions(at)) == 2 and whatif_title(at) == "**What if: B3, C3 hidden**"
    assert [metric.label for metric in at.metric] == ["score", "score"] and at.metric[1].delta
    frames = [
        pa.ipc.open_stream(d.data.data).read_all().to_pandas()
        for d in at.get("vega_lite_chart")[0].proto.datasets
    ]
    cells = next(frame for frame in frames if "hidden" in frame)
    assert cells.loc[cells["hidden"], "region"].tolist() == ["B3", "C3"]  # dark on the picture
    at.button[0].click().run()  # back to the model's own caption
    assert len(captions(at)) == 1 and at.multiselect(key="captioning_hide").value == []


def test_a_forced_beginning_is_written_first(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, PAGE)
    at.text_input(key="captioning_prefix").set_value("A blue,").run()
    assert not at.exception
    assert captions(at)[1].lower().startswith("a blue ")
    assert whatif_title(at) == "**What if: starting “a blue”**"
    assert any("first 2 words were given" in caption.value for caption in at.caption)
    at.text_input(key="captioning_prefix").set_value("a zebra").run()
    assert "'zebra' is not among" in at.warning[0].value and len(captions(at)) == 1


def test_choosing_an_alternative_decodes_again_from_there(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, PAGE)
    own = captions(at)[0].lower().split()
    at.select_slider(key="captioning_word").set_value(2).run()
    options = [b for b in at.button if (b.key or "").startswith("captioning_alternative_")]
    assert len(options) == 5 and sum(b.disabled for b in options) >= 1  # the caption's own word
    choice = next(b for b in options if not b.disabled)
    word = choice.label.split(" · ")[0]
    choice.click().run()
    assert not at.exception
    assert at.text_input(key="captioning_prefix").value == " ".join([*own[:2], word])
    assert captions(at)[1].lower().split()[:3] == [*own[:2], word]
    assert at.select_slider(key="captioning_word").value == 2  # still on the step that changed


def test_a_link_reopens_the_same_analysis(monkeypatch, fixture_checkpoints):
    at = app(monkeypatch, fixture_checkpoints)
    link = {
        "captioning_photo": "Coffee",
        "captioning_beam": "1",
        "captioning_hide": ["A1", "B2", "Z9", "A1"],
        "captioning_prefix": "a red",
    }
    at.query_params.update(link)
    at.run().switch_page(PAGE).run()
    assert not at.exception
    assert at.get("button_group")[1].value == "Coffee" and at.slider(key="captioning_beam").value == 1
    assert at.multiselect(key="captioning_hide").value == ["A1", "B2"]
    assert whatif_title(at) == "**What if: A1, B2 hidden, starting “a red”**"


def test_nonsense_in_a_link_falls_back_to_the_defaults(monkeypatch, fixture_checkpoints):
    at = app(monkeypatch, fixture_checkpoints)
    nonsense = {"captioning_photo": "../../etc/passwd", "captioning_beam": "1e9", "captioning_model": "nope"}
    at.query_params.update({**nonsense, "captioning_max_length": "-5", "captioning_source": "Fax"})
    at.run().switch_page(PAGE).run()
    assert not at.exception
    assert at.get("button_group")[1].value == "Photographer" and at.slider(key="captioning_beam").value == 3
    assert at.slider(key="captioning_max_length").value == 20
    assert at.selectbox(key="captioning_model").value == "captioning"


def test_an_upload_says_that_it_cannot_go_into_a_link(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, PAGE)
    at.get("button_group")[0].set_value("Upload").run()
    assert any("not your photo" in caption.value for caption in at.caption)
    assert "Choose a photo" in at.info[-1].value
    image = (ROOT / "assets" / "gallery" / "coffee.jpg").read_bytes()
    at.file_uploader(key="captioning_upload").upload("coffee.jpg", image, "image/jpeg").run()
    assert not at.exception and len(captions(at)) == 1


def test_hiding_every_cell_is_a_message(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, PAGE)
    at.multiselect(key="captioning_hide").set_value(at.multiselect(key="captioning_hide").options).run()
    assert not at.exception and "All 49 regions are hidden" in at.warning[0].value


def test_a_shorter_caption_moves_the_word_back_to_one_it_has(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, PAGE)
    at.select_slider(key="captioning_word").set_value(len(captions(at)[0].split()) - 1).run()
    at.slider(key="captioning_max_length").set_value(3).run()
    assert not at.exception and at.select_slider(key="captioning_word").value == 0


def rare_word_model(folder):
    """A captioner that writes <unk> at every step: its output bias favours it."""
    predictor = tiny_captioning()
    with torch.no_grad():
        predictor.model.output_bias[predictor.vocab.index["<unk>"]] = 10.0
    checkpoint.save(folder / "captioning.pt", {**predictor.to_checkpoint(), "train": {}, "metrics": {}})
    return folder


def test_rare_words_are_never_written_and_are_named_for_people(monkeypatch, tmp_path):
    at = open_page(monkeypatch, rare_word_model(tmp_path), PAGE)
    assert not at.exception
    assert captions(at)[0] and "[a rare word]" not in captions(at)[0]  # the likeliest token, never chosen
    shown = [m.value for m in [*at.markdown, *at.caption, *at.html]] + [b.label for b in at.button]
    shown += list(at.select_slider(key="captioning_word").options)
    assert not any("<unk>" in text for text in shown)
    rare = next(b for b in at.button if b.label.startswith("[a rare word]"))  # first among the alternatives
    assert rare.disabled and "too rare" in rare.help


def test_a_model_trained_on_your_own_photos_is_offered(monkeypatch, tmp_path, fixture_checkpoints):
    """README's recipe: a Flickr8k-shaped folder, trained into checkpoints/<name>.pt, then the page."""
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    for name in ("captioning.pt", "sentiment.pt"):
        shutil.copy(fixture_checkpoints / name, folder)
    photos = write_captioning_data(tmp_path).rename(tmp_path / "my-photos")
    small = ["--embedding-dim", "8", "--decoder-dim", "8", "--attention-dim", "4", "--min-count", "1"]
    out = ["--out", str(folder / "my-photos.pt"), "--cache-dir", str(tmp_path / "cache")]
    captioning.main(["--data", str(photos), *out, *small, "--max-steps", "1", "--beam-size", "1"])
    at = open_page(monkeypatch, folder, PAGE)
    assert at.selectbox(key="captioning_model").options == ["captioning", "my-photos"]
    at.selectbox(key="captioning_model").set_value("my-photos").run()
    assert not at.exception and len(captions(at)) == 1
    assert str(photos) in at.info[0].value


def captioning_page(monkeypatch, folder) -> AppTest:
    return open_page(monkeypatch, folder, PAGE)


def test_captioning_page_captions_a_sample_photo(monkeypatch, fixture_checkpoints):
    at = captioning_page(monkeypatch, fixture_checkpoints)
    assert not at.exception
    caption = next(m.value for m in at.markdown if m.value.startswith("### "))
    words = at.select_slider(key="captioning_word").options
    assert len(words) == len(caption.split()) - 1 and len(at.image) == 2 + len(words)
    assert "<span" in at.html[0].value  # the words, shaded by probability
    chart = json.loads(at.get("vega_lite_chart")[1].proto.spec)  # after the picture's grid of cells
    assert chart["params"][0]["value"] == "h" and chart["encoding"]["x"]["title"] == "step (word written)"
    assert '"forget_gate" ? "forget gate f_t"' in chart["title"]["text"]["expr"]  # chosen in the browser
    at.get("button_group")[1].set_value("Rocket launch").run()
    assert not at.exception and at.dataframe[0].value.columns.tolist() == ["caption", "score"]


def test_captioning_page_takes_an_upload_and_explains_a_bad_one(monkeypatch, fixture_checkpoints):
    at = captioning_page(monkeypatch, fixture_checkpoints)
    at.get("button_group")[0].set_value("Upload").run()
    assert not any(m.value.startswith("### ") for m in at.markdown)  # nothing uploaded yet
    image = (ROOT / "assets" / "gallery" / "coffee.jpg").read_bytes()
    at.file_uploader(key="captioning_upload").upload("coffee.jpg", image, "image/jpeg").run()
    assert not at.exception and any(m.value.startswith("### ") for m in at.markdown)
    at = captioning_page(monkeypatch, fixture_checkpoints)
    at.get("button_group")[0].set_value("Upload").run()
    at.file_uploader(key="captioning_upload").upload("fake.png", b"not really a png", "image/png").run()
    assert not at.exception
    assert "not an image" in at.warning[0].value


def test_captioning_page_without_checkpoint_shows_the_fix(monkeypatch, tmp_path):
    assert "make train-captioning" in without_checkpoint(monkeypatch, tmp_path, PAGE)


def test_the_downloads_hold_every_step():
    result = tiny_captioning(seed=2).analyze(picture("red"), beam_size=2, hide=[(0, 0)])
    arrays = {"attention": result.attention, **{f"state.{k}": v for k, v in result.states.items()}}
    saved = np.load(io.BytesIO(downloads.as_npz(result.tokens, arrays)), allow_pickle=False)
    assert list(saved["tokens"]) == result.tokens
    assert np.array_equal(saved["attention"], result.attention) and saved["state.h"].shape[0] == len(
        result.tokens
    )
    regions = [f"r{i}" for i in range(49)]
    table = pd.read_csv(io.BytesIO(downloads.as_csv(result.tokens, arrays, {"attention": regions})))
    attention = table[table["quantity"] == "attention"]
    assert len(attention) == 49 * len(result.tokens) and attention["index"].iloc[0] == "r0"
    assert attention.groupby("step")["value"].sum().round(4).eq(1).all()
    assert set(table["quantity"]) == set(arrays)


def test_unmoved_attention_lights_nothing():
    image = np.full((224, 224, 3), 200, np.uint8)
    maps = np.full((3, 7, 7), 1 / 49)
    assert pictures.attention_gained(image, maps, maps).max() == int(200 * pictures.DIMMED)
    moved = maps.copy()
    moved[:, 0, 0], moved[:, 6, 6] = 2 / 49, 0
    lit = pictures.attention_gained(image, maps, moved)
    assert lit[:16, :16].mean() > lit[-16:, -16:].mean()  # lit where attention went: the top left


# What a right caption of each sample photo says: a word of each group (all of them Flickr8k words).
RIGHT_WORDS = {
    "Photographer": [{"man", "person", "photographer"}, {"camera", "picture", "photo", "photograph"}],
    "Coffee": [{"cup", "coffee", "mug"}],
    "Cat": [{"cat", "kitten"}],
    "Astronaut": [{"woman", "person", "lady"}],
    "Rocket launch": [{"rocket"}],
    "Grace Hopper": [{"woman", "person", "lady"}],
}


def says_right(caption: str, photo: str) -> bool:
    words = set(caption.lower().split())
    return all(words & group for group in RIGHT_WORDS[photo])


def test_the_page_opens_on_a_photo_the_shipped_captioner_gets_right(monkeypatch):
    at = open_page(monkeypatch, ROOT / "checkpoints", PAGE)
    assert not at.exception
    photo = at.get("button_group")[1].value
    (caption,) = captions(at)
    assert says_right(caption, photo), (photo, caption)


def test_the_korean_page_writes_the_same_caption(monkeypatch, fixture_checkpoints):
    english = captions(open_page(monkeypatch, fixture_checkpoints, PAGE))
    at = app(monkeypatch, fixture_checkpoints)
    at.query_params["lang"] = "ko"
    at.run().switch_page(PAGE).run()
    assert not at.exception
    assert "단어별로 보기" in [subheader.value for subheader in at.subheader]
    assert captions(at) == english  # an English caption, whatever the language
    photos = at.get("button_group")[1]
    assert photos.value == "Photographer" and "사진가" in [option.content for option in photos.proto.options]
