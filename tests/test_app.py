"""Every page through Streamlit's AppTest, with fixture checkpoints and with none."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import bench.app
import models
import ui
from models.atlas import atlas_path
from tests.conftest import ROOT, save_sentiment, tiny_sentiment, write_sentiment_data
from training import atlas as build
from ui.navigation import PAGES


def app(monkeypatch, folder) -> AppTest:
    monkeypatch.setattr(ui, "CHECKPOINTS", folder)
    ui.MODELS.clear()
    ui.ANALYSES.clear()
    ui._info.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def open_page(monkeypatch, folder, path: str) -> AppTest:
    """The app opened at the page `path` (as the registry names it), run once."""
    return app(monkeypatch, folder).run().switch_page(path).run()


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path or "home")
def test_every_page_draws_the_sectioned_navigation(monkeypatch, fixture_checkpoints, page):
    at = open_page(monkeypatch, fixture_checkpoints, page.path)
    assert not at.exception, at.exception
    sections = [caption.value for caption in at.sidebar.caption]
    assert sections == ["Unfold", "Structures", "Inside an RNN"]
    links = [link.proto.label for link in at.sidebar.get("page_link")]
    assert links == [page.title for page in PAGES]


def test_bench_knows_what_to_do_on_every_page():
    assert set(bench.app.INTERACTIONS) == set(bench.app.PATHS)


def test_home_lists_the_models(monkeypatch, fixture_checkpoints):
    at = app(monkeypatch, fixture_checkpoints).run()
    assert not at.exception
    assert "recurrent" in at.title[0].value
    table = at.dataframe[0].value
    names = [
        "captioning",
        "sentiment",
        "sentiment-gru",
        "sentiment-rnn",
        "translation-de-en",
        "translation-en-de",
    ]
    assert list(table["checkpoint"]) == [f"{name}.pt" for name in names]
    assert table["validation metrics"][0] == "BLEU-4 0.050 (beam 3)"
    assert "fixture accuracy 0.500" in table["validation metrics"][1]
    assert table["validation metrics"][4] == "multi30k BLEU 1.5 (greedy)"


def test_home_without_checkpoints_says_how_to_train(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path).run()
    assert not at.exception
    assert "make train-sentiment" in at.info[0].value


def submit(at: AppTest, text: str) -> AppTest:
    at.text_area(key="sentiment_text").set_value(text)
    return at.button[0].click().run()


def test_sentiment_page_reads_the_example_first_then_a_review(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    assert not at.exception
    assert at.metric[0].value in ("Positive", "Negative")  # no click needed
    assert any("10 tokens read" in c.value for c in at.caption)
    submit(at, "not terrible at all , it 's great !")
    assert not at.exception
    assert any("9 tokens read" in c.value for c in at.caption)
    assert heatmap(at)["title"] == "hidden state h_t, layer0.forward"
    assert heatmap(at)["encoding"]["y"]["title"] == "unit (clustered)"
    at.selectbox(key="sentiment_quantity").set_value("forget_gate").run()
    at.selectbox(key="sentiment_order").set_value("variance").run()
    spec = heatmap(at)
    assert spec["title"] == "forget gate f_t, layer0.forward"
    assert spec["encoding"]["color"]["scale"]["domain"] == [0.0, 1.0]
    assert spec["encoding"]["y"]["title"] == "unit (variance)"
    at.number_input(key="sentiment_unit").set_value(2).run()
    assert not at.exception
    assert at.html[0].value.count("<span") == 9  # every token coloured by unit 2


def heatmap(at: AppTest) -> dict:
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2  # the reading trace, then the heatmap
    return json.loads(charts[1].proto.spec)


def chart_rows(chart) -> pd.DataFrame:
    """The data a chart of AppTest's draws (its first dataset)."""
    return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()


