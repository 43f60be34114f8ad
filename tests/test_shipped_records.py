"""The shipped sentiment models' training records: they end at the shipped weights, their units rise,
and their cartography holds when measured again."""

import numpy as np
import pytest

import models
from models import registry
from tests.conftest import ROOT

SHIPPED = [ROOT / "checkpoints" / f"{m.name}.pt" for m in registry.shipped("sentiment")]


@pytest.fixture(scope="module", params=SHIPPED, ids=lambda p: p.stem)
def shipped(request):
    model = models.load(request.param)
    assert model.dynamics is not None, f"{request.param.name} has no training record: retrain it"
    return model


def test_the_last_point_reproduces_the_shipped_model(shipped):
    record, last = shipped.dynamics, len(shipped.dynamics.steps) - 1
    assert len(record.steps) >= 12 and record.steps[0] == 0
    for i, text in enumerate(record.texts):
        analysis = shipped.analyze(text)
        assert np.allclose(record.trace(last, i), analysis.step_positive, atol=2e-3)
        assert np.allclose(record.states(last, i), analysis.states["layer0.forward.h"], atol=5e-3)


def test_the_best_unit_forms_during_training(shipped):
    auc = shipped.dynamics.unit_auc
    assert auc[-1].max() >= 0.8 and auc[-1].max() - auc[0].max() >= 0.1
    assert int(np.argmax(auc[-1])) == shipped.atlas.units("layer0.forward.h")[0].index


def test_cartography_is_truthful_when_measured_again(shipped):
    cartography = shipped.dynamics.cartography
    assert len(cartography.text) >= 4000
    regions = cartography.regions()
    for region, low, high in (("hard", 0.0, 0.3), ("easy", 0.97, 1.0)):
        indices = np.flatnonzero(regions == region)
        positive = np.array(shipped.predict([cartography.text[i] for i in indices]))
        right = ((positive >= 0.5) == (cartography.label[indices] == 1)).mean()
        assert len(indices) >= 10 and low <= right <= high, (region, len(indices), right)
