"""Property-based tests: arbitrary text and arbitrary bytes get a result or a clear error, never a crash."""

import io

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models import images
from tests.conftest import picture, tiny_captioning, tiny_sentiment, tiny_translation

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SENTIMENT, TRANSLATION, CAPTIONING = tiny_sentiment(pool_last=True), tiny_translation(), tiny_captioning()


def result_or_clear_error(function, argument):
    """function(argument), or None when it refused with a one-line ValueError (the predictors' way)."""
    try:
        return function(argument)
    except ValueError as error:
        assert str(error) and "\n" not in str(error)
        return None


@SETTINGS
@given(st.text(max_size=300))
def test_sentiment_takes_any_unicode(text):
    result = result_or_clear_error(SENTIMENT.analyze, text)
    if result is not None:
        assert 0 <= result.positive <= 1 and len(result.tokens) == len(result.step_positive)
        assert SENTIMENT.predict([text])[0] == pytest.approx(result.positive, abs=1e-5)


@SETTINGS
@given(st.text(max_size=200))
@example("\x1b")  # sentencepiece drops control characters: no pieces at all
def test_translation_takes_any_unicode(text):
    result = result_or_clear_error(lambda t: TRANSLATION.analyze(t, beam_size=2), text)
    if result is not None:
        assert result.attention.shape == (len(result.target_tokens), len(result.source_tokens))
        assert isinstance(TRANSLATION.translate([text], beam_size=2)[0], str)


@SETTINGS
@given(st.binary(max_size=4096))
def test_any_bytes_open_as_an_image_or_say_why(data):
    try:
        image = images.open_image(data)
    except images.ImageError as error:
        assert str(error)
    else:
        assert image.size == (images.SIZE, images.SIZE) and image.mode == "RGB"


def png_header() -> bytes:
    buffer = io.BytesIO()
    picture("red").save(buffer, format="PNG")
    return buffer.getvalue()[:40]


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=2048))
def test_a_real_header_with_random_data_is_captioned_or_explained(tail):
    try:
        assert isinstance(CAPTIONING.caption([png_header() + tail], beam_size=2)[0], str)
    except images.ImageError as error:
        assert "damaged" in str(error) or "not an image" in str(error)
