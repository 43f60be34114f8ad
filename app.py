"""Unfold: train recurrent networks and look inside them. Run with `make run`."""

import streamlit as st

st.set_page_config(
    page_title="Unfold: inside recurrent networks", page_icon=":material/replay:", layout="wide"
)

pages = {
    "Unfold": [st.Page("views/home.py", title="Home", icon=":material/home:", default=True)],
    "Structures": [
        st.Page("views/sentiment.py", title="Sentiment (many to one)", icon=":material/reviews:"),
        st.Page("views/captioning.py", title="Captioning (one to many)", icon=":material/image:"),
        st.Page("views/translation.py", title="Translation (many to many)", icon=":material/translate:"),
    ],
    "Inside an RNN": [
        st.Page("views/inside/state.py", title="State and input", icon=":material/timeline:"),
        st.Page("views/inside/cell.py", title="The cell, unfolded", icon=":material/account_tree:"),
        st.Page("views/inside/bptt.py", title="Backpropagation through time", icon=":material/undo:"),
        st.Page("views/inside/recall.py", title="Why LSTM and GRU", icon=":material/memory:"),
        st.Page("views/inside/bidirectional.py", title="Bidirectional", icon=":material/swap_horiz:"),
        st.Page("views/inside/history.py", title="Training history", icon=":material/monitoring:"),
    ],
}
st.navigation(pages).run()
