"""Every chart the pages draw on first opening is valid Vega-Lite. The app converts its charts without
Altair's validation (it cost every new input tens of milliseconds of the server): this test does it."""

import json

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from tests.conftest import ROOT, open_page


def test_every_chart_the_pages_draw_is_valid_vega_lite(monkeypatch, atlas_checkpoints):
    schema, checked = load_schema(), 0
    for page in sorted((ROOT / "pages").glob("*.py")):
        at = open_page(monkeypatch, atlas_checkpoints, str(page.relative_to(ROOT)))
        assert not at.exception, page.name
        for chart in at.get("vega_lite_chart"):
            validate_jsonschema(json.loads(chart.proto.spec), schema)
            checked += 1
    assert checked >= 20  # the heatmaps, traces, curves and grids of nine pages


def test_an_invalid_chart_is_caught():
    with pytest.raises(Exception, match="not of type"):
        validate_jsonschema({"mark": "rect", "encoding": {"x": {"field": 3}}}, load_schema())
