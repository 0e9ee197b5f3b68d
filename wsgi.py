"""The WSGI entry point for production servers: `app` reads FACILITATOR_* settings."""

from facilitator.app import create_app

app = create_app()
