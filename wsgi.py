"""WSGI entry point: `gunicorn wsgi:app`."""

from eoffice import create_app

app = create_app()
