"""The ASGI application object for uvicorn: ``uvicorn nineplus.web.asgi:app``.

With the PostgreSQL queue, a `nineplus worker` holds the analytic store, so the server reads its figures
from the store's Parquet export (``analytics/replica.py``)."""

from nineplus.core.settings import get_settings
from nineplus.web.app import create_app

if get_settings().uses_job_queue():
    from nineplus.analytics.store import read_from_export

    read_from_export()

app = create_app()
