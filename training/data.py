"""Dataset loading (a hub name or a local path), validation splits and batching by length."""

import csv
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import datasets
from datasets import load_dataset

# The scripts print one line about the data they read; the library's own bars ("Generating train
# split", one per file and split) would bury it.
datasets.disable_progress_bars()

Rows = list[tuple[str, int]]  # (text, label)
TEXT_COLUMNS = ("text", "sentence", "document")
SPLIT_NAMES = ("train", "training", "validation", "valid", "val", "dev", "test", "data")  # name no source
VALIDATION_PERCENT = 10


class DataError(Exception):
    """A data source that cannot be used; the message names the problem."""


def source_name(spec: str) -> str:
    """A short name for metrics and cards: a file's name without its suffixes ('reviews.csv' ->
    'reviews'), its folder's for a file named after a split ('../shared/data/imdb/train.csv.gz' ->
    'imdb'); a folder's or hub dataset's last part ('stanfordnlp/imdb' -> 'imdb')."""
    path = Path(spec)
    if not path.is_file():
        return path.name.lower()
    stem = Path(path.name.removesuffix(".gz")).stem.lower()
    return (path.resolve().parent.name.lower() or stem) if stem in SPLIT_NAMES else stem


def load_sources(specs: list[str], load: Callable[[str], dict]) -> dict[str, dict]:
    """{source name: load(spec)} for every spec; two sources may not share a name."""
    sources = {}
    for spec in specs:
        name = source_name(spec)
        if name in sources:
            raise DataError(
                f"{spec}: a second source named {name!r}; rename one of the two files or folders."
            )
        sources[name] = load(spec)
    return sources


def _read_or_explain(spec: str, read: Callable[[], dict]) -> dict:
    """read(), its failures (the hub unreachable, a malformed file, ...) as a DataError naming `spec`."""
    try:
        return read()
    except DataError:
        raise
    except Exception as error:
        raise DataError(f"{spec}: cannot be read ({type(error).__name__}: {error})") from None


def load_sentiment_sources(specs: list[str], limit: int = 0) -> dict[str, dict[str, Rows]]:
    return load_sources(specs, lambda spec: load_sentiment(spec, limit))


def load_sentiment(spec: str, limit: int = 0) -> dict[str, Rows]:
    """{"train": rows, "validation": rows} from a hub name, a CSV file or an SST-2 folder.

    Sources without a validation split get a stable 10% carve-out by text hash: the same
    reviews whatever the seed, order or machine, and duplicates never straddle the split."""
    splits = _read_or_explain(spec, lambda: _read(spec))
    if "validation" not in splits:
        rows = splits["train"]
        splits = {
            "train": [r for r in rows if not _held_out(r[0])],
            "validation": [r for r in rows if _held_out(r[0])],
        }
    for split in ("train", "validation"):
        if not splits.get(split):
            raise DataError(f"{spec}: the {split} split is empty.")
    return {split: rows[:limit] if limit else rows for split, rows in splits.items()}


def _held_out(text: str) -> bool:
    return zlib.crc32(text.encode()) % 100 < VALIDATION_PERCENT


def _read(spec: str) -> dict[str, Rows]:
    path = Path(spec)
    if path.is_dir() and (path / NSMC_FILES["train"]).is_file():
        files = {split: str(path / name) for split, name in NSMC_FILES.items()}
        dataset = load_dataset("csv", data_files=files, delimiter="\t", quoting=csv.QUOTE_NONE)
    elif path.is_dir() and (path / "stsa.binary.train").is_file():
        files = {"train": str(path / "stsa.binary.train"), "validation": str(path / "stsa.binary.dev")}
        for split, file in files.items():
            if not Path(file).is_file() or Path(file).stat().st_size == 0:
                raise DataError(f"{spec}: the {split} split is empty or missing ({file}).")
        dataset = load_dataset("text", data_files=files)
        return {split: _sst_rows(rows["text"]) for split, rows in dataset.items()}
    elif path.is_file():
        dataset = load_dataset("csv", data_files={"train": str(path)})
    elif path.exists():
        raise DataError(
            f"{spec}: not a CSV file, an SST-2 folder (stsa.binary.train/dev) or an NSMC folder "
            f"({', '.join(NSMC_FILES.values())})."
        )
    elif spec.startswith((".", "/")) or spec.endswith((".csv", ".gz")):
        raise DataError(f"{spec}: no such file or folder.")
    else:
        dataset = load_dataset(spec)
    return {
        split: _text_label_rows(spec, rows)
        for split, rows in dataset.items()
        if split in ("train", "validation")
    }


