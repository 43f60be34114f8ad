"""Glossary: every term of the study note in Korean and English, its meaning, and the page it lives on."""

import streamlit as st

from ui import language, navigation
from ui.language import catalogue, t

# Each term (its name and meaning are the catalogue's glossary.<term>.*) and the page that shows it.
TERMS = {
    "state": "pages/state.py",
    "first_order": "pages/state.py",
    "state_space": "pages/state.py",
    "hidden_state": "pages/sentiment.py",
    "time_step": "pages/cell.py",
    "fold_unfold": "pages/cell.py",
    "weight_sharing": "pages/cell.py",
    "bptt": "pages/bptt.py",
    "vanishing": "pages/bptt.py",
    "exploding": "pages/bptt.py",
    "bidirectional": "pages/bidirectional.py",
    "cell_state": "pages/recall.py",
    "lstm_gates": "pages/recall.py",
    "gru_gates": "pages/recall.py",
    "many_to_one": "pages/sentiment.py",
    "one_to_many": "pages/captioning.py",
    "many_to_many": "pages/translation.py",
    "attention": "pages/translation.py",
    "beam_search": "pages/translation.py",
    "unit": "pages/sentiment.py",
    "training_record": "pages/learning.py",
}

navigation.setup(__file__)
st.title(f":material/menu_book: {t('nav.glossary.title')}")
st.markdown(t("glossary.intro"))
pages = {page.path: page for page in navigation.PAGES}
korean, english = catalogue("ko"), catalogue("en")
for term, path in TERMS.items():
    with st.container(border=True):
        left, right = st.columns([2, 3])
        left.markdown(f"**{korean[f'glossary.{term}.name']}** · {english[f'glossary.{term}.name']}")
        right.markdown(t(f"glossary.{term}.meaning"))
        if path in pages:
            page = pages[path]
            right.page_link(page.path, label=page.title, icon=page.icon, query_params=language.link_params())
