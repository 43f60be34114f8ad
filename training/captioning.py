"""Train the one-to-many captioning decoder on cached CNN features: python -m training.captioning --help."""

import hashlib
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import sacrebleu
import torch
import torch.nn.functional as F
from tqdm import tqdm

from models import checkpoint as ckpt
from models import vision
from models.captioning import SPECIALS, Captioner, CaptioningConfig, CaptioningPredictor
from models.search import BOS, EOS, PAD, known, sample
from models.text import Vocab, caption_words, pad_batch
from training import card, data, loop, pictures
from training.cider import CiderD
from training.flags import option, pick


@dataclass
class CaptioningTraining(loop.LoopConfig):
    data: str = option("jxie/flickr8k", "hub name, or a local Flickr8k folder (images/, text/)")
    out: str = option("checkpoints/captioning.pt", "where the best checkpoint is written")
    epochs: int = option(10, "passes over the training captions", minimum=1)
    cache_dir: str = option("~/.cache/unfold", "where the encoder's features are cached between runs")
    min_count: int = option(5, "keep words seen at least this often in the training captions", minimum=1)
    batch_size: int = option(96, "captions per batch", minimum=1)
    limit: int = option(0, "use only the first N images of each split (0: all)", minimum=0)
    beam_size: int = option(3, "beam width of the validation BLEU that picks the best epoch", minimum=1)
    label_smoothing: float = option(0.1, "label smoothing of the word distribution", minimum=0, below=1)
    attention_penalty: float = option(
        1.0, "doubly stochastic attention: push every region's total attention towards 1", minimum=0
    )
    cell: str = option("lstm", "recurrent cell of the decoder", choices=["rnn", "lstm", "gru"])
    embedding_dim: int = option(256, "word embedding size", minimum=1)
    hidden_dim: int = option(512, "decoder state size", minimum=1)
    attention_dim: int = option(256, "attention scoring size", minimum=1)
    dropout: float = option(0.5, "dropout on words and before the output", minimum=0, below=1)
    max_length: int = option(30, "longest caption produced, in words; longer ones are cut", minimum=2)
    scst: bool = option(
        False,
        "self-critical sequence training: reward captions sampled from the --init decoder by their "
        "CIDEr-D against the references (each one's baseline: the others' mean) instead of "
        "predicting the reference words; --batch-size then counts images",
    )
    samples: int = option(5, "captions sampled per image under --scst", minimum=2)


def cached_features(
    encoder: vision.ImageEncoder,
    source: str,
    split: data.CaptionedImages,
    cache_dir: str,
    batch_size: int = 32,
) -> torch.Tensor:
    """Region features [images, 49, feature_dim] (float16) of a split, computed once per data source,
    images and encoder, and kept in `cache_dir`: the encoder is frozen, so every epoch would compute
    the same."""
    origin = str(Path(source).resolve()) if Path(source).exists() else source
    described = [vision.encoder_version(), pictures.PIPELINE, origin, *split.ids]
    key = hashlib.sha256("\n".join(described).encode()).hexdigest()[:16]
    path = Path(cache_dir).expanduser() / f"features-{vision.ENCODER}-{key}.pt"
    if path.is_file():
        return torch.load(path, weights_only=True)
    chunks = []
    for start in tqdm(range(0, len(split.ids), batch_size), desc="encoding images", file=sys.stderr):
        indices = range(start, min(start + batch_size, len(split.ids)))
        with torch.inference_mode():
            chunks.append(encoder(_encoder_input(split, indices)).half())
    features = torch.cat(chunks)
    ckpt.atomic_save(features, path)
    return features


def _encoder_input(split: data.CaptionedImages, indices: range) -> torch.Tensor:
    return torch.stack([_picture(split, i) for i in indices])


def _picture(split: data.CaptionedImages, index: int) -> torch.Tensor:
    try:
        return pictures.encoder_input(split.image(index))
    except (RuntimeError, OSError, ValueError) as error:  # what decoding raises on a damaged file
        reason = (str(error).splitlines() or [type(error).__name__])[0][:120]
        raise data.DataError(
            f"image {split.ids[index]}: not an image that can be decoded ({reason})"
        ) from None