# The Naver sentiment movie corpus as its repository ships it: tab-separated id, document, label.
NSMC_FILES = {"train": "ratings_train.txt.gz", "validation": "ratings_val.txt.gz"}


def _sst_rows(lines: list[str]) -> Rows:
    """SST-2's '<label> <sentence>' lines."""
    rows = [(sentence, int(label)) for label, _, sentence in (line.partition(" ") for line in lines)]
    return [(text, label) for text, label in rows if text.strip()]


def _text_label_rows(spec: str, rows) -> Rows:
    """The one column mapping: `text` (IMDB), `sentence` (SST-2) or `document` (NSMC) plus `label` 0/1."""
    text_column = next((c for c in TEXT_COLUMNS if c in rows.column_names), None)
    if text_column is None or "label" not in rows.column_names:
        raise DataError(
            f"{spec}: needs a text column ({', '.join(TEXT_COLUMNS)}) and a 'label' column; it has "
            f"{rows.column_names}."
        )
    pairs = zip(rows[text_column], rows["label"])
    return [(t, int(y)) for t, y in pairs if isinstance(t, str) and t.strip() and int(y) in (0, 1)]


Pairs = list[tuple[str, str]]  # (source sentence, target sentence)


def load_translation_sources(
    specs: list[str], source: str, target: str, limit: int = 0
) -> dict[str, dict[str, Pairs]]:
    return load_sources(specs, lambda spec: load_translation(spec, source, target, limit))


def load_translation(spec: str, source: str, target: str, limit: int = 0) -> dict[str, Pairs]:
    """{"train": pairs, "validation": pairs} from the hub's Multi30k (json lines with one column per
    language), a local Multi30k folder (raw/<split>.<language>.gz, line i of each file aligned), or
    English<TAB>other-language lines as Tatoeba's Anki files hold them (a .txt/.tsv file, gzipped or
    not, or a folder of them)."""
    splits = _read_or_explain(spec, lambda: _read_pairs(spec, source, target))
    for split in ("train", "validation"):
        if not splits.get(split):
            raise DataError(f"{spec}: the {split} split is empty or missing.")
    return {split: pairs[:limit] if limit else pairs for split, pairs in splits.items()}


def _read_pairs(spec: str, source: str, target: str) -> dict[str, Pairs]:
    tab_files = _tab_files(Path(spec))
    if tab_files:
        return _read_tab_pairs(spec, tab_files, source, target)
    raw = Path(spec) / "raw"
    if raw.is_dir():
        files = {
            split: {lang: str(raw / f"{name}.{lang}.gz") for lang in (source, target)}
            for split, name in (("train", "train"), ("validation", "val"))
        }
        missing = [f for langs in files.values() for f in langs.values() if not Path(f).is_file()]
        if missing:
            raise DataError(f"{spec}: missing {', '.join(missing)}.")
        texts = {
            split: {lang: load_dataset("text", data_files=f)["train"]["text"] for lang, f in langs.items()}
            for split, langs in files.items()
        }
        return {split: _aligned(spec, t[source], t[target]) for split, t in texts.items()}
    if Path(spec).exists() or spec.startswith((".", "/")):
        raise DataError(f"{spec}: not a Multi30k folder (raw/train.{source}.gz ...).")
    dataset = load_dataset(spec)
    for split in dataset.values():
        if not {source, target} <= set(split.column_names):
            raise DataError(f"{spec}: needs '{source}' and '{target}' columns; it has {split.column_names}.")
    return {
        split: _aligned(spec, rows[source], rows[target])
        for split, rows in dataset.items()
        if split in ("train", "validation")
    }


TAB_SUFFIXES = (".txt", ".txt.gz", ".tsv", ".tsv.gz")


def _tab_files(path: Path) -> list[str]:
    if path.is_file():
        return [str(path)] if path.name.endswith(TAB_SUFFIXES) else []
    if path.is_dir() and not (path / "raw").is_dir():
        return sorted(str(f) for f in path.iterdir() if f.name.endswith(TAB_SUFFIXES))
    return []


