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
from models import registry, vision
from models.captioning import GALLERY, PHOTOS, SPECIALS, Captioner, CaptioningConfig, CaptioningPredictor
from models.errors import first_line
from models.search import known, sample
from models.settings import option
from models.text import BOS, EOS, PAD, Vocab, caption_words, pad_batch
from training import card, data, loop, pictures, record
from training.cider import CiderD
from training.flags import pick


@dataclass
class CaptioningTraining(loop.LoopConfig):
    data: str = option("jxie/flickr8k", "hub name, or a local Flickr8k folder (images/, text/)")
    out: str = option(
        f"checkpoints/{registry.default('captioning')}.pt", "where the best checkpoint is written"
    )
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
    scst: bool = option(
        False,
        "self-critical sequence training: reward captions sampled from the --init decoder by their "
        "CIDEr-D against the references (each one's baseline: the others' mean) instead of "
        "predicting the reference words; --batch-size then counts images",
    )
    samples: int = option(5, "captions sampled per image under --scst", minimum=2)
    xe_weight: float = option(
        0.0,
        "under --scst, also learn one reference caption per image by cross-entropy, weighted so "
        "(keeps what the decoder says varied where rewards alone narrow it)",
        minimum=0,
    )


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
        raise data.DataError(
            f"image {split.ids[index]}: not an image that can be decoded ({first_line(error)})"
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
    distinct = len(set(normal))  # captions that differ: self-critical training tends to narrow them
    return {
        **scores,
        "cider": round(cider_d, 4),
        "distinct": distinct,
        "beam_size": beam_size,
        "images": len(features),
    }


def build_vocab(captions: list[list[str]], min_count: int) -> Vocab:
    counts = Counter(word for texts in captions for text in texts for word in caption_words(text))
    return Vocab([*SPECIALS, *(w for w, n in counts.most_common() if n >= min_count)])


def main(argv: list[str] | None = None) -> dict:
    argv, args = loop.setup(__doc__, argv, CaptioningTraining, CaptioningConfig)
    if args.scst and not args.init:
        raise SystemExit(
            "--scst fine-tunes a trained decoder: give --init CHECKPOINT (a cross-entropy run's)."
        )
    resumed, initial, start = loop.starting_points(args, "captioning")
    try:
        splits = data.load_captioning(args.data, args.limit)
        predictor = build_predictor(args, splits["train"], start)
        features = {
            k: cached_features(predictor.encoder, args.data, s, args.cache_dir) for k, s in splits.items()
        }
    except data.DataError as error:
        raise SystemExit(str(error)) from None
    print(f"training on {len(splits['train'].ids):,} images; {len(predictor.vocab):,} words", flush=True)
    task = (self_critical_task if args.scst else training_task)(predictor, splits, features, args)
    if args.record:
        photos = [(GALLERY / name).read_bytes() for name in PHOTOS.values()]
        task.recorder = record.decoder_recorder(predictor, photos, list(PHOTOS), lambda a: a.tokens)
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
    pairs = [
        (image, ids)
        for image, captions in enumerate(encoded_captions(splits, vocab, args))
        for ids in captions
    ]

    def batches(epoch: int) -> list[list[int]]:
        return data.length_batches([len(ids) for _, ids in pairs], args.batch_size, args.seed + epoch)

    def collate(batch: list[int]) -> tuple[tuple[torch.Tensor, ...], int]:
        caption_in, _ = pad_batch([[BOS, *pairs[i][1]] for i in batch])
        caption_out, _ = pad_batch([[*pairs[i][1], EOS] for i in batch])
        regions = features["train"][[pairs[i][0] for i in batch]]  # float16: half the bytes to move
        return (regions, caption_in, caption_out), int((caption_out != PAD).sum())

    def loss(model: torch.nn.Module, tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
        regions, caption_in, caption_out = tensors
        logits, attention = model(regions.float(), caption_in)  # [batch, steps, vocab], [.., regions]
        seen = (attention * (caption_out != PAD)[:, :, None]).sum(dim=1)  # [batch, regions]
        return word_loss(logits, caption_out, args) + args.attention_penalty * ((1 - seen) ** 2).mean()

    return loop.Task(
        model, batches, collate, loss, validation(predictor, splits, features, args), predictor.to_checkpoint
    )


def encoded_captions(splits: dict, vocab: Vocab, args) -> list[list[list[int]]]:
    """Each training image's reference captions as word ids, cut to leave room for EOS."""
    return [
        [vocab.encode(caption_words(text))[: args.max_length - 1] for text in texts]
        for texts in splits["train"].captions
    ]


def word_loss(logits: torch.Tensor, caption_out: torch.Tensor, args) -> torch.Tensor:
    """Cross-entropy of the words [batch, steps] (padding left out), label-smoothed."""
    return F.cross_entropy(
        logits.flatten(0, 1), caption_out.flatten(), ignore_index=PAD, label_smoothing=args.label_smoothing
    )


def self_critical_task(predictor: CaptioningPredictor, splits: dict, features: dict, args) -> loop.Task:
    """Self-critical sequence training (Rennie et al. 2017): sample captions, then raise the
    probability of those that score above the image's other samples in CIDEr-D, lower the rest."""
    model, vocab, k = predictor.model, predictor.vocab, args.samples
    references = [[caption_words(text) for text in texts] for texts in splits["train"].captions]
    cider = CiderD(references)
    reference_vectors = [[cider.vector(words) for words in refs] for refs in references]
    encoded = encoded_captions(splits, vocab, args)

    def batches(epoch: int) -> list[list[int]]:
        return data.length_batches([1] * len(references), args.batch_size, args.seed + epoch)

    def collate(batch: list[int]) -> tuple[tuple[torch.Tensor, ...], int]:
        return (features["train"][batch], torch.tensor(batch)), len(batch) * k

    def loss(model: torch.nn.Module, tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
        own, images = tensors[0].float(), tensors[1].tolist()  # one row per image
        regions, images = own.repeat_interleave(k, dim=0), [i for i in images for _ in range(k)]
        drawn = draw(getattr(model, "module", model), regions)  # DistributedDataParallel's .module
        rewards = torch.tensor(
            [
                cider.score([vocab.tokens[i] for i in ids], reference_vectors[image])
                for ids, image in zip(drawn, images)
            ]
        ).view(-1, k)
        baseline = (rewards.sum(dim=1, keepdim=True) - rewards) / (k - 1)
        advantage = (rewards - baseline).view(-1, 1).to(regions.device)
        # --xe-weight: one of each image's references, drawn at random, learned by cross-entropy too,
        # in the same forward pass as the samples
        chosen = (
            [encoded[i][int(torch.randint(len(encoded[i]), ()))] for i in images[::k]]
            if args.xe_weight
            else []
        )
        caption_in, _ = pad_batch([[BOS, *ids] for ids in drawn + chosen])
        caption_out, _ = pad_batch([[*ids, EOS] for ids in drawn + chosen])
        caption_in, caption_out = caption_in.to(regions.device), caption_out.to(regions.device)
        logits, _ = model(torch.cat([regions, own[: len(chosen)]]), caption_in)  # gradients flow as usual
        n = len(drawn)
        log_probs = known(logits[:n]).log_softmax(dim=-1).gather(-1, caption_out[:n, :, None]).squeeze(-1)
        real = caption_out[:n] != PAD
        loss = -(advantage * log_probs * real).sum() / real.sum()
        return loss + args.xe_weight * word_loss(logits[n:], caption_out[n:], args) if chosen else loss

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
