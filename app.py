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
}
st.navigation(pages).run()
