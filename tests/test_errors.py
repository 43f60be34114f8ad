"""What models/ raises reaches a visitor in their language: every error with a key is worded in
locales/*/errors.toml exactly as its raise site words it in English, and pages show it translated."""

import ast
import re
import shutil

import pytest
import torch

import models
from models import dynamics, registry
from models.errors import Said
from tests.conftest import ROOT, app, save_sentiment, tiny_sentiment
from ui import language, shared
from ui.language import catalogue, placeholders

HANGUL = re.compile("[\uac00-\ud7a3]")


def said_classes(cls: type = Said) -> set[str]:
    """The names of Said and every error class built on it (models imports them all)."""
    return {cls.__name__}.union(*(said_classes(sub) for sub in cls.__subclasses__()))


def raise_sites() -> list[tuple[str, ast.Call]]:
    """Every construction of such an error in models/, as "file:line" and its call."""
    names = said_classes() - {Said.__name__}
    sites = []
    for path in sorted((ROOT / "models").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            function = getattr(node, "func", None)
            if getattr(function, "id", getattr(function, "attr", None)) in names:
                sites.append((f"{path.name}:{node.lineno}", node))
    return sites


def test_every_raise_site_is_worded_as_the_english_catalogue():
    english = {key.removeprefix("errors."): text for key, text in catalogue("en").items()}
    used = set()
    for site, call in raise_sites():
        assert len(call.args) == 2, f"{site}: an error takes its English text and its key"
        text, key = (ast.literal_eval(argument) for argument in call.args)
        assert english.get(key) == text, f"{site}: {key} reads otherwise in locales/en/errors.toml"
        named = {keyword.arg for keyword in call.keywords}  # None for **values, checked when raised
        assert named - {None} <= placeholders(text), f"{site}: a value the text does not name"
        assert None in named or named == placeholders(text), f"{site}: a placeholder without a value"
        used.add(key)
    assert used == {key.removeprefix("errors.") for key in catalogue("en") if key.startswith("errors.")}


def raised(make) -> Said:
    with pytest.raises(Said) as error:
        make()
    return error.value


def broken_vocabulary(folder):
    """A sentiment checkpoint whose word list lost its first words: an error within an error."""
    path = save_sentiment(folder / "sentiment.pt", tiny_sentiment())
    stored = torch.load(path, weights_only=True)
    torch.save({**stored, "vocab": {"words": stored["vocab"]["words"][2:]}}, path)
    return lambda: models.load(path)


@pytest.fixture
def errors(tmp_path) -> list[Said]:
    return [
        raised(lambda: dynamics.input_signal("typed", 3, "1 two")),
        raised(lambda: models.load(tmp_path / "nowhere.pt", "sentiment")),
        raised(broken_vocabulary(tmp_path)),
        raised(lambda: models.load(save_sentiment(tmp_path / "s.pt", tiny_sentiment()), "translation")),
    ]


def test_english_through_the_catalogue_is_the_error_s_own_text(errors):
    for error in errors:
        assert shared.message(error) == str(error)


def test_korean_says_it_in_korean_with_the_same_values(errors, monkeypatch):
    monkeypatch.setattr(language, "current", lambda: "ko")
    for error in errors:
        said = shared.message(error)
        assert HANGUL.search(said) and said != str(error)
        for value in error.values.values():
            assert isinstance(value, Exception) or str(value) in said
    assert "단어 목록이" in shared.message(errors[2])  # the inner error is translated too


def test_an_error_without_a_key_is_shown_as_it_says_it():
    assert shared.message(ValueError("plain words")) == "plain words"


def korean_page(monkeypatch, folder, path: str):
    at = app(monkeypatch, folder)
    at.query_params["lang"] = "ko"
    return at.run().switch_page(path).run()


def test_the_state_page_explains_a_typed_word_in_korean(monkeypatch, fixture_checkpoints):
    at = korean_page(monkeypatch, fixture_checkpoints, "pages/state.py")
    at.get("button_group")[0].set_value("typed").run()
    at.text_input(key="state_typed").set_value("1 two 3").run()
    assert not at.exception
    assert "'two'은(는) 숫자가 아닙니다" in at.warning[0].value.replace("\\", "")


def test_the_sentiment_page_asks_for_a_review_in_korean(monkeypatch, fixture_checkpoints):
    at = korean_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    at.text_area(key="sentiment_text").set_value("   ")
    at.button[0].click().run()
    assert not at.exception
    assert at.warning[0].value == catalogue("ko")["errors.sentiment.empty"]


def test_a_checkpoint_of_another_task_is_explained_in_korean(monkeypatch, fixture_checkpoints, tmp_path):
    expected = registry.default("translation")
    shutil.copy(fixture_checkpoints / "sentiment.pt", tmp_path / f"{expected}.pt")
    at = korean_page(monkeypatch, tmp_path, "pages/bidirectional.py")
    assert not at.exception
    assert "'translation' 모델이 아니라 'sentiment' 모델이 들어 있습니다" in at.error[0].value
