"""Train the many-to-one sentiment model: python -m training.sentiment --help."""

import sys
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from models.sentiment import SentimentConfig, SentimentModel, SentimentPredictor, pad_batch
from models.text import Vocab, tokenize
from training import data, loop
from training.flags import option, parse, pick

LOCAL_DATA = ["../shared/data/imdb/train.csv.gz", "../shared/data/sst2"]


@dataclass
class SentimentTraining(loop.LoopConfig):
    data: list[str] = option(
        ["stanfordnlp/imdb", "stanfordnlp/sst2"],
        "hub names or local paths (CSV with text,label; SST-2 folder), mixed for training",
    )
    out: str = option("checkpoints/sentiment.pt", "where the best checkpoint is written")
    vocab_size: int = option(30000, "most frequent training tokens kept")
    batch_size: int = option(64, "sequences per batch")
    limit: int = option(0, "use only the first N examples of each split of each source (0: all)")
    cell: str = option("lstm", "recurrent cell", choices=["rnn", "lstm", "gru"])
    embedding_dim: int = option(128, "token embedding size")
    hidden_dim: int = option(256, "recurrent state size per direction")
    num_layers: int = option(1, "stacked recurrent layers")
    bidirectional: bool = option(False, "add a backward direction to every layer")
    dropout: float = option(0.4, "dropout on embeddings, between layers and before the classifier")
    max_tokens: int = option(800, "tokens read per text; longer texts are cut")
    pool_last: bool = option(False, "also classify from the state after the last token")
    oversample: list[int] = option(
        [1], "repeat each --data source's training rows this often (one number per source)"
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
    argv = sys.argv[1:] if argv is None else argv
    args = parse(__doc__, argv, SentimentTraining)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        sources = {data.source_name(spec): data.load_sentiment(spec, args.limit) for spec in args.data}
    except data.DataError as error:
        raise SystemExit(str(error)) from None
    repeats = args.oversample + [1] * (len(sources) - len(args.oversample))
    train_rows = [row for splits, n in zip(sources.values(), repeats) for row in splits["train"] * n]
    tokenized = [tokenize(text, args.max_tokens)[0] for text, _ in train_rows]

    resumed = loop.read_resume(args.out) if args.resume else None
    if resumed:
        predictor = SentimentPredictor.from_checkpoint(resumed["checkpoint"])
    else:
        vocab = Vocab.build(tokenized, args.vocab_size)
        config = pick(SentimentConfig, args, vocab_size=len(vocab))
        predictor = SentimentPredictor(SentimentModel(config), vocab)
    model = predictor.model
    encoded = [predictor.vocab.encode(tokens) or [1] for tokens in tokenized]
    labels = torch.tensor([label for _, label in train_rows], dtype=torch.float)
    print(
        f"training on {len(encoded):,} texts from {', '.join(sources)}; vocabulary {len(predictor.vocab):,}",
        flush=True,
    )

    def batches(epoch: int) -> list[list[int]]:
        return data.length_batches([len(e) for e in encoded], args.batch_size, args.seed + epoch)

    def loss_fn(batch: list[int]) -> tuple[torch.Tensor, int]:
        ids, lengths = pad_batch([encoded[i] for i in batch])
        loss = F.binary_cross_entropy_with_logits(model(ids, lengths), labels[batch])
        return loss, int(lengths.sum())

    def validate() -> dict:
        return evaluate(predictor, {name: splits["validation"] for name, splits in sources.items()})

    return loop.fit(
        model,
        batches,
        loss_fn,
        validate,
        predictor.to_checkpoint,
        pick(loop.LoopConfig, args),
        loop.describe_run("training.sentiment", argv, args),
        resumed,
    )


if __name__ == "__main__":
    main()
