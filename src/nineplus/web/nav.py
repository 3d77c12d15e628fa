"""The navigation a user sees, by permission."""

from __future__ import annotations

from typing import Any

from nineplus.accounts.roles import Permission
from nineplus.core.i18n import N_
from nineplus.core.i18n import gettext as _

# (href, label, icon, permission or None for everyone)
_ITEMS = [
    ("/", N_("Overview"), "home", None),
    ("/dashboard", N_("Dashboard"), "chart", Permission.VIEW_RESPONSES),
    ("/boards", N_("Team boards"), "team", None),
    ("/cases", N_("Cases"), "audit", Permission.WORK_CASES),
    ("/actions", N_("Improvement actions"), "workshop", Permission.VIEW_JOURNEYS),
    ("/targets", N_("Growth targets"), "chart", Permission.VIEW_JOURNEYS),
    ("/scans", N_("Organisation scans"), "workshop", Permission.RUN_SCANS),
    ("/journeys", N_("Journeys"), "journey", Permission.VIEW_JOURNEYS),
    ("/surveys", N_("Surveys"), "workshop", Permission.MANAGE_SURVEYS),
    ("/persons", N_("Persons"), "user", Permission.MANAGE_SURVEYS),
    ("/events", N_("Customer events"), "journey", Permission.MANAGE_SURVEYS),
    ("/teams", N_("Teams"), "team", None),
    ("/settings", N_("Experience values and channels"), "settings", Permission.VIEW_JOURNEYS),
    ("/admin/users", N_("Users"), "user", Permission.MANAGE_USERS),
    ("/admin/api-keys", N_("API keys"), "key", Permission.MANAGE_API_KEYS),
    ("/admin/webhooks", N_("Webhooks"), "key", Permission.MANAGE_API_KEYS),
    ("/admin/audit", N_("Audit log"), "audit", Permission.VIEW_AUDIT),
    ("/admin/jobs", N_("Background jobs"), "settings", Permission.VIEW_AUDIT),
    ("/privacy", N_("Privacy"), "key", Permission.MANAGE_PRIVACY),
]


def build_nav(path: str, permissions: frozenset[str]) -> list[dict[str, Any]]:
    items = []
    for href, label, icon, permission in _ITEMS:
        if permission is not None and permission.value not in permissions:
            continue
        active = path == "/" if href == "/" else path == href or path.startswith(href + "/")
        items.append({"href": href, "label": _(label), "icon": icon, "active": active})
    return items
