"""Sentiment page (many to one): a review read token by token, and what each unit of the model does."""

import numpy as np
import streamlit as st

import ui
from models import registry
from models.atlas import CONTEXT_AFTER, CONTEXT_BEFORE, Atlas, count_on, units_on
from models.cells import QUANTITIES
from models.pieces import piece_labels, written
from models.sentiment import EXAMPLES, language
from models.states import STATE, States, StatesError
from models.text import WORD_START
from models.units import state_domain
from ui import charts, navigation, shared, upload
from ui.atlas import (
    IN_BROWSER_CELLS,
    counted,
    one_unit_ui,
    pattern_ui,
    pick_from_chart,
    quantity_label,
    ranking_ui,
    saturation_ui,
    span_ui,
    state_name,
    stream_name,
    token_labels,
    unit_atlas_ui,
)
from ui.language import current, link_params, t

COMPARED = [registry.of_cell(cell) for cell in ("lstm", "gru", "rnn")]  # read together at first
MAX_HEATMAP_STEPS = 60  # 256 units x 60 steps: cells still big enough to hover and click
HEATMAP_AXES = 130  # pixels of a heatmap's height that its title and token axis take
STATES_MB = 50  # the largest states file a visitor may upload
SHOWN = 10  # snippets and matches shown from a states file


def models_ui() -> tuple[str, object, list[str]]:
    """The checkpoint to look inside (its name and predictor), and those whose reading to draw beside
    its own. A Korean visitor starts on the Korean model, where there is one."""
    left, right = st.columns(2)
    found = shared.model_names("sentiment")
    native = registry.default("sentiment", current())
    default = native if native in found else None
    name, model = shared.model_picker(
        "sentiment", "sentiment_model", default=default, container=left, bind=ui.LINK
    )
    follow_language(model.language, found)
    compared = right.multiselect(
        t("sentiment.compare"), found, key="sentiment_compare", placeholder=t("sentiment.compare_none")
    )
    return name, model, [other for other in compared if other != name]


def follow_language(reads: str, found: list[str]) -> None:
    """A model that reads another language than the last one starts on its own first example, compared
    with the English trio if it reads English, with none otherwise. A typed review stays while the
    model's language does."""
    if st.session_state.get("sentiment_reads") != reads:
        st.session_state["sentiment_reads"] = reads
        for key in ("sentiment_text", "sentiment_example", "sentiment_compare"):
            st.session_state.pop(key, None)
    st.session_state.setdefault("sentiment_text", next(iter(EXAMPLES[reads].values())))
    st.session_state.setdefault(
        "sentiment_compare", [n for n in COMPARED if n in found] if reads == "en" else []
    )


def examples(reads: str) -> dict[str, str]:
    """The examples of a model reading `reads`, under their names in the visitor's language (the
    catalogue names them by their place in models.sentiment.EXAMPLES)."""
    return {t(f"sentiment.example.{reads}.{i}"): text for i, text in enumerate(EXAMPLES[reads].values())}


def input_ui(reads: str) -> str:
    placeholder = t("sentiment.example_placeholder")
    ui.example_picker(examples(reads), "sentiment_example", "sentiment_text", placeholder)
    with st.form("sentiment_form"):
        text = ui.text_box(st.text_area, t("sentiment.review"), ui.REVIEW, key="sentiment_text", height=120)
        st.form_submit_button(t("sentiment.read"), type="primary")
    return text


def mismatch_ui(model, text: str) -> None:
    """One line when the review is in another language than the model reads: the model to pick instead
    (or the command that trains it)."""
    wrote = language(text.split())
    if wrote == model.language or not any(character.isalpha() for character in text):
        return
    other = registry.default("sentiment", wrote)
    found = other in shared.model_names("sentiment")
    st.warning(
        t(
            f"sentiment.mismatch.{'pick' if found else 'train'}",
            reads=t(f"sentiment.language.{model.language}"),
            wrote=t(f"sentiment.language.{wrote}"),
            model=other,
            command=registry.train_command(shared.CHECKPOINTS / f"{other}.pt", "sentiment"),
        )
    )


def describe(name: str, model) -> str:
    """'sentiment (LSTM)'"""
    return f"{name} ({ui.cell_name(model.config.cell)})"


