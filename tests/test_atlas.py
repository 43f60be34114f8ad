"""The atlas: built and read back without pickle, snippets that re-read to their values, AUC against a
reference, match search, stale and broken files refused."""

import re
import shutil
from itertools import product
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import models
from models.atlas import (
    CONTEXT_AFTER,
    CONTEXT_BEFORE,
    Atlas,
    AtlasError,
    atlas_path,
    count_on,
    reading_window,
    roc_auc,
    saturation,
    units_on,
    verdict_turn,
)
from models.text import token_spans, tokenize
from tests.conftest import ROOT, save_sentiment, tiny_sentiment, write_sentiment_data
from training import atlas as build

SHIPPED = ROOT / "checkpoints" / "sentiment.pt"


def built(folder: Path, name: str, predictor, *extra: str) -> Path:
    """Save `predictor` as folder/<name>.pt, build its atlas over the fixture data; the checkpoint path."""
    (folder / name).mkdir()
    csv, sst = write_sentiment_data(folder / name)
    checkpoint = save_sentiment(folder / f"{name}.pt", predictor)
    build.main([str(checkpoint), "--data", str(csv), str(sst), "--snippets", "5", *extra])
    return checkpoint


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("atlas")
    built(folder, "lstm", tiny_sentiment("lstm", pool_last=True), "--match-tokens", "100000")
    built(folder, "bidirectional", tiny_sentiment("gru", bidirectional=True, num_layers=2))
    return folder


@pytest.fixture(scope="module")
def model(folder):
    return models.load(folder / "lstm.pt")


def test_round_trip_without_pickle(folder, model):
    path = atlas_path(folder / "lstm.pt")
    assert path.name == "lstm.atlas.npz"
    with np.load(path, allow_pickle=False) as file:
        assert all(file[name].dtype != object for name in file.files)
    atlas = model.atlas
    assert atlas is model.atlas  # read once
    assert atlas.states == ["layer0.forward.h", "layer0.forward.c"]
    assert atlas.prefix_states == atlas.states
    assert (
        len(atlas.texts) == len(atlas.labels) == len(atlas.sources) == atlas.means(atlas.states[0]).shape[0]
    )
    assert set(atlas.labels.tolist()) == {0, 1} and set(atlas.sources) == {"imdb", "sst2"}
    for state in atlas.states:
        units = atlas.units(state)
        assert sorted(u.index for u in units) == list(range(6))
        assert [u.auc for u in units] == sorted((u.auc for u in units), reverse=True)
        assert all(0.5 <= u.auc <= 1 and u.sign in (1, -1) for u in units)
        low, high = atlas.value_range(state)
        assert low <= 0 <= atlas.threshold(state) <= high


def test_no_atlas_is_none(tmp_path):
    assert tiny_sentiment().atlas is None  # built in code: no file to look beside
    assert models.load(save_sentiment(tmp_path / "plain.pt", tiny_sentiment())).atlas is None


def test_means_are_the_mean_values_over_each_text(model):
    atlas = model.atlas
    for state in atlas.states:
        expected = np.stack([model.analyze(text).states[state].mean(axis=0) for text in atlas.texts])
        assert np.allclose(atlas.means(state), expected, atol=2e-3)


def test_auc_against_pairwise_reference(model):
    atlas = model.atlas
    labels = atlas.labels.tolist()
    for state in atlas.states:
        means = atlas.means(state).astype(float)
        for unit in atlas.units(state):
            scores = unit.sign * means[:, unit.index]
            positives = [s for s, y in zip(scores, labels) if y == 1]
            negatives = [s for s, y in zip(scores, labels) if y == 0]
            wins = sum((p > n) + 0.5 * (p == n) for p, n in product(positives, negatives))
            assert unit.auc == pytest.approx(wins / (len(positives) * len(negatives)), abs=1e-12)


def test_roc_auc_counts_ties_half():
    scores = np.array([[1.0], [2.0], [2.0], [3.0]])
    assert roc_auc(scores, np.array([0, 0, 1, 1]))[0] == 0.875


