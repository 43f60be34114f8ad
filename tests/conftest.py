"""Shared test fixtures, built in code: tiny vocabularies, models, checkpoints and data files; and the
helpers that open a page of the app through AppTest."""

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from models import checkpoint
from models.atlas import atlas_path
from models.captioning import SPECIALS, Captioner, CaptioningConfig, CaptioningPredictor
from models.sentiment import EXAMPLES, SentimentConfig, SentimentModel, SentimentPredictor
from models.text import PieceVocab, Vocab, caption_words, tokenize
from models.translation import Seq2Seq, TranslationConfig, TranslationPredictor
from training import atlas as build
from training.translation import train_sentencepiece
from ui import shared

# One torch thread, as the app computes every answer: a test's own analysis then matches the page's
# to the last bit.
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SENTENCES = [
    ("a great film , moving and funny", 1),
    ("this movie is wonderful and i loved it", 1),
    ("not terrible at all , it 's great !", 1),
    ("dull , boring and far too long", 0),
    ("the worst script i have seen", 0),
    ("i hated every minute of it", 0),
]


def tiny_sentiment(cell="lstm", bidirectional=False, num_layers=1, seed=0, pool_last=False):
    torch.manual_seed(seed)
    vocab = Vocab.build([tokenize(text)[0] for text, _ in SENTENCES], max_size=100, min_count=1)
    config = SentimentConfig(
        vocab_size=len(vocab),
        embedding_dim=8,
        hidden_dim=6,
        num_layers=num_layers,
        bidirectional=bidirectional,
        cell=cell,
        dropout=0.0,
        max_tokens=50,
        pool_last=pool_last,
    )
    return SentimentPredictor(SentimentModel(config), vocab)


HISTORY = [
    {"epoch": 1, "train_loss": 0.69, "grad_norm": 0.4, "validation": {"score": 0.5}},
    {"epoch": 2, "train_loss": 0.61, "grad_norm": 0.7, "validation": {"score": 0.6}},
]


def save_sentiment(path: Path, predictor: SentimentPredictor) -> Path:
    metrics = {"split": "validation", "fixture": {"accuracy": 0.5, "examples": 6}, "score": 0.5}
    train = {"command": "fixture", "history": HISTORY}
    checkpoint.save(path, {**predictor.to_checkpoint(), "train": train, "metrics": metrics})
    return path