def verdict_ui(result, tokens: list[str], traces: dict[str, list[float]]) -> None:
    left, right = st.columns([1, 3], gap="large")
    with left:
        st.metric(t("sentiment.verdict"), t(f"sentiment.label.{result.label}"))
        st.progress(result.positive, text=t("sentiment.positive", p=f"{result.positive:.2f}"))
        st.caption(t("sentiment.tokens_read", count=len(result.tokens)))
    with right:
        st.markdown(t("sentiment.trace"))
        st.vega_lite_chart(charts.reading_trace(traces, tokens), width="stretch")
    if result.truncated:
        st.info(t("sentiment.truncated", count=len(result.tokens)))


def pieces_ui(model, tokens: list[str]) -> None:
    """For a model that reads sentencepiece pieces: how one word of the review became pieces (the first
    word split into several, else the first)."""
    if model.config.tokens != "pieces":
        return
    starts = [i for i, piece in enumerate(tokens) if i == 0 or piece.startswith(WORD_START)]
    words = [tokens[start:end] for start, end in zip(starts, [*starts[1:], len(tokens)])]
    word = next((word for word in words if len(word) > 1 and written(word)), words[0])
    st.caption(t("sentiment.pieces", word=written(word), pieces=" ".join(piece_labels(word))))


def stream_picker(result) -> str:
    """The layer and direction ("layer0.forward") the heatmap shows, chosen by the user when the model
    has several. The box names its options with names looked up here, in the visitor's language (a
    format function called outside the page's run, as AppTest calls it, would not know that language)."""
    streams = {stream: stream_name(stream) for stream in sorted({n.rsplit(".", 1)[0] for n in result.states})}
    if len(streams) == 1:
        return next(iter(streams))
    return st.selectbox(t("sentiment.stream"), list(streams), format_func=streams.get, key="sentiment_stream")


def quantity_picker(names: list[str]) -> str:
    """One of a stream's traced quantities ("layer0.forward.c"), chosen by the user on the server."""
    labels = {name: quantity_label(name.rsplit(".", 1)[1]) for name in names}
    return st.selectbox(t("sentiment.quantity"), names, format_func=labels.get, key="sentiment_quantity")


def window_picker(steps: int) -> slice:
    """The MAX_HEATMAP_STEPS tokens of a long review the heatmap shows, chosen by the user on the server."""
    start = st.slider(t("sentiment.first_token"), 0, steps - MAX_HEATMAP_STEPS, 0, key="sentiment_window")
    end = start + MAX_HEATMAP_STEPS
    st.caption(t("sentiment.window", first=start, last=end - 1, count=steps))
    return slice(start, end)


def heatmap_ui(result, tokens: list[str], atlas: Atlas | None) -> str:
    """The heatmap of one layer and direction's every quantity over the review's `tokens` (as shown),
    under the model's reading trace; returns that stream ("layer0.forward"). The browser chooses the
    quantity and scrolls the tokens while all of them fit in IN_BROWSER_CELLS; the server beyond that."""
    stream = stream_picker(result)
    names = [f"{stream}.{quantity}" for quantity in QUANTITIES if f"{stream}.{quantity}" in result.states]
    units = result.states[names[0]].shape[1]
    if units * len(tokens) * len(names) > IN_BROWSER_CELLS:
        names = [quantity_picker(names)]
    shown = slice(0, len(tokens))
    if len(tokens) > MAX_HEATMAP_STEPS and units * len(tokens) > IN_BROWSER_CELLS:
        shown = window_picker(len(tokens))
    elif len(tokens) > MAX_HEATMAP_STEPS:
        st.caption(t("sentiment.window_browser", count=len(tokens), window=MAX_HEATMAP_STEPS))
    chart = charts.review_heatmap(
        {name: (result.states[name][shown], state_domain(name, result.states[name])) for name in names},
        {name: state_name(name) for name in names},
        {name: t(f"atlas.quantity.{name.rsplit('.', 1)[1]}.meaning") for name in names},
        tokens[shown],
        result.step_positive[shown],
        ranking=atlas.ranking(names[0]) if atlas else None,
        order=charts.AUC_ORDER if atlas else "clustered",
        labels={"quantity": t("sentiment.quantity"), "first": t("sentiment.first_token")},
        window=MAX_HEATMAP_STEPS,
        height=min(max(3 * units, 160), 640),
    )
    st.caption(t("sentiment.states.order"))
    st.vega_lite_chart(
        chart,
        width="stretch",
        on_select=lambda: pick_from_chart("sentiment_heatmap"),
        selection_mode=charts.PICK,
        key="sentiment_heatmap",
    )
    return stream


