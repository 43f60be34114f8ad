"""What every page shares: the sectioned navigation, and the benchmark's interaction per page."""

import pytest

import bench.app
from tests.conftest import open_page
from ui.navigation import PAGES


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path or "home")
def test_every_page_draws_the_sectioned_navigation(monkeypatch, fixture_checkpoints, page):
    at = open_page(monkeypatch, fixture_checkpoints, page.path)
    assert not at.exception, at.exception
    sections = [caption.value for caption in at.sidebar.caption]
    assert sections == ["Unfold", "Structures", "Inside an RNN"]
    links = [link.proto.label for link in at.sidebar.get("page_link")]
    assert links == [page.title for page in PAGES]


def test_bench_knows_what_to_do_on_every_page():
    assert set(bench.app.INTERACTIONS) == set(bench.app.PATHS)
