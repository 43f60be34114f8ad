"""Train the many-to-many translation model: python -m training.translation --src de --tgt en."""

from dataclasses import dataclass
from pathlib import Path

import sacrebleu
import sentencepiece
import torch
import torch.nn.functional as F

from models.settings import option
from models.text import BOS, EOS, PAD, UNK, learn_pieces, pad_batch
from models.translation import EXAMPLES, Seq2Seq, TranslationConfig, TranslationPredictor
from training import card, data, loop, record
from training.flags import pick


@dataclass
class TranslationTraining(loop.LoopConfig):
    data: list[str] = option(
        ["bentrevett/multi30k"],
        "hub names or local paths: a Multi30k folder (raw/*.gz), English<TAB>other lines (Tatoeba)",
    )
    oversample: list[int] = option(
        [1], "repeat each --data source's training pairs this often (one number per source; missing: 1)"
    )
    out: str = option(
        "", "where the best checkpoint is written (default: checkpoints/translation-SRC-TGT.pt)"
    )
    epochs: int = option(11, "passes over the training data", minimum=1)
    vocab_size: int = option(8000, "joint source+target BPE pieces (sentencepiece)", minimum=8)
    batch_size: int = option(64, "sentence pairs per batch", minimum=1)
    limit: int = option(0, "use only the first N pairs of each split (0: all)", minimum=0)
    label_smoothing: float = option(0.1, "label smoothing of the target distribution", minimum=0, below=1)


def train_sentencepiece(sentences: list[str], vocab_size: int) -> sentencepiece.SentencePieceProcessor:
    """BPE pieces over both languages, with the special ids the model expects (every character
    kept: a translation may need any of them)."""
    return learn_pieces(sentences, vocab_size, kind="bpe", coverage=1.0, ends=True)


def evaluate(predictor: TranslationPredictor, sources: dict[str, data.Pairs], beam_size: int) -> dict:
    """BLEU per source; "score" (their mean) picks the best checkpoint. Each names its beam."""
    metrics = {name: bleu(predictor, pairs, beam_size) for name, pairs in sources.items()}
    return {
        "split": "validation",
        **metrics,
        "score": round(sum(m["bleu"] for m in metrics.values()) / len(metrics), 2),
        "beam_size": beam_size,
    }


def bleu(predictor: TranslationPredictor, pairs: data.Pairs, beam_size: int, batch_size: int = 64) -> dict:
    """Corpus BLEU (sacrebleu, 13a) of detokenised translations: cased (the headline) and lowercased."""
    sources, references = [s for s, _ in pairs], [t for _, t in pairs]
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    hypotheses = [""] * len(sources)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        for i, text in zip(chunk, predictor.translate([sources[i] for i in chunk], beam_size=beam_size)):
            hypotheses[i] = text
    cased = sacrebleu.corpus_bleu(hypotheses, [references]).score
    lowercase = sacrebleu.corpus_bleu(hypotheses, [references], lowercase=True).score
    return {
        "bleu": round(cased, 2),
        "bleu_lowercase": round(lowercase, 2),
        "beam_size": beam_size,
        "sentences": len(pairs),
    }


def main(argv: list[str] | None = None) -> dict:
    argv, args = loop.setup(__doc__, argv, TranslationTraining, TranslationConfig, resolve=default_out)
    try:
        sources = data.load_translation_sources(args.data, args.src, args.tgt, args.limit)
    except data.DataError as error:
        raise SystemExit(str(error)) from None
    train = data.mixed(sources, args.oversample)
    resumed, initial, start = loop.starting_points(args, "translation")
    predictor = build_predictor(args, train, start)
    print(
        f"training on {len(train):,} pairs from {', '.join(sources)}, {args.src}->{args.tgt}; "
        f"{predictor.config.vocab_size:,} pieces",
        flush=True,
    )
    validation = {name: splits["validation"] for name, splits in sources.items()}
    task = training_task(predictor, train, validation, args)
    if args.record:
        probes = EXAMPLES.get(args.src, [])[:4]
        task.recorder = record.decoder_recorder(predictor, probes, probes, lambda a: a.target_tokens)
    run = loop.describe_run("training.translation", argv, args, initial)
    metrics = loop.fit(task, pick(loop.LoopConfig, args), run, resumed)
    if loop.is_writer():
        card.write(Path(args.out))  # the model card's measured part, from the checkpoint just written
    return metrics


def default_out(args) -> None:
    args.out = args.out or f"checkpoints/translation-{args.src}-{args.tgt}.pt"


def build_predictor(args, train: data.Pairs, start: dict | None) -> TranslationPredictor:
    """A fresh model with pieces learned from the training pairs, or the one in `start` (a checkpoint)."""
    if start:
        return TranslationPredictor.from_checkpoint(start)
    pieces = train_sentencepiece([s for pair in train for s in pair], args.vocab_size)
    if pieces.get_piece_size() < args.vocab_size:
        print(
            f"the training pairs hold too little text for {args.vocab_size:,} pieces (--vocab-size): "
            f"sentencepiece learned {pieces.get_piece_size():,}, and the model uses those",
            flush=True,
        )
    config = pick(TranslationConfig, args, vocab_size=pieces.get_piece_size())
    return TranslationPredictor(Seq2Seq(config), pieces)


def training_task(
    predictor: TranslationPredictor, train: data.Pairs, validation: dict[str, data.Pairs], args
) -> loop.Task:
    model, config = predictor.model, predictor.config
    encode = predictor.vocab.encode
    sources = [encode(s)[: config.max_source_tokens] or [UNK] for s, _ in train]
    targets = [encode(t)[: config.max_target_tokens - 1] for _, t in train]

    def batches(epoch: int) -> list[list[int]]:
        lengths = [len(s) + len(t) for s, t in zip(sources, targets)]
        return data.length_batches(lengths, args.batch_size, args.seed + epoch)

    def collate(batch: list[int]) -> tuple[tuple[torch.Tensor, ...], int]:
        source, source_lengths = pad_batch([sources[i] for i in batch])
        target_in, _ = pad_batch([[BOS, *targets[i]] for i in batch])
        target_out, _ = pad_batch([[*targets[i], EOS] for i in batch])
        tokens = int(source_lengths.sum()) + int((target_out != PAD).sum())
        return (source, source_lengths, target_in, target_out), tokens

    def loss(model: torch.nn.Module, tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
        source, source_lengths, target_in, target_out = tensors
        logits = model(source, source_lengths, target_in)  # [batch, steps, vocab]
        return F.cross_entropy(
            logits.flatten(0, 1), target_out.flatten(), ignore_index=PAD, label_smoothing=args.label_smoothing
        )

    def validate() -> dict:
        return evaluate(predictor, validation, beam_size=1)

    return loop.Task(model, batches, collate, loss, validate, predictor.to_checkpoint)


if __name__ == "__main__":
    main()
