"""Training smoke runs on tiny generated data: checkpoints that load, resume, evaluate, bad data."""

import dataclasses
import json
import os
import socket
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch

import models
from models.text import tokenize
from tests.conftest import (
    CAPTIONS,
    EVERYDAY,
    PAIRS,
    ROOT,
    SENTENCES,
    tiny_captioning,
    tiny_sentiment,
    tiny_translation,
    write_captioning_data,
    write_everyday_pairs,
    write_sentiment_data,
    write_translation_data,
)
from training import captioning, data, evaluate, loop, sentiment, translation
from training.cider import CiderD
from training.device import Precision, choose_precision, move, resolve_device


@pytest.fixture
def sources(tmp_path):
    csv, sst = write_sentiment_data(tmp_path)
    return [str(csv), str(sst)]


def train(sources, out, *extra):
    args = [
        "--data",
        *sources,
        "--out",
        str(out),
        "--embedding-dim",
        "8",
        "--hidden-dim",
        "8",
        "--batch-size",
        "8",
    ]
    return sentiment.main([*args, *extra])


def test_smoke_run_writes_a_checkpoint_that_loads(sources, tmp_path, capsys):
    out = tmp_path / "s.pt"
    metrics = train(
        sources,
        out,
        "--max-steps",
        "2",
        "--cell",
        "gru",
        "--bidirectional",
        "--pool-last",
        "--oversample",
        "1",
        "2",
    )
    imdb_rows = len(data.load_sentiment(sources[0])["train"])
    assert f"training on {imdb_rows + 2 * 36} texts" in capsys.readouterr().out
    model = models.load(out)
    assert model.config.cell == "gru" and model.config.bidirectional and model.config.pool_last
    assert set(metrics) >= {"imdb", "sst2", "score"}
    assert model.info["metrics"] == metrics
    assert model.info["train"]["args"]["max_steps"] == 2
    assert model.info["train"]["command"].startswith("python -m training.sentiment --data")
    assert 0 <= model.predict(["a great film"])[0] <= 1


def test_resume_continues_from_the_last_epoch(sources, tmp_path, capsys):
    out = tmp_path / "s.pt"
    train(sources, out, "--epochs", "1")
    steps_per_epoch = torch.load(loop.resume_path(str(out)), weights_only=True)["loop"]["step"]
    train(sources, out, "--epochs", "2", "--resume")
    printed = capsys.readouterr().out
    assert printed.count("epoch 1:") == 1 and printed.count("epoch 2:") == 1  # resumed at epoch 2
    resumed = torch.load(loop.resume_path(str(out)), weights_only=True)["loop"]
    assert resumed["epoch"] == 2 and resumed["step"] == 2 * steps_per_epoch


def test_resume_without_a_previous_run_says_so(sources, tmp_path):
    with pytest.raises(SystemExit, match="no .* to continue from"):
        train(sources, tmp_path / "s.pt", "--resume")


def test_evaluate_prints_json_metrics(sources, tmp_path, capsys):
    out = tmp_path / "s.pt"
    train(sources, out, "--max-steps", "1")
    capsys.readouterr()
    evaluate.main([str(out), "--data", *sources])
    printed = json.loads(capsys.readouterr().out)
    assert printed["task"] == "sentiment"
    assert printed["metrics"]["sst2"]["examples"] == 6
    assert 0 <= printed["metrics"]["imdb"]["accuracy"] <= 1


def test_validation_carve_out_is_stable_and_disjoint(sources):
    first, second = data.load_sentiment(sources[0]), data.load_sentiment(sources[0])
    assert first == second
    train_texts = {text for text, _ in first["train"]}
    assert not train_texts & {text for text, _ in first["validation"]}


