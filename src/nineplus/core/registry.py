"""Import every model module so that the metadata and the tenancy scoping know all tables."""

from __future__ import annotations


def import_all_models() -> None:
    from nineplus.accounts import models as _accounts  # noqa: F401
    from nineplus.audit import models as _audit  # noqa: F401
    from nineplus.feedback import models as _feedback  # noqa: F401
    from nineplus.jobs import models as _jobs  # noqa: F401
    from nineplus.journeys import models as _journeys  # noqa: F401
