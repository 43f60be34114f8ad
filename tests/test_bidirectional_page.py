"""The bidirectional page (Inside an RNN) through AppTest: both directions' states."""

import json
import re

from tests.conftest import inside_page


def test_bidirectional_page_shows_both_directions(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "bidirectional")
    titles = [json.loads(c.proto.spec)["title"] for c in at.get("vega_lite_chart")]
    assert titles == ["layer0.forward.h", "layer0.backward.h"]
    full = re.findall(r"background: rgba\([^)]*, 1\.00\)", at.html[0].value)
    assert len(full) == 1  # forward has read only token 1, whatever colour shows it
