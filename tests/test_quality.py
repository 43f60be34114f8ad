"""The shipped checkpoint still scores what its card says, on the real validation data."""

import pytest
import torch

import models
from tests.conftest import ROOT, SHARED_DATA
from training import data
from training.captioning import caption_metrics
from training.sentiment import accuracy
from training.translation import bleu

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent")
EVERYDAY_BAR = 32  # cased BLEU, greedy, first 500 validation pairs of Tatoeba (the issue asked 32 at beam 5)


@pytest.fixture(scope="module")
def shipped():
    return models.load(ROOT / "checkpoints" / "sentiment.pt")


def test_sst2_dev_accuracy_is_the_recorded_one_and_meets_the_bar(shipped):
    rows = data.load_sentiment(str(SHARED_DATA / "sst2"))["validation"]
    measured = accuracy(shipped, rows)["accuracy"]
    assert measured == pytest.approx(shipped.info["metrics"]["sst2"]["accuracy"], abs=0.005)
    assert measured >= 0.80


def test_imdb_validation_slice_agrees_and_meets_the_bar(shipped):
    rows = data.load_sentiment(str(SHARED_DATA / "imdb" / "train.csv.gz"))["validation"][:400]
    recorded = shipped.info["metrics"]["imdb"]["accuracy"]  # on all 2,515; a slice of 400 varies by ~0.03
    assert accuracy(shipped, rows)["accuracy"] >= max(recorded, 0.89) - 0.04


@pytest.mark.parametrize("direction, bar", [("de-en", 34), ("en-de", 29)])  # greedy, trained with Tatoeba too
def test_translation_validation_bleu_is_the_recorded_one(direction, bar):
    model = models.load(ROOT / "checkpoints" / f"translation-{direction}.pt", "translation")
    assert model.info["metrics"]["split"] == "validation"
    recorded = model.info["metrics"]["multi30k"]
    assert recorded["sentences"] == 1014
    source, target = direction.split("-")
    pairs = data.load_translation(str(SHARED_DATA / "multi30k"), source, target)["validation"]
    measured = bleu(model, pairs, beam_size=recorded["beam_size"])
    assert measured["bleu"] == pytest.approx(recorded["bleu"], abs=0.5)  # float16 storage moves it slightly
    assert recorded["bleu"] >= bar  # greedy; beam 5 scores higher (model card)


@pytest.mark.parametrize("direction", ["de-en", "en-de"])
def test_translators_know_everyday_sentences(direction):
    model = models.load(ROOT / "checkpoints" / f"translation-{direction}.pt", "translation")
    recorded = model.info["metrics"]["tatoeba_eng_deu"]
    source, target = direction.split("-")
    pairs = data.load_translation(str(SHARED_DATA / "tatoeba_eng_deu"), source, target)["validation"]
    assert recorded["sentences"] == len(pairs)
    measured = bleu(model, pairs[:500], beam_size=1)
    assert measured["bleu"] >= EVERYDAY_BAR  # Multi30k alone scored 1-2 here


def test_captioning_dev_bleu4_is_the_recorded_one():
    model = models.load(ROOT / "checkpoints" / "captioning.pt", "captioning")
    recorded = model.info["metrics"]
    assert recorded["split"] == "validation" and recorded["images"] == 1000 and recorded["beam_size"] == 3
    split = data.load_captioning(str(SHARED_DATA / "flickr8k"))["validation"]
    pictures = [split.image(i) for i in range(len(split.ids))]
    features = torch.cat([model.features(pictures[i : i + 50]) for i in range(0, len(pictures), 50)])
    measured = caption_metrics(model, features, split.captions, beam_size=3)
    assert measured["bleu4"] == pytest.approx(recorded["bleu4"], abs=0.005)  # float16 weights and features
    assert (
        recorded["bleu4"] >= 0.21 and measured["distinct"] == recorded["distinct"] >= 850
    )  # varied captions


def test_the_korean_model_s_nsmc_validation_slice_agrees():
    korean = models.load(ROOT / "checkpoints" / "sentiment-ko.pt")
    rows = data.load_sentiment(str(SHARED_DATA / "nsmc"))["validation"][:1000]
    assert korean.language == "ko"
    assert accuracy(korean, rows)["accuracy"] >= korean.info["metrics"]["nsmc"]["accuracy"] - 0.03
