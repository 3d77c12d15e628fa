"""Import every model module so that the metadata and the tenancy scoping know all tables."""

from __future__ import annotations


def import_all_models() -> None:
    from nineplus.accounts import models as _accounts  # noqa: F401
    from nineplus.audit import models as _audit  # noqa: F401
    from nineplus.feed import models as _feed  # noqa: F401
    from nineplus.feedback import models as _feedback  # noqa: F401
    from nineplus.imports import models as _imports  # noqa: F401
    from nineplus.improve import models as _improve  # noqa: F401
    from nineplus.jobs import models as _jobs  # noqa: F401
    from nineplus.journeys import models as _journeys  # noqa: F401
    from nineplus.outcomes import models as _outcomes  # noqa: F401
    from nineplus.privacy import models as _privacy  # noqa: F401
    from nineplus.scans import models as _scans  # noqa: F401
    from nineplus.text import models as _text  # noqa: F401
    from nineplus.webhooks import models as _webhooks  # noqa: F401


def import_all_handlers() -> None:
    """Import every module that registers a job handler or an e-mail composer, so that a runner started
    from the command line knows every kind of job the web server may have queued."""
    import_all_models()
    from nineplus.accounts import auth as _auth  # noqa: F401
    from nineplus.analytics import jobs as _analytics_jobs  # noqa: F401
    from nineplus.core import mail as _mail  # noqa: F401
    from nineplus.feed import folder as _feed_folder  # noqa: F401
    from nineplus.feedback import fielding as _fielding  # noqa: F401
    from nineplus.imports import service as _imports_service  # noqa: F401
    from nineplus.improve import digest as _improve_digest  # noqa: F401
    from nineplus.improve import notify as _improve_notify  # noqa: F401
    from nineplus.improve import resurvey as _improve_resurvey  # noqa: F401
    from nineplus.improve import service as _improve_service  # noqa: F401
    from nineplus.improve import targets as _improve_targets  # noqa: F401
    from nineplus.privacy import erasure as _privacy_erasure  # noqa: F401
    from nineplus.privacy import retention as _privacy_retention  # noqa: F401
    from nineplus.scans import runs as _scan_runs  # noqa: F401
    from nineplus.text import service as _text_service  # noqa: F401
    from nineplus.webhooks import delivery as _webhook_delivery  # noqa: F401