def states_upload_ui() -> States | None:
    """A states file of any model (models/states.py; README shows how to write one), or None."""
    with st.expander(t("sentiment.own_states.title"), icon=":material/grid_on:"):
        file = st.file_uploader(
            t("sentiment.own_states.label"),
            type=["npz"],
            key="sentiment_states_upload",
            max_upload_size=STATES_MB,
            help=t("sentiment.own_states.help"),
        )
        st.caption(t("sentiment.own_states.how"))
    if file is None:
        return None
    try:
        return upload.states_file(file)
    except StatesError as error:
        shared.problem(error)
        return None


def own_window(own: States, snippet) -> tuple[list[str], np.ndarray, int]:
    """The tokens and values around a snippet's (or match's) token, and where it is among them."""
    tokens, values = own.text(snippet.text_index)
    start = max(snippet.position - CONTEXT_BEFORE, 0)
    window = slice(start, snippet.position + CONTEXT_AFTER + 1)
    return tokens[window], values[window], snippet.position - start


def own_heatmap_ui(own: States) -> tuple[list[str], np.ndarray]:
    """One text of the file as a heatmap, its units in the chosen order; returns its tokens and values."""
    index = st.selectbox(
        t("sentiment.own_states.text"),
        range(len(own.tokens)),
        format_func=lambda i: " ".join(own.tokens[i][:12]),
        key="sentiment_states_text",
    )
    tokens, values = own.text(index)
    bound = float(np.abs(values).max()) or 1.0
    chart = charts.heatmap(
        values[:MAX_HEATMAP_STEPS],
        tokens[:MAX_HEATMAP_STEPS],
        domain=(-bound, bound),
        order=charts.AUC_ORDER if own.labelled else "clustered",
        ranking=own.atlas.ranking(STATE) if own.labelled else None,
        height=HEATMAP_AXES + min(max(3 * values.shape[1], 160), 640),
    )
    if len(tokens) > MAX_HEATMAP_STEPS:
        st.caption(t("sentiment.window", first=0, last=MAX_HEATMAP_STEPS - 1, count=len(tokens)))
    st.vega_lite_chart(
        chart,
        width="stretch",
        on_select=lambda: pick_from_chart("sentiment_states_heatmap"),
        key="sentiment_states_heatmap",
    )
    return tokens, values


def own_units_ui(own: States, units: int) -> None:
    """A unit's highest and lowest places over the file's texts, every token coloured by it."""
    st.subheader(t("sentiment.own_states.unit_title"))
    if st.session_state.get("sentiment_unit", 0) >= units:
        st.session_state["sentiment_unit"] = 0
    unit = st.number_input(t("atlas.unit"), 0, units - 1, key="sentiment_unit")
    limit = max(abs(bound) for bound in own.atlas.value_range(STATE)) or 1.0
    for lowest in (False, True):
        items = []
        for snippet in own.atlas.top(unit, STATE, SHOWN, lowest=lowest):
            tokens, values, marked = own_window(own, snippet)
            caption = t(
                "sentiment.own_states.snippet", value=f"{snippet.value:+.3f}", text=snippet.text_index
            )
            items.append((caption, charts.token_strip(tokens, values[:, unit], limit, marked=marked)))
        st.markdown(t(f"sentiment.own_states.{'lowest' if lowest else 'highest'}"))
        st.html(charts.captioned(items))