@pytest.mark.parametrize("lowest", [False, True])
def test_prefix_rereads_to_the_value(model, lowest):
    atlas = model.atlas
    for state, unit in product(atlas.states, range(6)):
        snippets = atlas.top(unit, state=state, k=10, lowest=lowest)
        assert len(snippets) == 5 and len({s.text_index for s in snippets}) == 5  # one per text
        values = [s.value for s in snippets]
        assert values == sorted(values, reverse=not lowest)
        for snippet in snippets:
            analysis = model.analyze(snippet.prefix)
            assert analysis.tokens == tokenize(snippet.text)[0][: snippet.position + 1]
            assert analysis.states[state][-1, unit] == pytest.approx(snippet.value, abs=1e-5)
            assert snippet.token in snippet.context and snippet.label == atlas.labels[snippet.text_index]


def test_bidirectional_values_reread_from_the_whole_text(folder):
    model = models.load(folder / "bidirectional.pt")
    atlas = model.atlas
    assert len(atlas.states) == 4  # GRU: h of two layers, two directions
    assert atlas.prefix_states == ["layer0.forward.h"]
    for state in atlas.states:
        for snippet in atlas.top(0, state=state, k=3):
            value = model.analyze(snippet.text).states[state][snippet.position, 0]
            assert value == pytest.approx(snippet.value, abs=1e-5)


@pytest.mark.parametrize("threshold", [None, 0.0, 0.05])
def test_match_has_every_requested_unit_on(model, threshold):
    atlas = model.atlas
    for state in atlas.states:
        on = atlas.threshold(state) if threshold is None else threshold
        for units in ([atlas.units(state)[0].index], [0, 1], [2, 3, 5]):
            matches = atlas.match(units, state=state, k=50, threshold=threshold)
            assert len({m.text_index for m in matches}) == len(matches)
            assert [m.others_on for m in matches] == sorted(m.others_on for m in matches)
            for match in matches:
                values = model.analyze(match.prefix).states[state][-1]
                assert all(values[units] > on - 1e-6), (units, values, on)
                assert all(np.array(match.values) <= values[units] + 1e-6)
                assert match.value == min(match.values)
                assert match.others_on <= (values > on).sum() - len(units)


def test_match_finds_a_unit_where_it_is_on(model):
    atlas = model.atlas
    state = atlas.states[0]
    best = atlas.units(state)[0].index
    assert atlas.match([best], state=state, k=3, threshold=0.0)
    assert atlas.match([best, best], state=state, threshold=0.0) == atlas.match(
        [best], state=state, threshold=0.0
    )


def test_match_at_least_ranks_the_most_units_on_first(model):
    atlas = model.atlas
    state = atlas.states[0]
    units = list(range(6))
    matches = atlas.match(units, state=state, k=50, threshold=0.0, at_least=1)
    counts = [match.units_on for match in matches]
    assert matches and counts == sorted(counts, reverse=True)
    for match in matches:
        values = model.analyze(match.prefix).states[state][-1]
        assert sum(value > 0.0 for value in match.values) == match.units_on <= (values[units] > 0.0).sum()
    every = atlas.match(units, state=state, threshold=0.0)
    assert atlas.match(units, state=state, threshold=0.0, at_least=6) == every
    assert all(match.units_on == 6 for match in every)
    with pytest.raises(ValueError, match="1 to 6"):
        atlas.match(units, state=state, at_least=7)


def test_units_on_a_span_and_gate_saturation():
    values = np.array([[0.5, 0.2, -1.0], [0.3, 0.9, 0.95]])
    assert units_on(values, 0.1) == [0, 1]  # unit 0's lowest value (0.3) is the higher
    assert units_on(values, 0.25) == [0]
    gate = np.array([[0.05, 0.5], [0.95, 0.5], [0.99, 0.02], [0.5, 0.5]])
    assert saturation(gate).tolist() == [[0.25, 0.25], [0.5, 0.0]]


def test_count_on_counts_the_pattern_units_above_the_threshold_per_step():
    values = np.array([[0.5, 0.2, -1.0], [0.3, 0.9, 0.95], [0.0, 0.0, 0.0]])
    assert count_on(values, [0, 1], 0.25).tolist() == [1, 2, 0]
    assert count_on(values, [2], 0.25).tolist() == [0, 1, 0]


def test_the_verdict_turns_where_it_moves_most():
    assert verdict_turn([0.5, 0.52, 0.1, 0.15, 0.2]) == (2, 3)  # the drop at token 2, and the next
    assert verdict_turn([0.5, 0.5, 0.9]) == (1, 2)  # at the end: the token before, and it
    assert verdict_turn([0.7]) == (0, 0)