def test_missing_columns_are_named(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("review,stars\nnice,5\n")
    with pytest.raises(data.DataError, match=r"a text column \(text, sentence, document\)"):
        data.load_sentiment(str(csv))


def test_empty_split_is_named(tmp_path):
    folder = tmp_path / "sst2"
    folder.mkdir()
    (folder / "stsa.binary.train").write_text("1 good\n")
    (folder / "stsa.binary.dev").write_text("")
    with pytest.raises(data.DataError, match="validation split is empty"):
        data.load_sentiment(str(folder))


def test_evaluate_reports_a_missing_checkpoint(tmp_path, sources):
    with pytest.raises(SystemExit, match="No checkpoint"):
        evaluate.main([str(tmp_path / "none.pt"), "--data", *sources])


def test_ctrl_c_keeps_the_last_good_checkpoint(sources, tmp_path, monkeypatch):
    out = tmp_path / "s.pt"
    train(sources, out, "--epochs", "1")
    before = out.read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(loop, "_train_epoch", interrupted)
    with pytest.raises(SystemExit, match="--resume"):
        train(sources, out, "--epochs", "2", "--resume")
    assert out.read_bytes() == before


def test_nan_loss_stops_with_a_message(sources, tmp_path, monkeypatch):
    nan = torch.tensor(float("nan"), requires_grad=True)
    monkeypatch.setattr(sentiment.F, "binary_cross_entropy_with_logits", lambda *args: nan)
    with pytest.raises(SystemExit, match="loss became nan"):
        train(sources, tmp_path / "s.pt")
    assert not (tmp_path / "s.pt").exists()


@pytest.mark.parametrize(
    "flags", [["--hidden-dim", "0"], ["--dropout", "1"], ["--epochs", "0"], ["--cell", "transformer"]]
)
def test_bad_flags_are_refused_with_a_message(sources, tmp_path, flags, capsys):
    with pytest.raises(SystemExit):
        train(sources, tmp_path / "s.pt", *flags)
    assert "error: argument" in capsys.readouterr().err
    assert not (tmp_path / "s.pt").exists()


def test_missing_data_path_is_named(tmp_path):
    with pytest.raises(SystemExit, match="no such file"):
        train([str(tmp_path / "nope.csv")], tmp_path / "s.pt")


def test_two_sources_with_one_name_are_refused(sources, tmp_path):
    with pytest.raises(SystemExit, match="second source named 'imdb'"):
        train([sources[0], sources[0]], tmp_path / "s.pt")


def test_unreadable_resume_state_is_a_message(sources, tmp_path):
    (tmp_path / "s.resume.pt").write_bytes(b"garbage")
    with pytest.raises(SystemExit, match="cannot be read"):
        train(sources, tmp_path / "s.pt", "--resume")


def test_translation_smoke_run_writes_a_checkpoint_that_loads(tmp_path, capsys):
    folder = write_translation_data(tmp_path)
    out = tmp_path / "t.pt"
    small = ["--vocab-size", "80", "--embedding-dim", "8", "--hidden-dim", "8", "--decoder-dim", "8"]
    everyday = write_everyday_pairs(tmp_path)
    metrics = translation.main(
        ["--data", str(folder), str(everyday), "--out", str(out), "--max-steps", "2", *small]
    )
    assert metrics["split"] == "validation" and metrics["multi30k"]["sentences"] == 6
    assert metrics["score"] == pytest.approx(
        (metrics["multi30k"]["bleu"] + metrics["everyday"]["bleu"]) / 2, abs=0.01
    )
    model = models.load(out, "translation")
    assert model.info["train"]["command"].startswith("python -m training.translation --data")
    assert isinstance(model.translate(["ein hund ."], beam_size=2)[0], str)
    capsys.readouterr()
    evaluate.main([str(out), "--data", str(folder), str(everyday), "--beam-size", "2"])
    printed = json.loads(capsys.readouterr().out)["metrics"]
    assert printed["direction"] == "de-en" and printed["everyday"]["beam_size"] == 2
    assert printed["everyday"]["sentences"] == metrics["everyday"]["sentences"]


def test_init_fine_tunes_a_translator_with_its_own_pieces_and_settings(tmp_path):
    folder, everyday = write_translation_data(tmp_path), write_everyday_pairs(tmp_path)
    first, tuned = tmp_path / "t.pt", tmp_path / "tuned.pt"
    small = ["--vocab-size", "80", "--embedding-dim", "8", "--hidden-dim", "8", "--decoder-dim", "8"]
    translation.main(["--data", str(folder), str(everyday), "--out", str(first), "--epochs", "1", *small])
    again = ["--init", str(first), "--oversample", "3", "1", "--epochs", "1", "--hidden-dim", "16"]
    translation.main(["--data", str(folder), str(everyday), "--out", str(tuned), *again])
    before, after = models.load(first, "translation"), models.load(tuned, "translation")
    assert after.config == before.config  # the model flags come from the checkpoint, not the command
    assert after.vocab.serialized_model_proto() == before.vocab.serialized_model_proto()
    assert after.info["train"]["init"]["path"] == str(first)
    with pytest.raises(SystemExit, match="--init: .* holds a 'translation' model, not 'captioning'"):
        train_captioning(write_captioning_data(tmp_path), tmp_path, "--init", str(first))


@pytest.mark.parametrize("source, target", [("de", "en"), ("en", "de")])
def test_tab_separated_pairs_are_split_by_english_sentence(tmp_path, source, target):
    splits = data.load_translation(str(write_everyday_pairs(tmp_path)), source, target)
    english = 0 if source == "en" else 1
    held_out = {pair[english] for pair in splits["validation"]}
    assert held_out and not held_out & {pair[english] for pair in splits["train"]}
    assert len(splits["train"]) + len(splits["validation"]) == len(EVERYDAY)
    assert ("I see 7 dogs.", "Ich sehe sieben Hunde.")[:: 1 if source == "en" else -1] in (
        splits["train"] + splits["validation"]
    )


def test_tab_separated_pairs_need_english_on_one_side(tmp_path):
    with pytest.raises(data.DataError, match="--src or --tgt must be en"):
        data.load_translation(str(write_everyday_pairs(tmp_path)), "fr", "de")


def test_translation_needs_both_languages(tmp_path):
    folder = write_translation_data(tmp_path)
    with pytest.raises(SystemExit, match="missing .*train.fr.gz"):
        translation.main(["--data", str(folder), "--tgt", "fr", "--out", str(tmp_path / "t.pt")])


def train_captioning(folder, tmp_path, *extra):
    small = ["--embedding-dim", "8", "--decoder-dim", "8", "--attention-dim", "4", "--batch-size", "4"]
    out = ["--out", str(tmp_path / "c.pt"), "--cache-dir", str(tmp_path / "cache")]
    return captioning.main(["--data", str(folder), *out, "--min-count", "1", *small, *extra])


def test_captioning_smoke_run_writes_a_checkpoint_that_loads(tmp_path, capsys):
    folder = write_captioning_data(tmp_path)
    metrics = train_captioning(folder, tmp_path, "--max-steps", "2", "--beam-size", "2")
    assert metrics["split"] == "validation" and metrics["images"] == 2 and 0 <= metrics["bleu4"] <= 1
    assert len(list((tmp_path / "cache").glob("features-*.pt"))) == 2  # train and validation
    model = models.load(tmp_path / "c.pt", "captioning")
    assert model.info["train"]["encoder"].startswith("efficientnet-lite-pytorch")
    assert model.info["train"]["command"].startswith("python -m training.captioning --data")
    assert isinstance(model.caption([folder / "images" / "red0.jpg"], beam_size=2)[0], str)
    capsys.readouterr()
    evaluate.main([str(tmp_path / "c.pt"), "--data", str(folder), "--beam-size", "1"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["task"] == "captioning" and printed["metrics"]["beam_size"] == 1


def test_captioning_resumes_from_the_cached_features(tmp_path, capsys):
    folder = write_captioning_data(tmp_path)
    train_captioning(folder, tmp_path, "--epochs", "1", "--beam-size", "1")
    cached = {path: path.stat().st_mtime_ns for path in (tmp_path / "cache").iterdir()}
    train_captioning(folder, tmp_path, "--epochs", "2", "--beam-size", "1", "--resume")
    assert capsys.readouterr().out.count("epoch 2:") == 1
    assert {path: path.stat().st_mtime_ns for path in (tmp_path / "cache").iterdir()} == cached


def test_captioning_data_problems_are_named(tmp_path):
    folder = write_captioning_data(tmp_path)
    (folder / "images" / "red0.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(SystemExit, match="red0.jpg: not an image that can be decoded"):
        train_captioning(folder, tmp_path)
    (folder / "text" / "Flickr_8k.devImages.txt").unlink()
    with pytest.raises(SystemExit, match="missing .*Flickr_8k.devImages.txt"):
        train_captioning(folder, tmp_path)


def test_scst_fine_tunes_the_init_decoder_and_the_card_names_both_runs(tmp_path, capsys):
    folder = write_captioning_data(tmp_path)
    train_captioning(folder, tmp_path, "--epochs", "1", "--beam-size", "1")
    first = models.load(tmp_path / "c.pt", "captioning")
    tuned = tmp_path / "tuned.pt"
    rl = ["--init", str(tmp_path / "c.pt"), "--scst", "--samples", "3", "--beam-size", "1", "--epochs", "1"]
    metrics = train_captioning(folder, tmp_path, *rl, "--out", str(tuned))
    assert 0 <= metrics["cider"] <= 10 and metrics["bleu4"] >= 0
    model = models.load(tuned, "captioning")
    assert model.config == first.config and model.vocab.tokens == first.vocab.tokens
    before, after = first.model.state_dict(), model.model.state_dict()
    assert any(not torch.equal(before[name], after[name]) for name in before)
    assert model.info["train"]["init"]["command"] == first.info["train"]["command"]
    text = tuned.with_suffix(".md").read_text()
    assert f"It started from `{tmp_path / 'c.pt'}`" in text and first.info["train"]["command"] in text


def test_a_third_step_with_references_mixed_in_records_the_whole_chain(tmp_path):
    folder = write_captioning_data(tmp_path)
    first, second = tmp_path / "c.pt", tmp_path / "second.pt"
    train_captioning(folder, tmp_path, "--epochs", "1", "--beam-size", "1")
    rl = ["--scst", "--samples", "3", "--beam-size", "1", "--epochs", "1"]
    train_captioning(folder, tmp_path, "--init", str(first), *rl, "--out", str(second))
    metrics = train_captioning(
        folder, tmp_path, "--init", str(second), *rl, "--xe-weight", "0.5", "--out", str(second)
    )
    assert 1 <= metrics["distinct"] <= metrics["images"]
    chain = models.load(second, "captioning").info["train"]["init"]
    assert (
        chain["path"] == str(second) and chain["init"]["path"] == str(first) and "init" not in chain["init"]
    )
    text = second.with_suffix(".md").read_text()
    assert text.count("started from") == 2 and f"That run started from `{first}`" in text


def test_scst_needs_a_trained_decoder_to_start_from(tmp_path):
    folder = write_captioning_data(tmp_path)
    with pytest.raises(SystemExit, match="--scst fine-tunes a trained decoder: give --init"):
        train_captioning(folder, tmp_path, "--scst")
    with pytest.raises(SystemExit, match="No checkpoint at"):
        train_captioning(folder, tmp_path, "--scst", "--init", str(tmp_path / "absent.pt"))


def test_cider_d_is_10_for_the_references_own_words_and_0_for_none_of_them():
    references = [["a", "dog", "runs", "on", "the", "grass"], ["a", "dog", "is", "running"]]
    cider = CiderD([references, [["two", "children", "play", "in", "the", "snow"]]])
    vectors = [cider.vector(references[0])]
    assert cider.score(references[0], vectors) == pytest.approx(10)
    assert cider.score(["children", "snow"], vectors) == 0
    shorter, longer = cider.score(references[0][:3], vectors), cider.score(references[0][:5], vectors)
    assert 0 < shorter < longer < 10  # fewer shared n-grams and a length further from the reference's


def test_pretraining_starts_the_classifier_from_a_language_model(sources, tmp_path):
    plain, pretrained = tmp_path / "plain.pt", tmp_path / "pretrained.pt"
    train(sources, plain, "--epochs", "1")
    train(sources, pretrained, "--epochs", "1", "--pretrain-epochs", "2")
    progress = models.load(pretrained).info["train"]["pretraining"]
    assert progress["epochs"] == 2 and [entry["epoch"] for entry in progress["history"]] == [1, 2]
    assert all(entry["validation"]["perplexity"] > 1 for entry in progress["history"])
    plain_weights = models.load(plain).model.encoder.state_dict()
    pretrained_weights = models.load(pretrained).model.encoder.state_dict()
    assert any(not torch.equal(plain_weights[k], pretrained_weights[k]) for k in plain_weights)
    assert "Language-model pretraining first" in pretrained.with_suffix(".md").read_text()


def test_pretraining_refuses_a_backward_direction(sources, tmp_path):
    with pytest.raises(SystemExit, match="backward direction would see the token it predicts"):
        train(sources, tmp_path / "s.pt", "--pretrain-epochs", "1", "--bidirectional")


def test_every_epoch_is_recorded_in_the_checkpoint(sources, tmp_path):
    out = tmp_path / "s.pt"
    train(sources, out, "--epochs", "3")
    history = models.load(out).info["train"]["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3]  # also epochs that did not improve
    assert all(h["train_loss"] > 0 and h["grad_norm"] > 0 and "score" in h["validation"] for h in history)


def last_step(out) -> int:
    """Steps taken by the run that wrote `out` (its best checkpoint may be from an earlier epoch)."""
    return torch.load(loop.resume_path(str(out)), weights_only=True)["loop"]["step"]


def test_torchrun_with_two_processes_writes_the_same_kind_of_checkpoint(sources, tmp_path):
    flags = ["--data", *sources, "--embedding-dim", "8", "--hidden-dim", "8", "--batch-size", "8"]
    flags += ["--epochs", "2", "--threads", "1", "--device", "cpu"]  # gloo: on cuda two ranks need two GPUs
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    command = [*torchrun, "-m", "training.sentiment", *flags, "--out", str(tmp_path / "ddp.pt")]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.count("epoch 2:") == 1  # rank 0 alone reports
    train(sources, tmp_path / "one.pt", "--epochs", "2")
    ddp, single = models.load(tmp_path / "ddp.pt"), models.load(tmp_path / "one.pt")
    assert ddp.vocab.tokens == single.vocab.tokens and ddp.config == single.config
    assert len(ddp.info["train"]["history"]) == len(single.info["train"]["history"]) == 2
    ddp_steps, single_steps = (last_step(tmp_path / name) for name in ("ddp.pt", "one.pt"))
    assert ddp_steps == single_steps // 2  # each process took half the batches


ABSENT = "mps" if torch.cuda.is_available() else "cuda"  # a device this machine lacks
META = torch.device("meta")  # shapes without data, on every machine: a second device for the tests


@pytest.mark.parametrize(
    "cuda, mps, expected", [(False, False, "cpu"), (False, True, "mps"), (True, True, "cuda:1")]
)
def test_auto_takes_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    monkeypatch.setenv("LOCAL_RANK", "1")  # under torchrun: this process's GPU
    assert resolve_device("auto") == torch.device(expected)


def test_an_absent_device_stops_with_one_line_before_any_data_is_read(tmp_path):
    command = [sys.executable, "-m", "training.sentiment", "--device", ABSENT]
    command += ["--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "s.pt")]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    message = f"--device {ABSENT}: this machine has no {ABSENT} device; use --device auto or cpu."
    assert run.returncode != 0 and run.stdout == "" and run.stderr.strip() == message


def test_print_config_does_not_check_the_device(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        sentiment.main(["--device", ABSENT, "--out", str(tmp_path / "s.pt"), "--print-config"])
    assert stop.value.code == 0 and json.loads(capsys.readouterr().out)["device"] == ABSENT


def test_move_takes_every_tensor_of_a_nested_batch_and_leaves_the_rest():
    batch = {"ids": torch.zeros(2, 3), "pair": (torch.ones(2), [torch.ones(1), 7]), "name": "x"}
    moved = move(batch, META)
    assert moved["ids"].is_meta and moved["pair"][0].is_meta and moved["pair"][1][0].is_meta
    assert isinstance(moved["pair"], tuple) and moved["pair"][1][1] == 7 and moved["name"] == "x"
    assert move(torch.nn.Linear(2, 2), META).weight.is_meta


@pytest.mark.parametrize(
    "device_type, bf16_supported, expected",
    [
        ("cuda", True, Precision(torch.bfloat16, scaled=False)),
        ("cuda", False, Precision(torch.float16, scaled=True)),
        ("cpu", True, Precision(None, scaled=False)),
        ("mps", True, Precision(None, scaled=False)),
    ],
)
def test_mixed_precision_runs_on_cuda_and_scales_only_float16(device_type, bf16_supported, expected):
    assert choose_precision(device_type, bf16_supported) == expected


def storage_locations(path) -> set[str]:
    """Where the file's tensors were when it was written, as torch.save recorded it."""
    locations = set()

    def record(storage, location):
        locations.add(location)
        return storage

    torch.load(path, map_location=record, weights_only=True)
    return locations


def test_the_checkpoint_and_the_resume_file_hold_only_cpu_tensors(sources, tmp_path):
    out = tmp_path / "s.pt"
    train(sources, out, "--max-steps", "2")
    assert storage_locations(out) == storage_locations(loop.resume_path(str(out))) == {"cpu"}


def sentiment_task(rows=SENTENCES, batches=None) -> loop.Task:
    """The sentiment script's task on `rows`, of a model without dropout; `batches` fixes them."""
    tokenized = [tokenize(text)[0] for text, _ in rows]
    labels = [label for _, label in rows]
    args = SimpleNamespace(batch_size=2, seed=0)
    task = sentiment.training_task(tiny_sentiment(), tokenized, labels, {"fixture": SENTENCES}, args)
    return dataclasses.replace(task, batches=lambda epoch: batches) if batches else task


def translation_task() -> loop.Task:
    args = SimpleNamespace(batch_size=2, seed=0, label_smoothing=0.1)
    return translation.training_task(tiny_translation(), PAIRS, {}, args)


def captioning_task() -> loop.Task:
    predictor = tiny_captioning()
    splits = {"train": SimpleNamespace(captions=list(CAPTIONS.values()))}
    features = {"train": torch.randn(len(CAPTIONS), 49, predictor.config.feature_dim).half()}
    args = SimpleNamespace(batch_size=2, seed=0, label_smoothing=0.1, max_length=8, attention_penalty=1.0)
    return captioning.training_task(predictor, splits, features, args)


@pytest.mark.parametrize(
    "make_task", [sentiment_task, translation_task, captioning_task], ids=lambda f: f.__name__
)
def test_every_task_trains_where_its_model_is(make_task):
    """A tensor made on the CPU inside a loss fails on the meta device as it would on a GPU."""
    task = make_task()
    move(task.model, META)
    tensors, tokens = task.collate(task.batches(0)[0])
    loss = task.loss(task.model, move(tensors, META))
    loss.backward()
    assert loss.is_meta and tokens > 0
    assert all(p.grad.is_meta for p in task.model.parameters() if p.requires_grad)


# Two positive texts, then two negative ones: rank 0 reads the first batch, rank 1 the second. Adam's
# first step moves each weight by about lr * sign(gradient), so only halves whose gradients disagree
# in sign with their union's tell a step on the union from a step on one half.
ROWS = [SENTENCES[0], SENTENCES[1], SENTENCES[3], SENTENCES[4]]
HALVES = [[0, 1], [2, 3]]
ONE_STEP = {"epochs": 1, "max_steps": 1, "device": "cpu"}  # gloo: on cuda two ranks need two GPUs


def step_as_one_of_two_processes(rank: int, port: int, folder: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE="2", RANK=str(rank))
    os.environ["LOCAL_RANK"] = str(rank)
    torch.set_num_threads(1)
    task = sentiment_task(ROWS, HALVES)
    loop.fit(task, loop.LoopConfig(out=f"{folder}/ddp.pt", **ONE_STEP), {})
    torch.save(task.model.state_dict(), f"{folder}/rank{rank}.pt")


def weights_after_one_step(batch: list[int], out) -> dict[str, torch.Tensor]:
    task = sentiment_task(ROWS, [batch])
    loop.fit(task, loop.LoopConfig(out=str(out), **ONE_STEP), {})
    return task.model.state_dict()


def test_two_processes_step_as_one_process_on_the_union_of_their_batches(tmp_path):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    torch.multiprocessing.spawn(step_as_one_of_two_processes, args=(port, str(tmp_path)), nprocs=2)
    union = weights_after_one_step(HALVES[0] + HALVES[1], tmp_path / "union.pt")
    half = weights_after_one_step(HALVES[0], tmp_path / "half.pt")

    def same(a: dict, b: dict) -> bool:
        return all(torch.allclose(a[name], b[name], atol=1e-6) for name in a)

    for rank in (0, 1):
        ddp = torch.load(tmp_path / f"rank{rank}.pt", weights_only=True)
        assert same(ddp, union)  # DistributedDataParallel averaged the two halves' gradients
        assert not same(ddp, half)


def test_average_keeps_the_last_epochs_and_validates_their_mean(tmp_path):
    out = tmp_path / "s.pt"
    task = sentiment_task()
    validated = []  # the weights each epoch was validated with

    def validate() -> dict:
        validated.append(loop._weights(task.model))
        return {"score": float(len(validated))}  # every epoch is the best so far: the file keeps the last

    config = loop.LoopConfig(out=str(out), epochs=3, average=2, device="cpu")
    loop.fit(dataclasses.replace(task, validate=validate), config, {})
    resume = torch.load(loop.resume_path(str(out)), weights_only=True)
    first, last = resume["snapshots"]  # epochs 2 and 3; training went on from the weights as they were
    assert torch.equal(last["classifier.weight"], resume["model"]["classifier.weight"])
    assert not torch.equal(first["classifier.weight"], last["classifier.weight"])
    mean = {name: (first[name] + last[name]) / 2 for name in last if last[name].is_floating_point()}
    assert all(torch.allclose(validated[-1][name], value) for name, value in mean.items())
    kept = models.load(out).model.state_dict()  # float16, as the file stores it
    assert all(
        torch.allclose(kept[name].float(), value, rtol=1e-3, atol=1e-4) for name, value in mean.items()
    )


def write_nsmc(folder) -> str:
    """An NSMC-shaped folder: gzip'd tab-separated id, document, label, quotes left as typed."""
    import gzip

    rows = [("정말 재밌다", 1), ('"최고의 영화" 강추', 1), ("돈 아깝다", 0), ("지루하고 별로", 0)] * 8
    for name, chunk in (("ratings_train.txt.gz", rows), ("ratings_val.txt.gz", rows[:8])):
        lines = ["id\tdocument\tlabel"] + [f"{i}\t{t}\t{y}" for i, (t, y) in enumerate(chunk)]
        with gzip.open(folder / name, "wt", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
    return str(folder)


def test_the_nsmc_folder_is_read_with_its_quotes_and_splits(tmp_path):
    splits = data.load_sentiment(write_nsmc(tmp_path))
    assert len(splits["train"]) == 32 and len(splits["validation"]) == 8
    assert ('"최고의 영화" 강추', 1) in splits["train"]


@pytest.mark.parametrize("kind", ["pieces", "syllables"])
def test_a_tiny_korean_model_reads_hangul_end_to_end(tmp_path, kind):
    out = tmp_path / "ko.pt"
    train([write_nsmc(tmp_path)], out, "--tokens", kind, "--vocab-size", "40", "--max-steps", "3")
    model = models.load(out, "sentiment")
    assert model.language == "ko" and model.config.tokens == kind
    analysis = model.analyze("너무재밓었다")
    assert "".join(analysis.tokens).replace("▁", "") == "너무재밓었다"
    assert model.dynamics.texts[0] == "재미없지는 않았다"  # a Korean model records Korean examples
    snippet = model.atlas.top(model.atlas.units("layer0.forward.h")[0].index, "layer0.forward.h", k=1)[0]
    assert snippet.token and snippet.token in snippet.text and not snippet.token[0].isspace()


@pytest.mark.parametrize("kind", ["words", "syllables", "pieces"])
def test_every_tokenizer_s_spans_are_its_tokens(kind):
    from models.text import VOCABS

    texts = ["초반은 지루했는데  마지막 30분이 다 했다", "This film isn't bad, at ALL!"]
    vocab = VOCABS[kind].learn(texts * 20, 60)
    for text in texts:
        tokens, _ = vocab.split(text)
        spans, _ = vocab.spans(text)
        assert len(tokens) == len(spans)
        for token, (start, end) in zip(tokens, spans):
            assert text[start:end].strip().lower() == token.replace("▁", "")
