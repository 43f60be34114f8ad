"""The translation model: one decoder step for training and decoding, greedy and beam search."""

import json
import re

import numpy as np
import pytest
import torch

import models
from models.cells import trace_layer
from models.checkpoint import save
from models.search import beam_search, greedy
from models.text import BOS, pad_batch
from models.translation import TranslationPredictor
from tests.conftest import PAIRS, tiny_translation, write_translation_data
from training import card, evaluate, translation

SOURCES = [source for source, _ in PAIRS]


def encoded(predictor, texts):
    ids, lengths = pad_batch([predictor.encode(text)[0] for text in texts])
    return predictor.model.encode(ids, lengths)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@torch.inference_mode()
def test_beam_of_one_is_greedy(cell):
    predictor = tiny_translation(cell, seed=3)
    attended, state, _ = encoded(predictor, SOURCES)
    step = predictor.model.next_token_function()
    beams = beam_search(step, state, attended, beam_size=1, max_length=12)
    assert [b[0][0] for b in beams] == greedy(step, state, attended, max_length=12)


@pytest.mark.parametrize("beam_size", [1, 4])
def test_batched_translation_equals_one_by_one(beam_size):
    predictor = tiny_translation(seed=1)
    batched = predictor.translate(SOURCES, beam_size=beam_size)
    assert batched == [predictor.translate([source], beam_size=beam_size)[0] for source in SOURCES]


@torch.inference_mode()
def test_decoding_a_whole_target_equals_stepping_it():
    predictor = tiny_translation("lstm", seed=2)
    attended, state, _ = encoded(predictor, SOURCES[:2])
    tokens = torch.tensor([[BOS, 5, 9, 7], [BOS, 6, 6, 8]])
    whole = predictor.model.decode(tokens, state, attended)
    next_token, search_state = predictor.model.next_token_function(), state
    for t in range(tokens.size(1)):
        step = predictor.model.decode(tokens[:, t : t + 1], state, attended)
        state = step.state
        assert torch.allclose(step.logits[:, 0], whole.logits[:, t], atol=1e-5)
        assert torch.allclose(step.attention[:, 0], whole.attention[:, t], atol=1e-6)
        logits, search_state = next_token(tokens[:, t], search_state, attended)  # what the searches call
        assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(search_state, state))  # float32 cell
        error = (logits - whole.logits[:, t]).abs().max()
        assert error <= 0.02 * whole.logits[:, t].abs().max()  # int8 layers after the cell


def test_analyze_gives_aligned_views():
    predictor = tiny_translation(seed=4)
    result = predictor.analyze(SOURCES[0], beam_size=3)
    steps, sources = len(result.target_tokens), len(result.source_tokens)
    assert result.target_tokens[-1] == "</s>"
    assert result.attention.shape == (steps, sources)
    assert np.allclose(result.attention.sum(axis=1), 1.0, atol=1e-5)
    assert result.connectivity.shape == (steps, sources) and len(result.alternatives) == steps
    assert all(v.shape == (sources, 6) for v in result.encoder_states.values())
    assert set(result.encoder_states) >= {"layer0.forward.h", "layer0.backward.update_gate"}
    assert all(v.shape == (steps, 10) for v in result.decoder_states.values())
    assert result.text == result.candidates[0][0]
    scores = [score for _, score in result.candidates]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert result.text == predictor.translate([SOURCES[0]], beam_size=3)[0]


@torch.no_grad()  # not inference mode: analyze's connectivity needs weights that autograd may use
def test_decoder_trace_is_the_fused_decoder():
    predictor = tiny_translation(seed=5)
    result = predictor.analyze(SOURCES[1], beam_size=1)
    attended, state, h0 = encoded(predictor, SOURCES[1:2])
    ids = [predictor.vocab.piece_to_id(p) for p in result.target_tokens[:-1]]
    step = predictor.model.decode(torch.tensor([[BOS, *ids]]), state, attended)
    assert np.allclose(result.decoder_states["decoder.h"], step.hidden[0].numpy(), atol=1e-5)
    traced = trace_layer(predictor.model.decoder, predictor.model.embedding(torch.tensor([BOS, *ids])), h0[0])
    assert torch.allclose(traced["h"], step.hidden[0], atol=1e-5)


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_input_is_a_clear_value_error(text):
    with pytest.raises(ValueError, match="empty"):
        tiny_translation().translate([text])


def test_long_and_unseen_input():
    predictor = tiny_translation()
    result = predictor.analyze("Donaudampfschifffahrtsgesellschaft " * 50, beam_size=2)
    assert result.truncated and len(result.source_tokens) == predictor.config.max_source_tokens
    assert len(result.target_tokens) <= predictor.config.max_target_tokens + 1


def test_checkpoint_round_trip(tmp_path):
    predictor = tiny_translation("lstm", bidirectional=False)
    save(tmp_path / "t.pt", {**predictor.to_checkpoint(), "train": {}, "metrics": {}})
    loaded = models.load(tmp_path / "t.pt", "translation")
    assert (loaded.config.src, loaded.config.tgt) == ("de", "en")
    assert loaded.translate(SOURCES, beam_size=3) == predictor.translate(SOURCES, beam_size=3)


def test_own_parallel_text_says_its_cut_vocabulary_and_every_score_names_its_beam(
    tmp_path, monkeypatch, capsys
):
    """What a new user meets training on a small corpus of their own, at the shipped model's path."""
    monkeypatch.delenv("MAKELEVEL", raising=False)  # as typed, not run by a make target
    folder = write_translation_data(tmp_path)
    out = tmp_path / "checkpoints" / "translation-de-en.pt"
    small = ["--embedding-dim", "8", "--hidden-dim", "8", "--decoder-dim", "8", "--max-steps", "1"]
    translation.main(["--data", str(folder), "--out", str(out), "--vocab-size", "8000", *small])
    built = models.load(out, "translation").config.vocab_size
    printed = capsys.readouterr().out
    assert built < 8000 and f"sentencepiece learned {built:,}" in printed and "8,000 pieces" in printed
    assert re.search(r"epoch 1: train loss [\d.]+, validation at beam 1 ", printed)
    written = card.card_path(out).read_text()
    assert f"| vocabulary | {built:,} entries (`vocab_size` asked for 8,000" in written
    assert (
        "Each epoch's validation decodes at beam 1." in written
        and "On multi30k 6 sentences, beam 1." in written
    )
    assert "make train-translation-de-en" not in written  # its own data: the command that made it
    evaluate.main([str(out), "--data", str(folder)])
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    assert metrics["beam_size"] == metrics["multi30k"]["beam_size"] == TranslationPredictor.beam_size == 5
