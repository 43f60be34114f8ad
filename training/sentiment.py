"""Train the many-to-one sentiment model: python -m training.sentiment --help."""

import math
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from models import checkpoint as ckpt
from models import registry
from models.atlas import roc_auc
from models.record import pack_texts
from models.sentiment import EXAMPLES, NextTokenModel, SentimentConfig, SentimentModel, SentimentPredictor
from models.settings import option
from models.text import VOCABS, Vocab, pad_batch
from training import atlas, card, data, loop, record
from training.flags import pick


@dataclass
class SentimentTraining(loop.LoopConfig):
    data: list[str] = option(
        ["stanfordnlp/imdb", "stanfordnlp/sst2"],
        "hub names or local paths (CSV with text,label; SST-2 folder), mixed for training",
    )
    out: str = option(
        f"checkpoints/{registry.default('sentiment')}.pt", "where the best checkpoint is written"
    )
    vocab_size: int = option(30000, "most frequent training tokens kept", minimum=3)
    batch_size: int = option(64, "sequences per batch", minimum=1)
    limit: int = option(0, "use only the first N examples of each split of each source (0: all)", minimum=0)
    oversample: list[int] = option(
        [1, 2], "repeat each --data source's training rows this often (one number per source; missing: 1)"
    )
    pretrain_epochs: int = option(
        0,
        "first train the embedding and encoder as a language model (each next token of the training "
        "texts) for this many passes, then classify (SA-LSTM, ULMFiT); unidirectional models only",
        minimum=0,
    )
    cartography: int = option(
        6000,
        "training examples, a stratified sample of each source and label, whose probability of the "
        "right label the training record keeps after every epoch (dataset cartography)",
        minimum=0,
    )


def accuracy(predictor: SentimentPredictor, rows: data.Rows) -> dict:
    probabilities = predictor.predict([text for text, _ in rows], batch_size=128)
    correct = sum((p >= 0.5) == bool(label) for p, (_, label) in zip(probabilities, rows))
    return {"accuracy": correct / len(rows), "examples": len(rows)}


def evaluate(predictor: SentimentPredictor, sources: dict[str, data.Rows]) -> dict:
    """Accuracy per source; "score" (their mean) picks the best checkpoint."""
    metrics = {name: accuracy(predictor, rows) for name, rows in sources.items()}
    return {
        "split": "validation",
        **metrics,
        "score": sum(m["accuracy"] for m in metrics.values()) / len(metrics),
    }


def main(argv: list[str] | None = None) -> dict:
    argv, args = loop.setup(__doc__, argv, SentimentTraining, SentimentConfig)
    if args.pretrain_epochs and args.bidirectional:
        raise SystemExit("--pretrain-epochs: a backward direction would see the token it predicts.")
    try:
        sources = data.load_sentiment_sources(args.data, args.limit)
    except data.DataError as error:
        raise SystemExit(str(error)) from None
    train_rows = data.mixed(sources, args.oversample)
    resumed, initial, start = loop.starting_points(args, "sentiment")
    predictor = build_predictor(args, [text for text, _ in train_rows], start)
    tokenized = [predictor.vocab.split(text, args.max_tokens)[0] for text, _ in train_rows]
    print(
        f"training on {len(train_rows):,} texts from {', '.join(sources)}; "
        f"vocabulary {len(predictor.vocab):,}",
        flush=True,
    )
    validation = {name: splits["validation"] for name, splits in sources.items()}
    run = loop.describe_run("training.sentiment", argv, args, initial)
    if args.pretrain_epochs and not (resumed or initial):  # weights that were trained stay as they are
        texts = [text for splits in sources.values() for text, _ in splits["train"]]  # each once
        run["pretraining"] = pretrain(predictor, texts, validation, args)
    elif args.pretrain_epochs and resumed:  # its record is in the best checkpoint so far
        run["pretraining"] = ckpt.read(args.out)["train"].get("pretraining")
    task = training_task(predictor, tokenized, [label for _, label in train_rows], validation, args)
    if args.record:
        task.recorder = recorder(predictor, sources, args)
    metrics = loop.fit(task, pick(loop.LoopConfig, args), run, resumed)
    if loop.is_writer():  # what each unit does over the validation texts, then the card that lists it
        atlas.main(
            [args.out, "--data", *args.data, "--limit", str(args.limit), "--threads", str(args.threads)]
        )
        card.write(Path(args.out))
    return metrics


def build_predictor(args, texts: list[str], start: dict | None) -> SentimentPredictor:
    """A fresh model with a vocabulary from the training texts, or the one in `start` (a checkpoint)."""
    if start:
        return SentimentPredictor.from_checkpoint(start)
    vocab = VOCABS[args.tokens].learn(texts, args.vocab_size)
    config = pick(SentimentConfig, args, vocab_size=len(vocab))
    return SentimentPredictor(SentimentModel(config), vocab)