def own_pattern_ui(own: States, tokens: list[str], values: np.ndarray) -> None:
    """LSTMVis' match search over the file's texts, from a span of the text shown above."""
    st.subheader(t("atlas.pattern.title"))
    left, right = st.columns(2, gap="large")
    with left:
        start, end = span_ui(tokens, [0.0] * len(tokens))
    high = own.atlas.value_range(STATE)[1]
    threshold = right.slider(
        t("atlas.pattern.threshold"),
        0.0,
        max(high, own.atlas.threshold(STATE) + 0.001),
        own.atlas.threshold(STATE),
        step=0.001,
        format="%.3f",
        help=t("atlas.pattern.threshold_help"),
    )
    span = ui.quote(" ".join(tokens[start : end + 1]))  # the file's own tokens, as written
    pattern = units_on(values[start : end + 1], threshold)
    if not pattern:
        st.info(t("atlas.pattern.none", threshold=f"{threshold:.3f}", span=span))
        return
    found, named = counted(len(pattern), "unit"), ", ".join(map(str, pattern))
    st.markdown(t("atlas.pattern.found", found=found, threshold=f"{threshold:.3f}", span=span, units=named))
    items = []
    for match in own.atlas.match(pattern, STATE, k=SHOWN, threshold=threshold, at_least=1):
        window, window_values, marked = own_window(own, match)
        on = count_on(window_values, pattern, threshold)
        caption = t(
            "sentiment.own_states.match", count=match.units_on, units=len(pattern), text=match.text_index
        )
        items.append((caption, charts.token_strip(window, on / len(pattern), marked=marked)))
    st.html(charts.captioned(items))


def own_states_ui(own: States) -> None:
    """What the page shows of a states file instead of a model: heatmap, ranking, units, pattern search."""
    st.session_state.pop("sentiment_unit_model", None)  # the model's unit box starts afresh afterwards
    st.subheader(t("sentiment.own_states.heading", name=own.atlas.meta["sources"][0]))
    shape = {"texts": len(own.tokens), "tokens": len(own.values), "units": own.values.shape[1]}
    st.caption(t("sentiment.own_states.summary", **{k: f"{v:,}" for k, v in shape.items()}))
    tokens, values = own_heatmap_ui(own)
    if own.labelled:
        ranking_ui(own.atlas)
    else:
        st.info(t("sentiment.own_states.no_labels"))
    own_units_ui(own, values.shape[1])
    own_pattern_ui(own, tokens, values)


@st.fragment
def states_ui(name: str, model, result, tokens: list[str]) -> None:
    """The hidden state and its units: heatmap, ranking, unit atlas, pattern search, gates. A fragment:
    a click in it (a unit picked on the heatmap, another quantity) reruns this section, not the
    review's reading above."""
    atlas = shared.load_atlas(model)
    st.subheader(t("sentiment.states.title"))
    st.caption(t("sentiment.states.caption"))
    pieces_ui(model, result.tokens)
    stream = heatmap_ui(result, tokens, atlas)
    if atlas is None:
        one_unit_ui(model, result, result.states[f"{stream}.h"])
    else:
        state = ranking_ui(atlas)
        if model.dynamics is not None:
            st.page_link(
                "pages/learning.py",
                label=t("sentiment.how_it_learned"),
                icon=":material/school:",
                query_params={"learning_model": name, **link_params()},
            )
        unit_atlas_ui(model, result, atlas, state)
        pattern_ui(model, result, atlas, state)
    saturation_ui(model, result, atlas, stream)


@st.fragment
def review_ui(name: str, model, compared: list[str]) -> None:
    """All that a review (or a states file) changes: its reading, its verdict and its states. A
    fragment: another review reruns this section, not the page's title and model boxes above it."""
    if (own := states_upload_ui()) is not None:
        own_states_ui(own)
        return
    text = input_ui(model.language)
    mismatch_ui(model, text)
    try:
        result = shared.analyze(model, text)
    except ValueError as error:
        st.warning(shared.message(error))
        return
    tokens = token_labels(model, result.tokens)
    readers = {name: model, **{other: shared.load_model(other, "sentiment") for other in compared}}
    traces = {
        describe(key, reader): shared.analyze(reader, text).step_positive for key, reader in readers.items()
    }
    verdict_ui(result, tokens, traces)
    states_ui(name, model, result, tokens)


navigation.setup(__file__)
st.title(f":material/reviews: {t('sentiment.title')}")
st.markdown(t("sentiment.intro"))
review_ui(*models_ui())