def caption_metrics(
    predictor: CaptioningPredictor, features: torch.Tensor, captions: list[list[str]], beam_size: int
) -> dict:
    """Corpus BLEU-1..4 (0..1) against every reference, all normalised as captioning papers do, and
    CIDEr-D (document frequencies from these references, as the COCO evaluation counts them)."""
    hypotheses = []
    for start in range(0, len(features), 100):
        chunk = features[start : start + 100].float()
        hypotheses += predictor.caption_features(chunk, beam_size=beam_size)
    normal = [" ".join(caption_words(h)) for h in hypotheses]
    references = [[" ".join(caption_words(c[k])) if k < len(c) else "" for c in captions] for k in range(5)]
    scores = {
        f"bleu{n}": round(
            sacrebleu.BLEU(max_ngram_order=n, tokenize="none").corpus_score(normal, references).score / 100, 4
        )
        for n in range(1, 5)
    }
    words = [[caption_words(c) for c in refs] for refs in captions]
    cider = CiderD(words)
    cider_d = sum(
        cider.score(h.split(), [cider.vector(w) for w in refs]) for h, refs in zip(normal, words)
    ) / len(captions)
    return {**scores, "cider": round(cider_d, 4), "beam_size": beam_size, "images": len(features)}


def build_vocab(captions: list[list[str]], min_count: int) -> Vocab:
    counts = Counter(word for texts in captions for text in texts for word in caption_words(text))
    return Vocab([*SPECIALS, *(w for w, n in counts.most_common() if n >= min_count)])


def main(argv: list[str] | None = None) -> dict:
    argv, args = loop.setup(__doc__, argv, CaptioningTraining)
    if args.scst and not args.init:
        raise SystemExit(
            "--scst fine-tunes a trained decoder: give --init CHECKPOINT (a cross-entropy run's)."
        )
    resumed = loop.read_resume(args.out) if args.resume else None
    try:
        initial = loop.read_init(args.init, "captioning")
        splits = data.load_captioning(args.data, args.limit)
        predictor = build_predictor(args, splits["train"], resumed["checkpoint"] if resumed else initial)
        features = {
            k: cached_features(predictor.encoder, args.data, s, args.cache_dir) for k, s in splits.items()
        }
    except data.DataError as error:
        raise SystemExit(str(error)) from None
    print(f"training on {len(splits['train'].ids):,} images; {len(predictor.vocab):,} words", flush=True)
    task = (self_critical_task if args.scst else training_task)(predictor, splits, features, args)
    run = {
        **loop.describe_run("training.captioning", argv, args, initial),
        "encoder": vision.encoder_version(),
    }
    metrics = loop.fit(task, pick(loop.LoopConfig, args), run, resumed)
    if loop.is_writer():
        card.write(Path(args.out))  # the model card's measured part, from the checkpoint just written
    return metrics


def build_predictor(args, train: data.CaptionedImages, start: dict | None) -> CaptioningPredictor:
    """A fresh decoder with words from the training captions, or the one in `start` (a checkpoint)."""
    if start:
        return CaptioningPredictor.from_checkpoint(start)
    vocab = build_vocab(train.captions, args.min_count)
    return CaptioningPredictor(Captioner(pick(CaptioningConfig, args, vocab_size=len(vocab))), vocab)


