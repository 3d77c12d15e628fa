"""``nineplus text ...``: the text pipeline's commands."""

from __future__ import annotations

import typer

from nineplus.cli_support import console

text_app = typer.Typer(help="Verbatims: sentiment, themes and their measured quality.", no_args_is_help=True)


@text_app.command("quality")
def quality() -> None:
    """Measure sentiment and theme recovery on the held-out split of the project's labelled Dutch and
    English verbatims (nothing is tuned on that split)."""
    from rich.table import Table

    from nineplus.text.quality import measure

    table = Table(
        "language",
        "train",
        "held out",
        "majority",
        "lexicon",
        "lexicon + learned",
        "themes recovered",
        "themes, later comments",
    )
    for lang in ("nl", "en"):
        q = measure(lang)
        table.add_row(
            lang,
            str(q.train),
            str(q.held_out),
            f"{q.majority_f1:.3f}",
            f"{q.lexicon_f1:.3f}",
            f"{q.combined_f1:.3f}",
            f"{q.theme_recovery:.3f}",
            f"{q.theme_recovery_new:.3f}",
        )
    console.print(
        "Sentiment: macro-F1 over negative, neutral and positive. Themes: share of held-out verbatims given\n"
        "their labelled theme, with the topics fitted on all texts (as the job does) and on the training\n"
        "texts alone (comments that arrive after the model was learned)."
    )
    console.print(table)
    from nineplus.text import embeddings
    from nineplus.text.quality import theme_recovery_by_meaning

    ready, why = embeddings.available()
    if not ready:
        console.print(f"Themes on the embedding path: not measured ({why})")
        return
    for lang in ("nl", "en"):
        recovered = theme_recovery_by_meaning(lang)
        figure = "not used: the model does not read it" if recovered is None else f"{recovered:.3f}"
        console.print(f"Themes on the embedding path ({lang}, {why}): {figure}")
