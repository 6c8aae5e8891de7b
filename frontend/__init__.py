"""Streamlit UI for the lesion classifier; it reaches the backend over HTTP only."""
