"""Share and keep: a page's input and chosen view live in the URL, so a copied link reopens them."""

# Streamlit binds a widget to the URL itself: with `bind=LINK` the widget's key names the parameter, a
# link's value seeds the widget, an invalid one is dropped and the default one is left out of the URL.
LINK = "query-params"
