"""Accessibility checks with axe-core (4.14.1, MPL-2.0, vendored from npm in tests/e2e/vendor/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe on the page and return its serious and critical violations as readable lines.
    The page's context must be made with ``bypass_csp=True``: the product's CSP forbids injected script."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in impacts:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found
