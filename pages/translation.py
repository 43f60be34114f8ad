"""Translation page (many to many): a sentence in, its translation out, and where the decoder looks."""

import streamlit as st

import ui
from ui import charts, navigation

DIRECTIONS = {"German → English": "translation-de-en", "English → German": "translation-en-de"}
EXAMPLES = {
    "translation-de-en": [
        "Ein Mann fährt mit dem Fahrrad eine steile Straße hinunter.",
        "Zwei kleine Kinder spielen im Sand am Strand.",
        "Eine Frau mit einem roten Hut verkauft Obst auf dem Markt.",
        "Ein schwarzer Hund springt über einen umgestürzten Baumstamm.",
    ],
    "translation-en-de": [
        "A man rides his bike down a steep street.",
        "Two little children are playing in the sand on the beach.",
        "A woman in a red hat is selling fruit at the market.",
        "A black dog jumps over a fallen log.",
    ],
}


@st.cache_data(max_entries=16, show_spinner=False)
def analyze(text: str, beam_size: int, max_length: int, _model, model_id: int):
    return _model.analyze(text, beam_size=beam_size, max_length=max_length)


def use_direction() -> None:
    name = DIRECTIONS.get(st.session_state["translation_direction"])
    if name:
        st.session_state["translation_text"] = EXAMPLES[name][0]


def input_ui(name: str) -> tuple[str | None, int, int]:
    st.session_state.setdefault("translation_text", EXAMPLES[name][0])
    examples = {sentence: sentence for sentence in EXAMPLES[name]}
    ui.example_picker(examples, "translation_example", "translation_text", "Pick an example sentence…")
    with st.form("translation_form"):
        text = st.text_area("Sentence", key="translation_text", height=80)
        left, right = st.columns(2)
        beam_size = left.slider("Beam size", 1, 8, 5, key="translation_beam", help="1 is greedy decoding.")
        max_length = right.slider("Maximum length (pieces)", 5, 100, 60, key="translation_max_length")
        if st.form_submit_button("Translate", type="primary"):
            st.session_state["translation_submitted"] = (name, text)
    submitted = st.session_state.get("translation_submitted")
    text = submitted[1] if submitted and submitted[0] == name else None
    return text, beam_size, max_length


def result_ui(result) -> None:
    st.markdown(f"### {result.text}")
    if result.truncated:
        st.info(f"The sentence was long: only its first {len(result.source_tokens)} pieces were read.")
    st.subheader("Where the decoder looks")
    st.caption(
        "Each row is one output piece, each column one input piece; a dark cell means the decoder "
        "attended to that input while writing that output. Every row sums to 1."
    )
    chart = charts.heatmap(
        result.attention.T,
        result.source_tokens,
        rows=result.target_tokens,
        domain=(0.0, 1.0),
        title="attention",
        x_title="input piece",
    )
    st.altair_chart(chart, width="stretch")


def state_names(states: dict) -> list[str]:
    """Hidden states first (forward before backward), then the gates."""
    return sorted(states, key=lambda name: (not name.endswith(".h"), "backward" in name, name))


def states_ui(result) -> None:
    st.subheader("Hidden states")
    encoder, decoder = st.tabs(["Encoder (reads the input)", "Decoder (writes the output)"])
    with encoder:
        state_heatmap_ui(result.encoder_states, result.source_tokens, "translation_encoder_state")
    with decoder:  # the decoder reads the previous output piece at each step
        state_heatmap_ui(
            result.decoder_states, ["<s>", *result.target_tokens[:-1]], "translation_decoder_state"
        )


def state_heatmap_ui(states: dict, tokens: list[str], key: str) -> None:
    name = st.selectbox("State", state_names(states), key=key)
    chart = charts.heatmap(states[name], tokens, domain=charts.state_domain(name, states[name]), title=name)
    st.altair_chart(chart, width="stretch")


navigation.setup(__file__)
st.title(":material/translate: Translation: many to many")
st.markdown(
    "An **encoder** reads the whole sentence, one piece at a time, into a sequence of states; a "
    "**decoder** then writes the translation piece by piece, each step starting from its previous "
    "state and output. At every step **attention** weighs the encoder's states, so the decoder "
    "can look back at the input words it needs: many inputs, many outputs."
)
direction = st.segmented_control(
    "Direction",
    list(DIRECTIONS),
    default=list(DIRECTIONS)[0],
    key="translation_direction",
    on_change=use_direction,
)
name = DIRECTIONS[direction or list(DIRECTIONS)[0]]
model = ui.load_model(name, "translation")
text, beam_size, max_length = input_ui(name)
if text is not None:
    try:
        result = analyze(text, beam_size, max_length, model, id(model))
    except ValueError as error:
        st.warning(str(error))
        st.stop()
    result_ui(result)
    states_ui(result)
    ui.beam_ui(result.candidates, "translation", "piece")
