"""Helpers of the Streamlit page (`app.py` at the top of the checkout): rendering, interface text, export."""