def training_task(predictor: CaptioningPredictor, splits: dict, features: dict, args) -> loop.Task:
    model, vocab = predictor.model, predictor.vocab
    pairs = [  # (image index, word ids): one example per caption
        (image, vocab.encode(caption_words(text))[: args.max_length - 1])
        for image, texts in enumerate(splits["train"].captions)
        for text in texts
    ]

    def batches(epoch: int) -> list[list[int]]:
        return data.length_batches([len(words) for _, words in pairs], args.batch_size, args.seed + epoch)

    def collate(batch: list[int]) -> tuple[tuple[torch.Tensor, ...], int]:
        words_in, _ = pad_batch([[BOS, *pairs[i][1]] for i in batch])
        words_out, _ = pad_batch([[*pairs[i][1], EOS] for i in batch])
        regions = features["train"][[pairs[i][0] for i in batch]]  # float16: half the bytes to move
        return (regions, words_in, words_out), int((words_out != PAD).sum())

    def loss(model: torch.nn.Module, tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
        regions, words_in, words_out = tensors
        logits, attention = model(regions.float(), words_in)  # [batch, steps, vocab], [batch, steps, regions]
        loss = F.cross_entropy(
            logits.flatten(0, 1), words_out.flatten(), ignore_index=PAD, label_smoothing=args.label_smoothing
        )
        seen = (attention * (words_out != PAD)[:, :, None]).sum(dim=1)  # [batch, regions]
        return loss + args.attention_penalty * ((1 - seen) ** 2).mean()

    return loop.Task(
        model, batches, collate, loss, validation(predictor, splits, features, args), predictor.to_checkpoint
    )


def self_critical_task(predictor: CaptioningPredictor, splits: dict, features: dict, args) -> loop.Task:
    """Self-critical sequence training (Rennie et al. 2017): sample captions, then raise the
    probability of those that score above the image's other samples in CIDEr-D, lower the rest."""
    model, vocab, k = predictor.model, predictor.vocab, args.samples
    references = [[caption_words(text) for text in texts] for texts in splits["train"].captions]
    cider = CiderD(references)
    reference_vectors = [[cider.vector(words) for words in refs] for refs in references]

    def batches(epoch: int) -> list[list[int]]:
        return data.length_batches([1] * len(references), args.batch_size, args.seed + epoch)

    def collate(batch: list[int]) -> tuple[tuple[torch.Tensor, ...], int]:
        return (features["train"][batch], torch.tensor(batch)), len(batch) * k

    def loss(model: torch.nn.Module, tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
        regions, images = tensors
        regions, images = regions.float().repeat_interleave(k, dim=0), images.repeat_interleave(k).tolist()
        drawn = draw(getattr(model, "module", model), regions)  # DistributedDataParallel's .module
        rewards = torch.tensor(
            [
                cider.score([vocab.tokens[i] for i in ids], reference_vectors[image])
                for ids, image in zip(drawn, images)
            ]
        ).view(-1, k)
        baseline = (rewards.sum(dim=1, keepdim=True) - rewards) / (k - 1)
        advantage = (rewards - baseline).view(-1, 1).to(regions.device)
        words_in, _ = pad_batch([[BOS, *ids] for ids in drawn])
        words_out, _ = pad_batch([[*ids, EOS] for ids in drawn])
        words_in, words_out = words_in.to(regions.device), words_out.to(regions.device)
        logits, _ = model(regions, words_in)  # the forward pass, so gradients flow as in cross-entropy
        log_probs = known(logits).log_softmax(dim=-1).gather(-1, words_out[:, :, None]).squeeze(-1)
        real = words_out != PAD
        return -(advantage * log_probs * real).sum() / real.sum()

    def draw(captioner: Captioner, regions: torch.Tensor) -> list[list[int]]:
        captioner.eval()  # sample from the decoder without dropout, the one people will use
        with torch.no_grad():
            attended, state = captioner.start(regions)
            drawn = sample(captioner.next_token_function(), state, attended, captioner.config.max_length)
        captioner.train()
        return drawn

    return loop.Task(
        model, batches, collate, loss, validation(predictor, splits, features, args), predictor.to_checkpoint
    )


def validation(predictor: CaptioningPredictor, splits: dict, features: dict, args):
    def validate() -> dict:
        metrics = caption_metrics(
            predictor, features["validation"], splits["validation"].captions, args.beam_size
        )
        return {"split": "validation", **metrics, "score": metrics["bleu4"]}

    return validate


if __name__ == "__main__":
    main()
