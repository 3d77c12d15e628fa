"""Roles and the permission matrix: the one place that says who may do what.

The README's permission table is generated from ``MATRIX`` (``nineplus docs permissions``) and a test
checks that the two agree.
"""

from __future__ import annotations

from enum import StrEnum

from nineplus.core.i18n import N_

ROLES = ("admin", "cx_lead", "team_lead", "team_member", "viewer")


class Permission(StrEnum):
    VIEW_JOURNEYS = "view_journeys"
    EDIT_JOURNEYS = "edit_journeys"
    RUN_WORKSHOPS = "run_workshops"
    VIEW_ALL_TEAMS = "view_all_teams"
    EDIT_TEAMS = "edit_teams"
    EDIT_SETTINGS = "edit_settings"
    MANAGE_USERS = "manage_users"
    MANAGE_API_KEYS = "manage_api_keys"
    VIEW_AUDIT = "view_audit"
    MANAGE_SURVEYS = "manage_surveys"
    VIEW_RESPONSES = "view_responses"
    SUBMIT_RESPONSES = "submit_responses"
    WORK_CASES = "work_cases"
    MANAGE_ACTIONS = "manage_actions"
    RUN_SCANS = "run_scans"
    MANAGE_PRIVACY = "manage_privacy"


PERMISSION_LABELS: dict[Permission, str] = {
    Permission.VIEW_JOURNEYS: N_("View journeys, moments, workshops and journey maps"),
    Permission.EDIT_JOURNEYS: N_("Create, edit, reorder and archive journeys and moments"),
    Permission.RUN_WORKSHOPS: N_("Record workshops and their expected emotions"),
    Permission.VIEW_ALL_TEAMS: N_("Open every team's page and members (otherwise only one's own teams)"),
    Permission.EDIT_TEAMS: N_("Create and edit teams and their members"),
    Permission.EDIT_SETTINGS: N_("Edit experience values and the organisation's channels"),
    Permission.MANAGE_USERS: N_("Invite staff, change roles, deactivate users"),
    Permission.MANAGE_API_KEYS: N_("Create and revoke API keys"),
    Permission.VIEW_AUDIT: N_("Read the audit log"),
    Permission.MANAGE_SURVEYS: N_("Design surveys, agree their protocol, field them and invite persons"),
    Permission.VIEW_RESPONSES: N_("Read and export survey responses"),
    Permission.SUBMIT_RESPONSES: N_("Store responses through the API (for example from a kiosk or a CRM)"),
    Permission.WORK_CASES: N_("See and work the cases of unhappy customers of one's own teams"),
    Permission.MANAGE_ACTIONS: N_("Plan and update improvement actions (for one's own teams)"),
    Permission.RUN_SCANS: N_("Run organisation scans among staff and read their results"),
    Permission.MANAGE_PRIVACY: N_(
        "Erase a person's data, export it for them, and set how long responses and contact data are kept"
    ),
}

_P = Permission
MATRIX: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "cx_lead": frozenset(
        {
            _P.VIEW_JOURNEYS,
            _P.EDIT_JOURNEYS,
            _P.RUN_WORKSHOPS,
            _P.VIEW_ALL_TEAMS,
            _P.EDIT_TEAMS,
            _P.EDIT_SETTINGS,
            _P.VIEW_AUDIT,
            _P.MANAGE_SURVEYS,
            _P.VIEW_RESPONSES,
            _P.SUBMIT_RESPONSES,
            _P.WORK_CASES,
            _P.MANAGE_ACTIONS,
            _P.RUN_SCANS,
        }
    ),
    "team_lead": frozenset({_P.VIEW_JOURNEYS, _P.RUN_WORKSHOPS, _P.WORK_CASES, _P.MANAGE_ACTIONS}),
    "team_member": frozenset({_P.VIEW_JOURNEYS, _P.WORK_CASES}),
    "viewer": frozenset({_P.VIEW_JOURNEYS, _P.VIEW_ALL_TEAMS}),
}

ROLE_LABELS = {
    "admin": N_("Admin"),
    "cx_lead": N_("CX lead"),
    "team_lead": N_("Team lead"),
    "team_member": N_("Team member"),
    "viewer": N_("Viewer"),
}

# What an API key's scope allows, on top of the role of nobody: keys act for the organisation.
SCOPE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "read": frozenset({_P.VIEW_JOURNEYS, _P.VIEW_ALL_TEAMS, _P.VIEW_RESPONSES}),
    "write": frozenset(
        {
            _P.VIEW_JOURNEYS,
            _P.VIEW_ALL_TEAMS,
            _P.EDIT_JOURNEYS,
            _P.RUN_WORKSHOPS,
            _P.VIEW_RESPONSES,
            _P.SUBMIT_RESPONSES,
        }
    ),
    "admin": frozenset(Permission),
}
SCOPES = tuple(SCOPE_PERMISSIONS)


def has_permission(role: str, permission: Permission) -> bool:
    return permission in MATRIX.get(role, frozenset())


def permission_table_markdown() -> str:
    """Render the matrix as the Markdown table the README shows."""
    header = "| permission | " + " | ".join(ROLE_LABELS[r] for r in ROLES) + " |"
    rule = "| --- |" + " :---: |" * len(ROLES)
    rows = [
        f"| {PERMISSION_LABELS[p]} | " + " | ".join("yes" if p in MATRIX[r] else "-" for r in ROLES) + " |"
        for p in Permission
    ]
    return "\n".join([header, rule, *rows])
