"""The verbatim analyses: every submitted text answer analysed with the organisation's model, linked to the
moments it talks about, masked, and analysed again when the model changes; one organisation's comments
never enter another's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Person, Response
from nineplus.text.models import TextModelState, VerbatimAnalysis, VerbatimMoment
from nineplus.text.service import analyse_organisation, analyse_verbatims
from tests.factories import World
from tests.imports.conftest import Target, build_target, respond


def say(
    db: Session, target: Target, text: str, nps: int | None = None, person: Person | None = None
) -> Response:
    return respond(db, target, nps, text=text, person=person)


def analyses(db: Session, organisation_id: int) -> list[VerbatimAnalysis]:
    scope(db, organisation_id)
    return list(db.scalars(select(VerbatimAnalysis).order_by(VerbatimAnalysis.response_id)))


def test_each_comment_is_analysed_masked_and_linked_to_the_moments_it_names(
    db: Session, bank_a: World, target: Target
) -> None:
    anna = Person(email="anna@example.org", name="Anna Jansen", team_id=bank_a.teams["contact"].id)
    db.add(anna)
    db.flush()
    say(db, target, "Het gesprek met de adviseur was top, Anna Jansen hier, bel 06-12345678", 9, anna)
    say(db, target, "Weken moeten wachten op de hypotheekofferte, slecht geregeld", 3)
    say(db, target, "Prima", None)
    assert analyse_organisation(db, bank_a.org.id) == 3
    first, second, third = analyses(db, bank_a.org.id)
    assert first.masked == "Het gesprek met de adviseur was top, [naam] hier, bel [telefoon]"
    assert first.polarity == "positive"
    assert " adviseur " in first.lemmas
    moments = {m.id: m for m in target.moments}
    names: dict[int, list[str]] = {}
    for analysis_id, moment_id in db.execute(select(VerbatimMoment.analysis_id, VerbatimMoment.moment_id)):
        names.setdefault(analysis_id, []).append(moments[moment_id].name["nl"])
    assert names[first.id] == ["Gesprek met de adviseur"]  # its name's words
    assert names[second.id] == ["Offerte ontvangen"]  # its keyword, in a compound the keyword names
    assert third.id not in names
    assert second.polarity == "negative"
    assert second.theme == "wait"


def test_nothing_new_is_analysed_once_and_a_changed_moment_analyses_everything_again(
    db: Session, bank_a: World, target: Target
) -> None:
    say(db, target, "Afspraak maken ging vlot", 9)
    say(db, target, "Lang gewacht op de offerte", 4)
    assert analyse_organisation(db, bank_a.org.id) == 2
    assert analyse_organisation(db, bank_a.org.id) == 0
    # Same number, same ids, another version: as another process with other settings would leave them.
    db.execute(update(VerbatimAnalysis).values(version="elsewhere"))
    assert analyse_organisation(db, bank_a.org.id) == 2
    version = db.scalar(select(TextModelState.version))
    target.moments[0].keywords = {"nl": "afspraak", "en": ""}
    db.flush()
    assert analyse_organisation(db, bank_a.org.id) == 2
    assert db.scalar(select(TextModelState.version)) != version
    assert db.scalar(select(func.count()).select_from(VerbatimAnalysis)) == 2  # replaced, not added


def test_once_settled_a_run_reads_no_text_until_an_answer_an_analysis_or_a_setting_changes(
    db: Session, bank_a: World, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nineplus.text import service

    reads: list[int] = []
    real = service.verbatims
    monkeypatch.setattr(service, "verbatims", lambda session, org: reads.append(org) or real(session, org))
    say(db, target, "Afspraak maken ging vlot", 9)
    say(db, target, "Lang gewacht op de offerte", 4)
    assert analyse_organisation(db, bank_a.org.id) == 2
    assert analyse_organisation(db, bank_a.org.id) == 0
    assert len(reads) == 1  # the second run counted, and read nothing
    say(db, target, "De adviseur was vriendelijk", 10)
    assert analyse_organisation(db, bank_a.org.id) == 1
    assert len(reads) == 2
    first = analyses(db, bank_a.org.id)[0]
    db.delete(first)  # an analysis gone (erased, or its transaction rolled back)
    db.flush()
    assert analyse_organisation(db, bank_a.org.id) == 1
    target.moments[0].keywords = {"nl": "afspraak", "en": ""}  # a setting the analyses depend on
    db.flush()
    assert analyse_organisation(db, bank_a.org.id) == 3
    assert analyse_organisation(db, bank_a.org.id) == 0
    assert len(reads) == 4


def test_the_job_analyses_each_organisation_on_its_own(db: Session, bank_a: World, bank_b: World) -> None:
    mine = build_target(db, bank_a)
    theirs = build_target(db, bank_b)
    say(db, mine, "De adviseur was vriendelijk", 9)
    say(db, theirs, "Niemand belde terug", 2)
    system(db)
    analyse_verbatims(db, {})
    assert [a.masked for a in analyses(db, bank_a.org.id)] == ["De adviseur was vriendelijk"]
    assert [a.masked for a in analyses(db, bank_b.org.id)] == ["Niemand belde terug"]


def test_the_job_commits_each_batch_and_keeps_its_claim(
    db: Session, bank_a: World, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nineplus.text import service

    claims = []
    monkeypatch.setattr(service, "BATCH", 2)
    monkeypatch.setattr(service, "extend_lock", lambda: claims.append(1))
    for number in range(5):
        say(db, target, f"Opmerking nummer {number}", 8)
    assert analyse_organisation(db, bank_a.org.id, commit_batches=True) == 5
    assert len(claims) == 4  # after learning, then batches of two, two and one


def test_comments_without_a_seed_word_or_a_score_are_analysed_and_one_failure_keeps_no_one_waiting(
    db: Session, bank_a: World, bank_b: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nineplus.text import service

    mine = build_target(db, bank_a)
    theirs = build_target(db, bank_b)
    for number in range(25):  # no seed word anywhere, and no score: nothing to start a topic from
        say(db, mine, ["Prima", "Top", "Goed zo", "Niets", "Nee"][number % 5] + "!" * (number // 5))
    say(db, theirs, "Niemand belde terug", 2)
    system(db)
    analyse_verbatims(db, {})
    assert len(analyses(db, bank_a.org.id)) == 25
    assert {a.theme for a in analyses(db, bank_a.org.id)} == {None}
    assert len(analyses(db, bank_b.org.id)) == 1
    # An organisation whose analysis fails is reported, after the others were done.
    real = service.analyse_organisation

    def failing(session: Session, organisation_id: int, **options: bool) -> int:
        if organisation_id == bank_a.org.id:
            raise ValueError("broken")
        return real(session, organisation_id, **options)

    monkeypatch.setattr(service, "analyse_organisation", failing)
    say(db, theirs, "De adviseur was vriendelijk", 9)
    db.commit()  # (the job rolls a failed organisation's work back)
    system(db)
    with pytest.raises(RuntimeError, match=f"organisation\\(s\\) \\[{bank_a.org.id}\\]"):
        analyse_verbatims(db, {})
    assert len(analyses(db, bank_b.org.id)) == 2


def test_the_topics_are_fitted_on_comments_without_a_score(
    db: Session, bank_a: World, target: Target
) -> None:
    from nineplus.text import service

    for number in range(30):
        say(
            db,
            target,
            ["Lang wachten op de offerte", "Het formulier was onduidelijk"][number % 2] + f" ({number})",
        )
    assert analyse_organisation(db, bank_a.org.id) == 30
    state = db.scalar(select(TextModelState))
    assert state is not None
    assert state.trained_on == 30
    assert service._MODELS[(bank_a.org.id, state.version)].themes["nl"].nmf is not None
    assert {a.theme for a in analyses(db, bank_a.org.id)} == {"wait", "paperwork"}


def test_the_job_learns_through_the_runner_without_locking_itself_out(committed_session: Session) -> None:
    """Run by the job runner, learning extends the job's claim from another connection; on SQLite the
    job's own write transaction held open meanwhile made that connection wait 30 seconds and fail
    ("database is locked"), so new comments were never analysed after a model had to be learned."""
    from nineplus.jobs import runner
    from nineplus.jobs.models import Job
    from tests import factories

    db = committed_session
    world = factories.bank(db, "Text Job Bank", prefix="tj")
    target = build_target(db, world)
    for i in range(30):
        say(db, target, ["Weken wachten op de offerte", "Fijn gesprek met de adviseur"][i % 2], [3, 9][i % 2])
    db.commit()
    system(db)
    runner.enqueue(db, "analyse_verbatims")
    db.commit()
    runner.run_pending()
    system(db)
    job = db.scalar(select(Job).where(Job.kind == "analyse_verbatims").order_by(Job.id.desc()))
    assert job is not None
    assert (job.state, job.last_error) == ("done", "")
    assert len(analyses(db, world.org.id)) == 30