def test_a_snippets_reading_window_is_its_context_as_the_model_reads_it(model):
    snippet = model.atlas.top(0, "layer0.forward.c", k=1)[0]
    tokens, values, marked = reading_window(model, snippet.text, snippet.position, "layer0.forward.c")
    whole = model.analyze(snippet.text)
    start = max(snippet.position - CONTEXT_BEFORE, 0)
    assert tokens[marked] == whole.tokens[snippet.position] and marked == snippet.position - start
    assert len(tokens) <= CONTEXT_BEFORE + 1 + CONTEXT_AFTER and values.shape == (len(tokens), 6)
    np.testing.assert_array_equal(values, whole.states["layer0.forward.c"][start : start + len(tokens)])
    assert values[marked, 0] == pytest.approx(snippet.value, abs=1e-5)
    assert values.base is None  # a copy: a cached window does not keep the whole reading


def test_rank_and_ranking_follow_the_units_auc(model):
    atlas = model.atlas
    units = atlas.units("layer0.forward.c")
    assert [atlas.rank(unit.index, "layer0.forward.c") for unit in units] == list(range(len(units)))
    assert atlas.ranking("layer0.forward.c") == [unit.index for unit in units]
    by_h = [unit.index for unit in atlas.units("layer0.forward.h")]
    assert atlas.ranking("layer0.forward.forget_gate") == by_h  # not in the atlas: its layer's h
    with pytest.raises(ValueError, match="units 0 to 5"):
        atlas.rank(6, "layer0.forward.h")


def test_bad_lookups_are_clear_value_errors(model):
    atlas = model.atlas
    with pytest.raises(ValueError, match="covers layer0.forward.h"):
        atlas.units("layer0.forward.forget_gate")
    with pytest.raises(ValueError, match="units 0 to 5"):
        atlas.top(6, state="layer0.forward.h")
    with pytest.raises(ValueError, match="at least 0"):
        atlas.match([0], state="layer0.forward.h", threshold=-0.1)
    with pytest.raises(ValueError, match="at least one unit"):
        atlas.match([], state="layer0.forward.h")
    with pytest.raises(ValueError, match="at least one snippet"):
        atlas.top(0, state="layer0.forward.h", k=0)


def test_stale_atlas_is_refused_with_the_rebuild_command(folder, tmp_path):
    checkpoint = save_sentiment(tmp_path / "lstm.pt", tiny_sentiment("lstm", pool_last=True, seed=1))
    shutil.copy(atlas_path(folder / "lstm.pt"), atlas_path(checkpoint))
    with pytest.raises(AtlasError, match=re.escape(f"make atlas CHECKPOINT={checkpoint}")):
        _ = models.load(checkpoint).atlas


@pytest.mark.parametrize("content", [b"", b"not a zip file", "pickled"])
def test_unreadable_atlas_is_an_atlas_error(tmp_path, content):
    checkpoint = save_sentiment(tmp_path / "s.pt", tiny_sentiment())
    path = atlas_path(checkpoint)
    if content == "pickled":
        np.savez(path, meta=np.array([{"format_version": 1}], dtype=object))
    else:
        path.write_bytes(content)
    with pytest.raises(AtlasError, match="make atlas"):
        _ = models.load(checkpoint).atlas


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abnt's'’`S <br/>.,!\n")) | st.characters(), max_size=60))
def test_a_prefix_cut_after_a_token_tokenizes_to_the_first_tokens(text):
    tokens = tokenize(text)[0]
    spans = token_spans(text)[0]
    assert len(spans) == len(tokens)
    for k, (_, end) in enumerate(spans):
        assert tokenize(text[:end])[0] == tokens[: k + 1]


@pytest.mark.skipif(not atlas_path(SHIPPED).is_file(), reason="no shipped atlas (make atlas)")
def test_shipped_atlas_fits_its_checkpoint_and_rereads():
    assert atlas_path(SHIPPED).stat().st_size <= 15_000_000
    model = models.load(SHIPPED)
    atlas = model.atlas
    assert isinstance(atlas, Atlas) and atlas.states == ["layer0.forward.h", "layer0.forward.c"]
    state = atlas.states[0]
    unit = atlas.units(state)[0].index
    for snippet in atlas.top(unit, state=state, k=3) + atlas.match([unit], state=state, k=3):
        assert model.analyze(snippet.prefix).states[state][-1, unit] >= snippet.value - 1e-5