def test_sentiment_page_overlays_the_models_and_explains_a_missing_atlas(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    trace = chart_rows(at.get("vega_lite_chart")[0])
    assert set(trace["model"]) == {"sentiment (LSTM)", "sentiment-gru (GRU)", "sentiment-rnn (vanilla RNN)"}
    assert f"make atlas CHECKPOINT={fixture_checkpoints / 'sentiment.pt'}" in at.info[0].value
    assert [s.value for s in at.subheader][-2:] == [
        "One unit, read along the text",
        "Gates: switches or dials",
    ]
    at.selectbox(key="sentiment_model").set_value("sentiment-rnn").run()
    assert not at.exception
    assert "Gates: switches or dials" not in [s.value for s in at.subheader]  # the vanilla cell has none


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


def test_sentiment_atlas_ranks_units_and_shows_one_on_first_load(monkeypatch, atlas_checkpoints):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    assert not at.exception
    atlas = models.load(atlas_checkpoints / "sentiment.pt").atlas
    best = atlas.units("layer0.forward.h")[0]
    assert at.metric[1].label == "Units with AUC above 0.9" and at.metric[1].value.endswith("of 6")
    assert list(at.dataframe[0].value["unit"]) == [unit.index for unit in atlas.units("layer0.forward.h")]
    assert at.number_input(key="sentiment_unit").value == best.index
    assert any(
        m.value.startswith(f"**Unit {best.index}**: AUC {best.auc:.3f}, rank 1 of 6") for m in at.markdown
    )
    highest, lowest = at.html[1].value, at.html[2].value
    assert highest.count("outline") == lowest.count("outline") == 5  # every snippet, its token framed
    at.number_input(key="sentiment_unit").set_value(4).run()
    assert not at.exception
    titles = [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
    assert "unit 4, mean per text" in titles
    assert "input gate i_t" in titles  # the gates' saturation over held-out texts


def test_sentiment_heatmap_orders_units_by_atlas_auc(monkeypatch, atlas_checkpoints):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    at.selectbox(key="sentiment_order").set_value("atlas AUC").run()
    spec = json.loads(at.get("vega_lite_chart")[1].proto.spec)
    atlas = models.load(atlas_checkpoints / "sentiment.pt").atlas
    assert spec["encoding"]["y"]["sort"] == [unit.index for unit in atlas.units("layer0.forward.h")]
    at.selectbox(key="sentiment_atlas_state").set_value("layer0.forward.c").run()
    assert not at.exception and at.metric[1].value.endswith("of 6")


def test_sentiment_pattern_search_finds_the_span_units_elsewhere(monkeypatch, atlas_checkpoints):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    at.select_slider[0].set_value((4, 5)).run()  # "terrible ,"
    at.slider[0].set_value(0.0).run()
    assert not at.exception
    pattern = next(m.value for m in at.markdown if "above 0.000 at every token" in m.value)
    count = int(pattern.split("**")[1].split()[0])
    assert "“terrible ,”" in pattern
    matches = at.html[-1].value
    assert f"of {count} units on at" in matches and "outline" in matches
    at.slider[0].set_value(at.slider[0].max).run()
    assert not at.exception and "No unit stays above" in at.info[0].value


@pytest.mark.parametrize("text", ["h", "\x00\x01\x07 !", "😀🎬 🔥🔥", "a great film " * 1_540])
def test_sentiment_atlas_sections_take_any_review(monkeypatch, atlas_checkpoints, text):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    submit(at, text)
    assert not at.exception
    assert "Pattern search" in [s.value for s in at.subheader]


def test_sentiment_page_explains_a_stale_atlas_and_a_model_without_one(monkeypatch, atlas_checkpoints):
    at = open_page(monkeypatch, atlas_checkpoints, "pages/sentiment.py")
    assert at.selectbox(key="sentiment_model").options == [
        "sentiment",
        "mine",
        "sentiment-gru",
        "sentiment-rnn",
    ]
    at.selectbox(key="sentiment_model").set_value("sentiment-gru").run()
    assert not at.exception
    assert "built from other weights" in at.warning[0].value and "make atlas" in at.warning[0].value
    assert at.metric[0].value in ("Positive", "Negative") and len(at.html) == 1  # the unit, without atlas
    at.selectbox(key="sentiment_model").set_value("mine").run()
    assert not at.exception
    assert f"make atlas CHECKPOINT={atlas_checkpoints / 'mine.pt'}" in at.info[0].value


def test_sentiment_examples_fill_the_text_box(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    at.selectbox(key="sentiment_example").set_value("Negative").run()
    assert at.text_area(key="sentiment_text").value.startswith("A dull")


@pytest.mark.parametrize("text", ["", "   "])
def test_sentiment_page_explains_empty_input(monkeypatch, fixture_checkpoints, text):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    submit(at, text)
    assert not at.exception
    assert "empty" in at.warning[0].value


def test_sentiment_page_long_text_is_windowed(monkeypatch, fixture_checkpoints):
    at = open_page(monkeypatch, fixture_checkpoints, "pages/sentiment.py")
    submit(at, "great film " * 2000)
    assert not at.exception
    assert "read only its first 50 tokens" in at.info[0].value


def test_sentiment_page_without_checkpoint_shows_the_fix(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path, "pages/sentiment.py")
    assert not at.exception
    assert "No checkpoint" in at.error[0].value
    assert "make train-sentiment" in at.info[0].value


def test_broken_checkpoint_is_a_message_not_a_traceback(monkeypatch, tmp_path):
    (tmp_path / "sentiment.pt").write_bytes(b"\x00broken")
    at = open_page(monkeypatch, tmp_path, "pages/sentiment.py")
    assert not at.exception
    assert "not a readable checkpoint" in at.error[0].value
    home = app(monkeypatch, tmp_path).run()
    assert home.dataframe[0].value["task"][0] == "unusable"


def translation_page(monkeypatch, folder) -> AppTest:
    return open_page(monkeypatch, folder, "pages/translation.py")


# The page's result on arrival, what if, its views, links and files: tests/test_translation_page.py.
def test_translation_page_explains_empty_input(monkeypatch, fixture_checkpoints):
    at = translation_page(monkeypatch, fixture_checkpoints)
    at.text_area(key="translation_text").set_value("  ")
    at.button[0].click().run()
    assert not at.exception
    assert "empty" in at.warning[0].value


def test_translation_page_without_checkpoint_shows_the_fix(monkeypatch, tmp_path):
    at = translation_page(monkeypatch, tmp_path)
    assert not at.exception
    assert "make train-translation-de-en" in at.info[0].value


def captioning_page(monkeypatch, folder) -> AppTest:
    return open_page(monkeypatch, folder, "pages/captioning.py")


def test_captioning_page_captions_a_sample_photo(monkeypatch, fixture_checkpoints):
    at = captioning_page(monkeypatch, fixture_checkpoints)
    assert not at.exception
    caption = next(m.value for m in at.markdown if m.value.startswith("### "))
    words = at.select_slider(key="captioning_word").options
    assert len(words) == len(caption.split()) - 1 and len(at.image) == 2 + len(words)
    assert "<span" in at.html[0].value  # the words, shaded by probability
    chart = json.loads(at.get("vega_lite_chart")[1].proto.spec)  # after the picture's grid of cells
    assert chart["title"] == "h" and chart["encoding"]["x"]["title"] == "step (word written)"
    at.selectbox(key="captioning_state").set_value("forget_gate").run()
    assert json.loads(at.get("vega_lite_chart")[1].proto.spec)["title"] == "forget_gate"
    at.get("button_group")[1].set_value("Rocket launch").run()
    assert not at.exception and at.dataframe[0].value.columns.tolist() == ["caption", "score"]


def test_captioning_page_takes_an_upload_and_explains_a_bad_one(monkeypatch, fixture_checkpoints):
    at = captioning_page(monkeypatch, fixture_checkpoints)
    at.get("button_group")[0].set_value("Upload").run()
    assert not any(m.value.startswith("### ") for m in at.markdown)  # nothing uploaded yet
    image = (ROOT / "assets" / "gallery" / "coffee.jpg").read_bytes()
    at.file_uploader(key="captioning_upload").upload("coffee.jpg", image, "image/jpeg").run()
    assert not at.exception and any(m.value.startswith("### ") for m in at.markdown)
    at = captioning_page(monkeypatch, fixture_checkpoints)
    at.get("button_group")[0].set_value("Upload").run()
    at.file_uploader(key="captioning_upload").upload("fake.png", b"not really a png", "image/png").run()
    assert not at.exception
    assert "not an image" in at.warning[0].value


def test_captioning_page_without_checkpoint_shows_the_fix(monkeypatch, tmp_path):
    at = captioning_page(monkeypatch, tmp_path)
    assert not at.exception
    assert "make train-captioning" in at.info[0].value


def inside_page(monkeypatch, folder, page: str) -> AppTest:
    at = open_page(monkeypatch, folder, f"pages/{page}.py")
    assert not at.exception, at.exception
    return at


def test_state_page_shows_the_even_mix_and_explains_bad_numbers(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "state")
    assert "**25%**, $u_1$ **25%** and $u_2$ **50%**" in at.markdown[1].value
    assert len(at.get("vega_lite_chart")) == 2
    at.get("button_group")[0].set_value("typed").run()
    at.text_input(key="state_typed").set_value("1 two 3").run()
    assert not at.exception and "'two' is not a number" in at.warning[0].value


def test_cell_page_steps_through_time(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "cell")
    at.slider(key="cell_step").set_value(3).run()
    assert not at.exception
    assert "Step 3: reading “l”" in at.subheader[0].value and len(at.get("graphviz_chart")) == 2
    at.text_input(key="cell_text").set_value("help").run()
    assert "not in the alphabet" in at.warning[0].value


def test_bptt_page_compares_the_three_cells_and_rescales_w_h(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "bptt")
    chart = at.get("vega_lite_chart")[0].proto
    assert json.loads(chart.spec)["encoding"]["y"]["scale"]["type"] == "log"
    rows = pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pandas()
    assert set(rows["cell"]) == {"vanilla RNN", "LSTM", "GRU"}
    at.slider(key="bptt_radius").set_value(8.0).run()
    assert not at.exception and at.metric[0].label == "‖dy/dW_h‖"


def test_recall_page_trains_the_three_cells(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "recall")
    at.slider(key="recall_n").set_value(5)
    at.slider(key="recall_steps").set_value(50)
    at.button[0].click().run()
    assert not at.exception
    assert [part.split("**")[1] for part in at.markdown[-1].value.split(" · ")] == ["rnn", "lstm", "gru"]


def test_recall_page_shows_the_recorded_run_before_any_click(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "recall")
    assert at.caption[0].value.startswith("A recorded run: N = 60, 400 steps, seed 0")
    titles = [json.loads(chart.proto.spec)["title"] for chart in at.get("vega_lite_chart")]
    assert titles == ["training loss", "accuracy"] and at.markdown[-1].value.startswith("**rnn**")


def test_bidirectional_page_shows_both_directions(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "bidirectional")
    titles = [json.loads(c.proto.spec)["title"] for c in at.get("vega_lite_chart")]
    assert titles == ["layer0.forward.h", "layer0.backward.h"]
    assert at.html[0].value.count("rgba(49, 112, 184, 1.00)") == 1  # forward has read only token 1


def test_history_page_draws_recorded_curves_and_explains_missing_ones(monkeypatch, fixture_checkpoints):
    at = inside_page(monkeypatch, fixture_checkpoints, "history")
    at.selectbox(key="history_checkpoint").set_value("sentiment").run()
    assert len(at.get("vega_lite_chart")) == 3 and "epoch 2" in at.caption[0].value
    at.selectbox(key="history_checkpoint").set_value("translation-de-en").run()
    assert "holds no training history" in at.info[0].value


def test_a_bug_while_loading_is_a_short_message_and_a_logged_traceback(
    monkeypatch, fixture_checkpoints, caplog
):
    def broken(cls, checkpoint):
        raise AttributeError("a bug")

    monkeypatch.setattr(models.SentimentPredictor, "from_checkpoint", classmethod(broken))
    at = open_page(monkeypatch, fixture_checkpoints, "pages/bptt.py")
    assert not at.exception
    assert "a bug in Unfold" in at.error[0].value
    assert "AttributeError: a bug" in caplog.text
