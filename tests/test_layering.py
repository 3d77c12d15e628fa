"""Layering rules checked by import analysis (STYLE.md): pure modules import neither web nor ORM."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "nineplus"
PURE_MODULES = [
    "journeys/journey_map.py",
    "analytics/scores.py",
    "analytics/coverage.py",
    "analytics/curves.py",
    "analytics/charts.py",
    "analytics/series.py",
    "analytics/drivers.py",
    "analytics/synthetic.py",
    "analytics/retention.py",
    "analytics/chain.py",
    "analytics/kept.py",
    "text/masking.py",
    "text/tokens.py",
    "text/driver_words.py",
    "text/sentiment.py",
    "text/themes.py",
    "text/quality.py",
]
FORBIDDEN = ("nineplus.web", "nineplus.core.db", "sqlalchemy", "fastapi", "starlette", "jinja2")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_pure_modules_import_neither_the_web_layer_nor_the_orm() -> None:
    for module in PURE_MODULES:
        bad = {n for n in imports_of(SRC / module) if n.startswith(FORBIDDEN)}
        assert not bad, f"{module} imports {bad}"


def test_services_and_repositories_never_import_the_web_layer() -> None:
    for path in SRC.glob("*/*.py"):
        if path.name in ("service.py", "repository.py", "models.py", "schemas.py", "auth.py", "apikeys.py"):
            bad = {
                n
                for n in imports_of(path)
                if n == "nineplus.web" or n.startswith(("nineplus.web.", "fastapi", "starlette"))
            }
            assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_only_repositories_and_services_build_queries_on_models() -> None:
    # Routes stay thin (STYLE.md): they parse, call a service and render. A route module that imports
    # sqlalchemy's select() is building a query where it should not.
    for path in SRC.glob("*/*routes.py"):  # routes.py and the capabilities' other route modules
        assert "select" not in {
            a
            for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.ImportFrom) and n.module == "sqlalchemy"
            for a in (x.name for x in n.names)
        }, path


def test_only_the_pseudonyms_module_ties_a_respondent_to_a_person() -> None:
    # Responses carry a pseudonym; the link to the person (respondent_keys) is read in privacy/pseudonyms.py
    # alone, and by the analytic store's reading of the row store, which puts pseudonyms in place of persons.
    allowed = {"feedback/models.py", "privacy/pseudonyms.py", "analytics/rowstore.py"}
    readers = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts
        and ("RespondentKey" in (source := path.read_text()) or "respondent_keys" in source)
    }
    assert readers <= allowed, readers - allowed
    assert "privacy/pseudonyms.py" in readers