def _read_tab_pairs(spec: str, files: list[str], source: str, target: str) -> dict[str, Pairs]:
    """English<TAB>other lines (a third column, the attribution, is ignored). The validation split
    is a stable 10% carve-out by English sentence, so that no sentence's alternative translations
    straddle it."""
    if "en" not in (source, target) or source == target:
        raise DataError(f"{spec}: holds English<TAB>other-language pairs; --src or --tgt must be en.")
    splits: dict[str, Pairs] = {"train": [], "validation": []}
    for line in load_dataset("text", data_files=files)["train"]["text"]:
        english, _, rest = line.partition("\t")
        other = rest.partition("\t")[0].strip()
        if english.strip() and other:
            pair = (english.strip(), other) if source == "en" else (other, english.strip())
            splits["validation" if _held_out(english.strip().lower()) else "train"].append(pair)
    return splits


def _aligned(spec: str, sources: list[str], targets: list[str]) -> Pairs:
    if len(sources) != len(targets):
        raise DataError(f"{spec}: {len(sources)} source lines but {len(targets)} target lines.")
    return [(s.strip(), t.strip()) for s, t in zip(sources, targets) if s.strip() and t.strip()]


def length_batches(lengths: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, in a shuffled order.

    Sorting within pools of 50 batches keeps padding small and batches still random."""
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool_size = batch_size * 50
    batches = []
    for start in range(0, len(order), pool_size):
        pool = sorted(order[start : start + pool_size], key=lambda i: lengths[i])
        batches += [pool[i : i + batch_size] for i in range(0, len(pool), batch_size)]
    rng.shuffle(batches)
    return batches


@dataclass
class CaptionedImages:
    """One split: image ids, the captions of each, and how to open each image."""

    ids: list[str]
    captions: list[list[str]]
    image: Callable[[int], object]  # index -> a path, file bytes or a PIL image


def load_captioning(spec: str, limit: int = 0) -> dict[str, CaptionedImages]:
    """{"train", "validation"} from the hub's Flickr8k (`image`, `caption_0`..`caption_4`) or a
    local Flickr8k folder (images/, text/Flickr8k.token.txt and the Flickr_8k.*Images.txt lists)."""
    splits = _read_or_explain(spec, lambda: _read_captioned(spec))
    for split in ("train", "validation"):
        if not splits.get(split) or not splits[split].ids:
            raise DataError(f"{spec}: the {split} split is empty or missing.")
    if limit:
        splits = {k: CaptionedImages(s.ids[:limit], s.captions[:limit], s.image) for k, s in splits.items()}
    return splits


FLICKR_LISTS = {"train": "Flickr_8k.trainImages.txt", "validation": "Flickr_8k.devImages.txt"}


def _read_captioned(spec: str) -> dict[str, CaptionedImages]:
    root = Path(spec)
    if (root / "text").is_dir():
        return _read_flickr_folder(spec, root)
    if root.exists() or spec.startswith((".", "/")):
        raise DataError(f"{spec}: not a Flickr8k folder (images/ and text/Flickr8k.token.txt).")
    dataset = load_dataset(spec)
    splits = {}
    for split in ("train", "validation"):
        rows = dataset[split]
        columns = ["image", *(f"caption_{i}" for i in range(5))]
        if not set(columns) <= set(rows.column_names):
            raise DataError(f"{spec}: needs columns {columns}; it has {rows.column_names}.")
        captions = [list(texts) for texts in zip(*(rows[c] for c in columns[1:]))]
        ids = [f"{split}-{i}" for i in range(len(rows))]
        splits[split] = CaptionedImages(ids, captions, lambda i, rows=rows: rows[i]["image"])
    return splits


def _read_flickr_folder(spec: str, root: Path) -> dict[str, CaptionedImages]:
    files = [root / "text" / name for name in ("Flickr8k.token.txt", *FLICKR_LISTS.values())]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise DataError(f"{spec}: missing {', '.join(missing)}.")
    lines = load_dataset("text", data_files=str(files[0]))["train"]["text"]
    captions: dict[str, list[str]] = {}
    for line in lines:
        key, _, caption = line.partition("\t")
        if caption.strip():
            captions.setdefault(key.partition("#")[0], []).append(caption.strip())
    splits = {}
    for split, name in FLICKR_LISTS.items():
        listed = load_dataset("text", data_files=str(root / "text" / name))["train"]["text"]
        ids = [i.strip() for i in listed if i.strip() in captions]
        splits[split] = CaptionedImages(
            ids, [captions[i] for i in ids], lambda i, ids=ids: root / "images" / ids[i]
        )
    return splits


def mixed(sources: dict[str, dict], oversample: list[int]) -> list:
    """Every source's training rows, each source's repeated as often as `oversample` says (missing: once)."""
    repeats = oversample + [1] * (len(sources) - len(oversample))
    return [row for splits, n in zip(sources.values(), repeats) for row in splits["train"] * n]
