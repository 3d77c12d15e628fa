"""``nineplus analytics ...``: the analytics layer's commands."""

from __future__ import annotations

from typing import Annotated

import typer

from nineplus.cli_support import console

analytics_app = typer.Typer(help="Scores, intervals and the analytic store.", no_args_is_help=True)


@analytics_app.command("coverage")
def coverage(
    samples: Annotated[int, typer.Option(help="Simulated surveys per point.")] = 1000,
    seed: Annotated[int, typer.Option(help="The random generator's seed.")] = 2026,
) -> None:
    """How often the 95% intervals hold the true NPS and CSAT over simulated surveys, at each point of the
    test grid and at n = 50 (where they are known to be weaker)."""
    from rich.table import Table

    from nineplus.analytics.coverage import GRID_N, GRID_SHARES, nps_coverage, share_coverage

    table = Table("n", "promoters", "detractors", "NPS: adjusted Wald", "CSAT (share = promoters): Wilson")
    for n in (50, *GRID_N):
        for promoters, detractors in GRID_SHARES:
            table.add_row(
                f"{n:,}",
                f"{promoters:.0%}",
                f"{detractors:.0%}",
                f"{nps_coverage(n, promoters, detractors, samples, seed):.1%}",
                f"{share_coverage(n, promoters, samples, seed):.1%}",
            )
    console.print(table)
    console.print(f"{samples:,} samples per point, seed {seed}; the tests hold n >= 200 between 93% and 97%.")
