"""`nineplus import responses`: the mapping shown, every row checked, a bad file refused unless asked."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from nineplus.cli import app
from nineplus.core.db import transaction
from nineplus.core.tenancy import system
from nineplus.feedback.models import Answer, Response
from tests import factories
from tests.imports.conftest import FIXTURES, build_target

runner = CliRunner()


def stored(survey_id: int) -> tuple[int, int]:
    with transaction(write=False) as session:
        system(session)
        of_survey = Response.survey_id == survey_id
        return (
            session.scalar(select(func.count()).select_from(Response).where(of_survey)) or 0,
            session.scalar(select(func.count()).select_from(Answer).join(Response).where(of_survey)) or 0,
        )


def test_the_cli_imports_a_qualtrics_file_once_and_refuses_a_broken_one(
    committed_db: str, tmp_path: Path
) -> None:
    with transaction() as session:
        world = factories.bank(session, "Import Bank", prefix="i")
        survey_id = build_target(session, world).survey.id
    first = runner.invoke(
        app, ["import", "responses", str(FIXTURES / "qualtrics_export.csv"), "--survey", str(survey_id)]
    )
    assert first.exit_code == 0, first.output
    assert "qualtrics layout" in first.output
    assert "4 rows: 3 valid, 0 with errors, 1 unfinished" in first.output
    assert "stored 3 new responses; 0 were already there" in first.output
    again = runner.invoke(
        app, ["import", "responses", str(FIXTURES / "qualtrics_export.csv"), "--survey", str(survey_id)]
    )
    assert "stored 0 new responses; 3 were already there" in again.output
    assert stored(survey_id)[0] == 3

    broken = tmp_path / "scores.csv"
    broken.write_text("ref,score,reden\nB-1,8,Goed\nB-2,12,Slecht\n", encoding="utf-8")
    mapping = ["--map", "ref=client_id", "--map", "score=nps", "--map", "reden=waarom"]
    refused = runner.invoke(app, ["import", "responses", str(broken), "--survey", str(survey_id), *mapping])
    assert refused.exit_code == 1
    assert "row 3, column 'score', value '12'" in refused.output
    assert "nothing was written" in refused.output
    assert stored(survey_id)[0] == 3
    loaded = runner.invoke(
        app, ["import", "responses", str(broken), "--survey", str(survey_id), *mapping, "--valid-only"]
    )
    assert loaded.exit_code == 0, loaded.output
    assert stored(survey_id)[0] == 4
    wrong = runner.invoke(
        app, ["import", "responses", str(broken), "--survey", str(survey_id), "--map", "score=nope"]
    )
    assert wrong.exit_code == 1
    assert "names no question" in wrong.output


def test_the_cli_imports_a_person_list_and_a_second_run_updates(committed_db: str, tmp_path: Path) -> None:
    from nineplus.feedback.models import Person

    with transaction() as session:
        factories.bank(session, "List Bank", prefix="l")
    path = tmp_path / "klanten.csv"
    path.write_text("klantnummer,e-mail,regio\nK-1,a@klant.example,Utrecht\nK-2,b@klant.example,Zwolle\n")
    first = runner.invoke(app, ["import", "persons", str(path), "--organisation", "l-list-bank"])
    assert first.exit_code == 0, first.output
    assert "added 2 persons; updated 0" in first.output
    second = runner.invoke(
        app, ["import", "persons", str(path), "--organisation", "L List Bank", "--map", "regio=ignore"]
    )
    assert "added 0 persons; updated 2" in second.output
    with transaction(write=False) as session:
        system(session)
        assert session.scalar(select(func.count()).select_from(Person)) == 2
    missing = runner.invoke(app, ["import", "persons", str(path), "--organisation", "Nobody"])
    assert missing.exit_code == 1
    assert "no organisation" in missing.output


def test_the_cli_imports_outcomes_for_known_persons(committed_db: str, tmp_path: Path) -> None:
    from nineplus.outcomes.models import CustomerOutcome

    with transaction() as session:
        factories.bank(session, "Outcome Bank", prefix="o")
    persons = tmp_path / "klanten.csv"
    persons.write_text("klantnummer,e-mail\nK-1,a@klant.example\n")
    assert (
        runner.invoke(app, ["import", "persons", str(persons), "--organisation", "o-outcome-bank"]).exit_code
        == 0
    )
    path = tmp_path / "omzet.csv"
    path.write_text("klantnummer,maand,omzet\nK-1,2026-01,100\nK-1,2026-02,120\n")
    result = runner.invoke(app, ["import", "outcomes", str(path), "--organisation", "o-outcome-bank"])
    assert result.exit_code == 0, result.output
    assert "added 2 outcomes; updated 0" in result.output
    with transaction(write=False) as session:
        system(session)
        assert session.scalar(select(func.count()).select_from(CustomerOutcome)) == 2
