"""The captioning model: features, one decoder step for training and decoding, every kind of image."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from models import images, vision
from models.search import beam_search, greedy
from models.text import EOS
from tests.conftest import ROOT, picture, tiny_captioning
from training import pictures

PICTURES = [picture("red"), picture("blue", (30, 90)), picture("green", (200, 20))]


@pytest.fixture(scope="module")
def predictor():
    return tiny_captioning(seed=1)


def test_features_are_a_grid_of_regions(predictor):
    features = predictor.features(PICTURES)
    assert features.shape == (3, vision.GRID * vision.GRID, vision.FEATURE_DIM)
    assert torch.isfinite(features).all()


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@torch.inference_mode()
def test_beam_of_one_is_greedy(cell):
    predictor = tiny_captioning(cell, seed=3)
    attended, state = predictor.model.start(torch.randn(4, 49, vision.FEATURE_DIM))
    step = predictor.model.next_token_function()
    beams = beam_search(step, state, attended, beam_size=1, max_length=8)
    assert [b[0][0] for b in beams] == greedy(step, state, attended, max_length=8)


@pytest.mark.parametrize("beam_size", [1, 3])
def test_batched_captions_equal_one_by_one(predictor, beam_size):
    batched = predictor.caption(PICTURES, beam_size=beam_size)
    assert batched == [predictor.caption([p], beam_size=beam_size)[0] for p in PICTURES]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_analysis_matches_the_caption(cell):
    predictor = tiny_captioning(cell, seed=2)
    result = predictor.analyze(PICTURES[0], beam_size=3)
    assert result.text == predictor.caption([PICTURES[0]], beam_size=3)[0] == " ".join(result.tokens)
    assert result.candidates[0][0] == result.text
    assert result.attention.shape == (len(result.tokens), vision.GRID, vision.GRID)
    np.testing.assert_allclose(result.attention.sum(axis=(1, 2)), 1, atol=1e-5)
    assert all(0 < p <= 1 for p in result.probabilities) and len(result.probabilities) == len(result.tokens)
    assert result.image.shape == (images.SIZE, images.SIZE, 3)
    assert result.connectivity.shape == result.attention.shape and len(result.alternatives) == len(
        result.tokens
    )


@torch.inference_mode()
def test_teacher_forcing_equals_stepping_and_the_trace_equals_the_fused_cell(predictor):
    features = predictor.features(PICTURES[:1])
    words = torch.tensor([[2, 5, 6, 7]])
    logits, attention = predictor.model(features, words)
    attended, state = predictor.model.start(features)
    steps = predictor._teacher_force([5, 6, 7, 3], state, attended)
    torch.testing.assert_close(logits[0], torch.cat([s.logits for s in steps]))
    torch.testing.assert_close(attention[0], torch.cat([s.attention for s in steps]))
    traced = predictor._trace(steps, state)
    fused_h = [s.state[0][0, 0] for s in steps]
    np.testing.assert_allclose(traced["h"], torch.stack(fused_h).numpy(), atol=1e-5)
    assert set(traced) == {"h", "c", "input_gate", "forget_gate", "candidate", "output_gate"}


def encoded(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def exif_rotated() -> bytes:
    """Stored landscape, red on the left; EXIF orientation 6 says: turn it 90 degrees clockwise."""
    image = Image.new("RGB", (80, 40), "blue")
    image.paste("red", (0, 0, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    return encoded(image, "JPEG", exif=exif)


def gif() -> bytes:
    frames = [Image.new("P", (30, 30), 1), Image.new("P", (30, 30), 2)]
    frames[0].putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * 759)
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])


GOOD = {
    "jpeg": lambda: encoded(picture("red"), "JPEG"),
    "png": lambda: encoded(picture("red"), "PNG"),
    "webp": lambda: encoded(picture("red"), "WEBP"),
    "gif, first frame": gif,
    "grayscale": lambda: encoded(picture("red").convert("L"), "PNG"),
    "rgba": lambda: encoded(Image.new("RGBA", (20, 20), (255, 0, 0, 0)), "PNG"),
    "cmyk": lambda: encoded(picture("red").convert("CMYK"), "JPEG"),
    "16-bit": lambda: encoded(Image.fromarray(np.full((20, 20), 65535, np.uint16)), "PNG"),
    "exif-rotated": exif_rotated,
    "1x1": lambda: encoded(Image.new("RGB", (1, 1), "red"), "PNG"),
    "panoramic": lambda: encoded(Image.new("RGB", (6000, 50), "red"), "JPEG"),
}


@pytest.mark.parametrize("name", GOOD)
def test_every_kind_of_image_opens_as_224_rgb(name):
    image = images.open_image(GOOD[name]())
    assert image.mode == "RGB" and image.size == (images.SIZE, images.SIZE)


def test_transparency_is_white_and_16_bit_is_scaled():
    assert images.open_image(GOOD["rgba"]()).getpixel((5, 5)) == (255, 255, 255)
    assert images.open_image(GOOD["16-bit"]()).getpixel((5, 5)) == (255, 255, 255)
    assert images.open_image(GOOD["gif, first frame"]()).getpixel((5, 5)) == (255, 0, 0)


def test_exif_orientation_is_applied():
    upright = np.asarray(images.open_image(exif_rotated()))
    assert upright[20, 112, 0] > 200 and upright[200, 112, 2] > 200  # red on top, blue below


def test_a_huge_photo_opens():
    assert images.open_image(encoded(Image.new("RGB", (8000, 8000), "red"), "JPEG")).size == (224, 224)


@pytest.mark.parametrize(
    "data, message",
    [
        (lambda: b"", "not an image"),
        (lambda: b"%PDF-1.4 this is a document", "not an image"),
        (lambda: GOOD["jpeg"]()[:400], "damaged or incomplete"),
        (lambda: encoded(Image.new("1", (9000, 9000)), "PNG"), "largest accepted is 8192x8192"),
        (lambda: encoded(Image.new("1", (20000, 20000)), "PNG"), "too large|largest accepted"),
    ],
    ids=["empty", "not an image", "truncated", "too many pixels", "decompression bomb"],
)
def test_bad_files_get_a_clear_message(data, message):
    with pytest.raises(images.ImageError, match=message):
        images.open_image(data())


def test_checkpoint_round_trip_keeps_the_captions(predictor, tmp_path):
    from models import checkpoint, load

    path = tmp_path / "captioning.pt"
    checkpoint.save(path, {**predictor.to_checkpoint(), "train": {}, "metrics": {}})
    loaded = load(path, "captioning")
    assert loaded.caption(PICTURES, beam_size=2) == predictor.caption(PICTURES, beam_size=2)


def test_an_empty_caption_is_a_result_too():
    predictor = tiny_captioning(seed=5)
    with torch.no_grad():
        predictor.model.output_bias[EOS] = 100.0  # the decoder stops at once
    result = predictor.analyze(PICTURES[0], beam_size=2)
    assert result.text == "" and result.tokens == [] and result.states == {}
    assert result.attention.shape == result.connectivity.shape == (0, vision.GRID, vision.GRID)
    assert result.alternatives == [] and result.probabilities == []


@pytest.mark.parametrize("name", ["camera.jpg", "astronaut.jpg"])
def test_training_reads_a_photo_as_the_app_does(name):
    """torchvision's path in training and PIL's in the app give the encoder the same picture."""
    path = ROOT / "assets" / "gallery" / name
    trained = pictures.encoder_input(path)
    served = images.pixels([images.open_image(path)])[0]
    assert trained.shape == served.shape == (3, images.SIZE, images.SIZE)
    assert (trained - served).abs().mean() < 0.02