def pretrain(predictor: SentimentPredictor, texts: list[str], validation: dict, args) -> dict:
    """Language-model pretraining: the model's embedding and encoder learn to predict each next
    token of the training texts; the prediction head is then dropped. Returns the pretraining's
    progress (steps, seconds, each pass's validation perplexity) for the model card."""
    vocab = predictor.vocab
    model = NextTokenModel(predictor.model)

    def encoded(rows) -> list[list[int]]:
        ids = (vocab.encode(vocab.split(text, args.max_tokens)[0]) for text in rows)
        return [sequence for sequence in ids if len(sequence) > 1]  # one token predicts nothing

    train = encoded(texts)
    held_out = encoded(text for rows in validation.values() for text, _ in rows)

    def batches(epoch: int) -> list[list[int]]:
        return data.length_batches([len(e) for e in train], args.batch_size, args.seed + epoch)

    def collate(batch: list[int]) -> tuple[tuple[torch.Tensor, ...], int]:
        ids, lengths = pad_batch([train[i] for i in batch])
        return (ids, lengths), int(lengths.sum())

    def validate() -> dict:
        chunks = [held_out[i : i + 64] for i in range(0, len(held_out), 64)]
        with torch.inference_mode():  # mean loss per chunk, weighted by the tokens it predicts
            total = sum(model(*pad_batch(c)).item() * sum(len(s) - 1 for s in c) for c in chunks)
        nll = total / sum(len(s) - 1 for s in held_out)
        return {"split": "validation", "perplexity": round(math.exp(nll), 2), "score": -nll}

    task = loop.Task(
        model, batches, collate, lambda m, tensors: m(*tensors), validate, predictor.to_checkpoint
    )
    with tempfile.TemporaryDirectory() as folder:
        out = f"{folder}/language-model.pt"
        loop.fit(task, pick(loop.LoopConfig, args, epochs=args.pretrain_epochs, out=out), {})
        progress = ckpt.read(out)["train"]
    return {key: progress[key] for key in ("epochs", "steps", "wall_time_s", "history")}


def recorder(predictor: SentimentPredictor, sources: dict[str, dict], args) -> record.Recorder:
    """The training record: the page's examples read token by token, each unit's AUC over the
    held-out texts the atlas ranks units by, and the cartography of a sample of training texts."""
    probes = list(EXAMPLES[predictor.language].values())
    held_out = [
        (text, label)
        for splits in sources.values()
        for text, label in splits["validation"]
        if predictor.vocab.split(text, args.max_tokens)[0]
    ]
    held_texts, held_labels = [t for t, _ in held_out], np.array([label for _, label in held_out])
    kept = cartography_sample(sources, args.cartography, args.seed, predictor.vocab)
    kept_labels = np.array([label for _, label in kept], np.int8)

    def probe() -> dict[str, np.ndarray]:
        analyses = [predictor.analyze(text) for text in probes]
        auc = roc_auc(predictor.mean_states(held_texts, batch_size=128), held_labels)
        return {
            "trace": np.concatenate([a.step_positive for a in analyses]).astype(np.float16),
            "states": np.concatenate([a.states["layer0.forward.h"] for a in analyses]).astype(np.float16),
            "unit_auc": np.maximum(auc, 1 - auc).astype(np.float16),
        }

    def right_label() -> np.ndarray:
        positive = np.array(predictor.predict([text for text, _ in kept], batch_size=128))
        return np.where(kept_labels == 1, positive, 1 - positive)

    meta = {
        "task": "sentiment",
        "probes": probes,
        "tokens": [predictor.encode(text)[0] for text in probes],
        "states": "layer0.forward.h",
        "held_out": len(held_out),
    }
    arrays = {f"cartography/texts/{k}": v for k, v in pack_texts([t for t, _ in kept]).items()}
    arrays["cartography/labels"] = kept_labels
    return record.Recorder(probe, meta, arrays, right_label if kept else None)


def cartography_sample(sources: dict[str, dict], size: int, seed: int, vocab: Vocab) -> data.Rows:
    """Up to `size` training rows with tokens, an equal share per source and label, drawn with `seed`."""
    share = size // max(2 * len(sources), 1)
    kept = []
    for splits in sources.values():
        for label in (0, 1):
            rows = [row for row in splits["train"] if row[1] == label and vocab.split(row[0], 1)[0]]
            kept += random.Random(seed).sample(rows, min(share, len(rows)))
    return kept


def training_task(predictor, tokenized, labels, validation, args) -> loop.Task:
    model = predictor.model
    encoded = [predictor.vocab.encode(tokens) or [1] for tokens in tokenized]
    targets = torch.tensor(labels, dtype=torch.float)

    def batches(epoch: int) -> list[list[int]]:
        return data.length_batches([len(e) for e in encoded], args.batch_size, args.seed + epoch)

    def collate(batch: list[int]) -> tuple[tuple[torch.Tensor, ...], int]:
        ids, lengths = pad_batch([encoded[i] for i in batch])
        return (ids, lengths, targets[batch]), int(lengths.sum())

    def loss(model: torch.nn.Module, tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
        ids, lengths, target = tensors
        return F.binary_cross_entropy_with_logits(model(ids, lengths), target)

    def validate() -> dict:
        return evaluate(predictor, validation)

    return loop.Task(model, batches, collate, loss, validate, predictor.to_checkpoint)


if __name__ == "__main__":
    main()
