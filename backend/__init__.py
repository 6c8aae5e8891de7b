"""The inference service: a Flask app served by gunicorn."""
