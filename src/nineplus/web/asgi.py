"""The ASGI application object for uvicorn: ``uvicorn nineplus.web.asgi:app``."""

from nineplus.web.app import create_app

app = create_app()