@pytest.fixture(scope="session")
def fixture_checkpoints(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("checkpoints")
    save_sentiment(folder / "sentiment.pt", tiny_sentiment(pool_last=True))
    for cell in ("rnn", "gru"):
        save_sentiment(folder / f"sentiment-{cell}.pt", tiny_sentiment(cell, pool_last=True))
    for name in ("translation-de-en", "translation-en-de"):
        translation = tiny_translation(languages=tuple(name.split("-")[1:]))
        metrics = {
            "split": "validation",
            "multi30k": {"bleu": 1.5, "beam_size": 1, "sentences": 6},
            "score": 1.5,
        }
        checkpoint.save(
            folder / f"{name}.pt", {**translation.to_checkpoint(), "train": {}, "metrics": metrics}
        )
    captioning = tiny_captioning()
    metrics = {"split": "validation", "bleu4": 0.05, "beam_size": 3}
    checkpoint.save(folder / "captioning.pt", {**captioning.to_checkpoint(), "train": {}, "metrics": metrics})
    return folder


def write_sentiment_data(folder: Path) -> tuple[Path, Path]:
    """An IMDB-shaped CSV and an SST-2-shaped folder, a few dozen rows each."""
    rows = SENTENCES * 6
    (folder / "imdb").mkdir()
    csv = folder / "imdb" / "train.csv"
    lines = ["id,rating,label,text"] + [
        f'{i},{9 if y else 2},{y},"{t} <br /> {i}"' for i, (t, y) in enumerate(rows)
    ]
    csv.write_text("\n".join(lines) + "\n")
    sst = folder / "sst2"
    sst.mkdir()
    (sst / "stsa.binary.train").write_text("".join(f"{y} {t}\n" for t, y in rows))
    (sst / "stsa.binary.dev").write_text("".join(f"{y} {t}\n" for t, y in SENTENCES))
    return csv, sst


PAIRS = [
    ("ein mann fährt fahrrad .", "a man rides a bike ."),
    ("zwei hunde spielen im schnee .", "two dogs play in the snow ."),
    ("eine frau liest ein buch .", "a woman reads a book ."),
    ("ein kind spielt mit einem ball .", "a child plays with a ball ."),
    ("drei männer stehen auf der straße .", "three men stand on the street ."),
    ("ein hund läuft über das gras .", "a dog runs across the grass ."),
]


def tiny_translation(cell: str = "gru", bidirectional: bool = True, seed: int = 0, languages=("de", "en")):
    torch.manual_seed(seed)
    pieces = train_sentencepiece([s for pair in PAIRS * 4 for s in pair], vocab_size=80)
    config = TranslationConfig(
        vocab_size=pieces.get_piece_size(),
        src=languages[0],
        tgt=languages[1],
        embedding_dim=8,
        hidden_dim=6,
        decoder_dim=10,
        bidirectional=bidirectional,
        cell=cell,
        dropout=0.0,
        max_source_tokens=20,
        max_target_tokens=12,
    )
    return TranslationPredictor(Seq2Seq(config), pieces)


def write_translation_data(folder: Path, pairs=PAIRS, languages=("de", "en"), name="multi30k") -> Path:
    """A Multi30k-shaped folder (README's layout for one's own parallel text): raw/{train,val}.{source,
    target}.gz, line i of one language's file translated on line i of the other's."""
    raw = folder / name / "raw"
    raw.mkdir(parents=True)
    for split, rows in (("train", pairs * 5), ("val", pairs)):
        for index, language in enumerate(languages):
            with gzip.open(raw / f"{split}.{language}.gz", "wt") as file:
                file.write("".join(pair[index] + "\n" for pair in rows))
    return folder / name


EVERYDAY = [(f"I see {n} dogs.", f"Ich sehe {n} Hunde.") for n in range(60)] + [
    ("I see 7 dogs.", "Ich sehe sieben Hunde.")
]


def write_everyday_pairs(folder: Path, pairs=EVERYDAY) -> Path:
    """A Tatoeba-shaped folder: one gzipped file of English<TAB>German<TAB>attribution lines, some
    English sentences with two translations."""
    (folder / "everyday").mkdir(parents=True)
    with gzip.open(folder / "everyday" / "eng-deu.txt.gz", "wt") as file:
        file.write("".join(f"{english}\t{german}\tCC-BY 2.0 (France)\n" for english, german in pairs))
    return folder / "everyday"


CAPTIONS = {
    "red": ["a red square on a white wall .", "A big red block ."],
    "blue": ["a blue circle in the sky .", "Blue ball , high up ."],
    "green": ["green grass in a field .", "A green lawn ."],
}


def tiny_captioning(cell: str = "lstm", seed: int = 0) -> CaptioningPredictor:
    torch.manual_seed(seed)
    words = sorted({w for texts in CAPTIONS.values() for t in texts for w in caption_words(t)})
    vocab = Vocab([*SPECIALS, *words])
    config = CaptioningConfig(
        vocab_size=len(vocab),
        embedding_dim=8,
        decoder_dim=10,
        attention_dim=6,
        cell=cell,
        dropout=0.0,
        max_length=8,
    )
    return CaptioningPredictor(Captioner(config), vocab)


def picture(colour: str, size=(64, 48)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    image.paste(colour, (size[0] // 4, size[1] // 4, 3 * size[0] // 4, 3 * size[1] // 4))
    return image


def write_captioning_data(folder: Path) -> Path:
    """A Flickr8k-shaped folder: images/, text/Flickr8k.token.txt and the split lists."""
    root = folder / "flickr8k"
    (root / "images").mkdir(parents=True)
    (root / "text").mkdir()
    names = {f"{colour}{i}.jpg": colour for colour in CAPTIONS for i in range(3)}
    for name, colour in names.items():
        picture(colour).save(root / "images" / name)
    lines = [
        f"{name}#{k}\t{text}" for name, colour in names.items() for k, text in enumerate(CAPTIONS[colour])
    ]
    (root / "text" / "Flickr8k.token.txt").write_text("\n".join(lines) + "\n")
    train, dev = [n for n in names if not n.startswith(("red2", "blue2"))], ["red2.jpg", "blue2.jpg"]
    (root / "text" / "Flickr_8k.trainImages.txt").write_text("\n".join(train) + "\n")
    (root / "text" / "Flickr_8k.devImages.txt").write_text("\n".join(dev) + "\n")
    return root


# Pages through AppTest: the app on a folder of checkpoints, opened at one page.


def app(monkeypatch, folder) -> AppTest:
    """The app reading its checkpoints from `folder`, every cache of an earlier test emptied; not yet run."""
    monkeypatch.setattr(shared, "CHECKPOINTS", folder)
    shared.MODELS.clear()
    shared.ANALYSES.clear()
    shared._info.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def open_page(monkeypatch, folder, path: str) -> AppTest:
    """The app opened at the page `path` (as the registry names it), run once."""
    return app(monkeypatch, folder).run().switch_page(path).run()


def chart_rows(chart) -> pd.DataFrame:
    """The data a chart of AppTest's draws (its first dataset)."""
    return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()


@pytest.fixture(scope="module")
def atlas_checkpoints(fixture_checkpoints, tmp_path_factory) -> Path:
    """The fixture checkpoints, the LSTM with an atlas over the fixture texts, the GRU with the LSTM's
    (stale) atlas, and a user's own model, "mine", without one."""
    folder = tmp_path_factory.mktemp("atlas_checkpoints")
    for path in fixture_checkpoints.glob("*.pt"):
        shutil.copy(path, folder)
    csv, sst = write_sentiment_data(folder)
    build.main([str(folder / "sentiment.pt"), "--data", str(csv), str(sst), "--snippets", "5"])
    shutil.copy(atlas_path(folder / "sentiment.pt"), atlas_path(folder / "sentiment-gru.pt"))
    save_sentiment(folder / "mine.pt", tiny_sentiment("gru", seed=3))
    return folder


def inside_page(monkeypatch, folder, page: str) -> AppTest:
    at = open_page(monkeypatch, folder, f"pages/{page}.py")
    assert not at.exception, at.exception
    return at


def without_checkpoint(monkeypatch, folder, path: str) -> str:
    """What the page `path` says on a folder without its checkpoint: its messages, never a traceback."""
    at = open_page(monkeypatch, folder, path)
    assert not at.exception, at.exception
    return " ".join(message.value for message in [*at.error, *at.warning, *at.info])


@pytest.fixture(scope="session")
def korean_checkpoints(fixture_checkpoints, tmp_path_factory) -> Path:
    """The English fixture models and a tiny Korean one, sentiment-ko, that reads sentencepiece pieces."""
    folder = tmp_path_factory.mktemp("korean_checkpoints")
    for path in fixture_checkpoints.glob("sentiment*.pt"):
        shutil.copy(path, folder)
    texts = [
        *EXAMPLES["ko"].values(),
        "정말 재미있는 영화였다",
        "연기가 너무 좋았다",
        "너무 지루하고 재미없다",
    ]
    vocab = PieceVocab.learn(texts * 10, 60)
    torch.manual_seed(0)
    config = SentimentConfig(
        vocab_size=len(vocab), embedding_dim=8, hidden_dim=6, dropout=0.0, tokens="pieces"
    )
    save_sentiment(folder / "sentiment-ko.pt", SentimentPredictor(SentimentModel(config), vocab))
    return folder
