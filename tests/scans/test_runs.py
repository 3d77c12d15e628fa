"""Scan runs: a CX lead starts one among chosen teams; each employee and manager gets a personal link by
e-mail; the answers are stored anonymously (the link only records that, and on which day, it was used);
a link answers once, with a message per statement for an impossible point; no result of a group under
the minimum shows, not the whole, not a role, not a department, nor one that follows by subtraction;
managers and employees are compared where both groups are large enough; a second run shows the change."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.mail import compose
from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Person
from nineplus.jobs.models import Job
from nineplus.scans import runs
from nineplus.scans.instrument import load_dir
from nineplus.scans.models import ScanAnswer, ScanInvitation, ScanRun
from tests.conftest import html
from tests.factories import World, login


def _staff(db: Session, world: World, team: str, count: int) -> None:
    scope(db, world.org.id)
    for i in range(count):
        db.add(
            Person(
                kind="employee",
                email=f"{team}{i}@bank.example",
                name=f"{team} {i}",
                team_id=world.teams[team].id,
            )
        )
    db.flush()


def _level(value: int, **overrides: int) -> dict[str, int]:
    instrument = load_dir()["seven_levels"]
    return {**{i.key: (6 - value if i.reverse else value) for i in instrument.items}, **overrides}


def test_staff_answer_a_run_anonymously_through_their_own_link(
    client: TestClient, db: Session, bank_a: World
) -> None:
    _staff(db, bank_a, "contact", 6)
    _staff(db, bank_a, "advice", 2)
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get("/scans/new?instrument=seven_levels"))
    token = page.select_one("input[name=csrf_token]")["value"]
    refused = client.post("/scans/new", data={"csrf_token": token, "instrument": "seven_levels", "title": ""})
    assert refused.status_code == 422
    assert html(refused).select_one("#f-title-error") is not None
    assert html(refused).select_one("#f-team_ids-error") is not None
    teams = [str(bank_a.teams["contact"].id), str(bank_a.teams["advice"].id)]
    made = client.post(
        "/scans/new",
        data={
            "csrf_token": token,
            "instrument": "seven_levels",
            "title": "Voorjaar",
            "team_ids": teams,
            "min_group": "5",
        },
    )
    assert made.status_code == 303
    run_id = int(made.headers["location"].rsplit("/", 1)[1])
    system(db)
    invitations = db.scalars(select(ScanInvitation).where(ScanInvitation.run_id == run_id)).all()
    roles = sorted(i.role for i in invitations)
    assert roles == ["employee"] * 8 + [
        "manager"
    ]  # the contact centre's lead; the CX lead reads, not answers
    jobs = db.scalars(select(Job).where(Job.kind == "send_email")).all()
    mails = [j for j in jobs if j.payload.get("compose") == "scan_invitation"]
    assert len(mails) == 9
    email = compose(db, mails[0].payload)
    assert email is not None
    assert "anoniem" in email.text  # in the organisation's language: employees have no account
    path = next(word for word in email.text.split() if "/scan/" in word)
    path = path[path.index("/scan/") :]
    client.cookies.clear()  # a staff member's own link, no login
    form = html(client.get(path))
    assert form.select_one("#scan-answers") is not None
    csrf = form.select_one("input[name=csrf_token]")["value"]
    wrong = client.post(path, data={"csrf_token": csrf, **_level(4, mission_why=9)})
    assert wrong.status_code == 422
    assert html(wrong).select_one("#item-mission_why .field__error") is not None
    sparse = client.post(path, data={"csrf_token": csrf, "mission_why": "4"})
    assert sparse.status_code == 422  # fewer than half the statements
    done = client.post(path, data={"csrf_token": csrf, **{k: str(v) for k, v in _level(4).items()}})
    assert html(done).select_one("#scan-thanks") is not None
    again = client.post(path, data={"csrf_token": csrf, **{k: str(v) for k, v in _level(1).items()}})
    assert html(again).select_one("#scan-thanks") is not None
    assert client.get("/scan/1.forged").status_code == 404
    system(db)
    stored = db.scalars(select(ScanAnswer).where(ScanAnswer.run_id == run_id)).all()
    assert len(stored) == 1  # once
    assert (stored[0].person_id, stored[0].user_id) == (None, None)  # anonymous: no link to the person
    assert stored[0].answers["mission_why"] == 4
    used = db.scalars(select(ScanInvitation.used_on).where(ScanInvitation.used_on.is_not(None))).all()
    assert used == [utcnow().date()]  # a day, not a moment
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/scans/{run_id}"))
    assert page.select_one("#scan-waiting") is not None  # nothing while answers come in
    token = page.select_one("input[name=csrf_token]")["value"]
    assert client.post(f"/scans/{run_id}/close", data={"csrf_token": token}).status_code == 303
    assert html(client.get(f"/scans/{run_id}")).select_one("#scan-too-few") is not None


def _run(
    db: Session,
    world: World,
    answers: list[tuple[str, str | None, dict[str, int]]],
    previous: int | None = None,
    status: str = "closed",
) -> ScanRun:
    """A run with answers stored directly: (role, team key, answers); closed unless said otherwise."""
    scope(db, world.org.id)
    run = ScanRun(instrument="seven_levels", version=1, title="Proef", previous_id=previous, status=status)
    db.add(run)
    db.flush()
    for role, team, given in answers:
        db.add(
            ScanAnswer(
                run_id=run.id,
                role=role,
                team_id=world.teams[team].id if team else None,
                submitted_on=utcnow().date(),
                answers=given,
            )
        )
    db.flush()
    return run


def test_no_group_under_the_minimum_shows_not_even_by_subtraction(
    client: TestClient, db: Session, bank_a: World
) -> None:
    me = bank_a.principal(db, "cx_lead")
    # Contact: 6 employees; advice: 7 employees; a third team of 2. Managers: 2 (too few to compare).
    _staff(db, bank_a, "contact", 0)
    team_keys = list(bank_a.teams)
    assert len(team_keys) >= 2
    rows = [("employee", "contact", _level(4))] * 6 + [("employee", "advice", _level(3))] * 7
    rows += [("manager", "contact", _level(5))] * 2
    run = _run(db, bank_a, rows)
    found = runs.results(db, me, run)
    assert found.whole is not None
    assert found.answered == 15
    assert all(g.result is None for g in found.roles)  # 2 managers: neither role is shown alone
    assert found.gap == {}
    shown = {g.name: g.n for g in found.departments}
    assert shown == {bank_a.teams["contact"].name: 8, bank_a.teams["advice"].name: 7}
    # Contact 8 (6 + 2 managers) and advice 7 are each shown; nothing hidden, so nothing to derive.
    assert found.hidden_departments == 0
    # A third department of 2: hidden, and the smallest shown one too, or it would follow from the whole.
    small = _run(db, bank_a, rows + [("employee", None, _level(2))] * 2)
    found = runs.results(db, me, small)
    assert found.hidden_departments == 2
    assert len(found.departments) == 1
    assert 17 - sum(g.n for g in found.departments) >= small.min_group
    # Under the minimum altogether: nothing at all.
    tiny = _run(db, bank_a, rows[:4])
    assert runs.results(db, me, tiny).whole is None
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/scans/{small.id}"))
    assert page.select_one("#scan-hidden") is not None
    assert page.select_one("#scan-too-few") is None


def test_managers_and_employees_compared_and_the_change_since_the_last_run(
    client: TestClient, db: Session, bank_a: World
) -> None:
    me = bank_a.principal(db, "cx_lead")
    first = _run(
        db, bank_a, [("employee", "contact", _level(3))] * 5 + [("manager", "contact", _level(3))] * 5
    )
    # Managers think the values are in order (5); employees are divided on the phone (5 and 1).
    phone = [_level(4, values_phone=5), _level(4, values_phone=1)] * 3
    rows = [("employee", "contact", given) for given in phone] + [("manager", "advice", _level(5))] * 5
    second = _run(db, bank_a, rows, previous=first.id)
    found = runs.results(db, me, second)
    assert found.whole is not None
    assert found.gap["values"] > 0  # managers see it rosier than employees
    assert found.whole.dimension("values").divided
    assert found.whole.advice[0] in ("mission", "identity", "values")
    assert found.change["mission"] > 0
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/scans/{second.id}"))
    assert page.select_one("#dimension-values .divided") is not None
    radar = page.select_one("#scan-radar svg")
    assert radar is not None
    assert "Missie" in radar.text or "Mission" in radar.text  # the spokes are named
    assert page.select_one("#scan-grid") is None  # the seven levels have no 2x2
    assert page.select_one("#scan-divided") is not None
    assert "Managers minus employees" in page.text or "Leidinggevenden min medewerkers" in page.text
    # Nobody without the right sees runs.
    login(client, db, bank_a.users["team_lead"])
    assert client.get(f"/scans/{second.id}").status_code == 403
    assert db.scalar(select(func.count()).select_from(ScanRun)) == 2


def test_a_shared_link_lets_staff_without_e_mail_answer_with_their_role_and_department(
    client: TestClient, db: Session, bank_a: World
) -> None:
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    token = html(client.get("/scans/new")).select_one("input[name=csrf_token]")["value"]
    contact = str(bank_a.teams["contact"].id)
    made = client.post(
        "/scans/new",
        data={
            "csrf_token": token,
            "instrument": "four_bs",
            "title": "Open",
            "team_ids": [contact],
            "open_link": "yes",
        },
    )
    assert made.status_code == 303  # nobody to e-mail, but the shared link will do
    run_id = int(made.headers["location"].rsplit("/", 1)[1])
    shared = html(client.get(f"/scans/{run_id}")).select_one("#scan-shared code").text
    path = shared[shared.index("/scan/open/") :]
    client.cookies.clear()
    form = html(client.get(path))
    assert [o["value"] for o in form.select("#f-team_id option") if o["value"]] == [contact]
    csrf = form.select_one("input[name=csrf_token]")["value"]
    four = load_dir()["four_bs"]
    points = {i.key: "4" for i in four.items}
    missing = client.post(path, data={"csrf_token": csrf, **points})
    assert missing.status_code == 422
    assert html(missing).select_one("#f-role-error") is not None
    done = client.post(path, data={"csrf_token": csrf, "role": "employee", "team_id": contact, **points})
    assert html(done).select_one("#scan-thanks") is not None
    # One answer per browser (a hurdle, not a guarantee): the same browser is thanked, not stored again.
    twice = client.post(path, data={"csrf_token": csrf, "role": "manager", "team_id": contact, **points})
    assert html(twice).select_one("#scan-thanks") is not None
    assert client.get(path[:-4] + "0000").status_code == 404  # a forged key
    system(db)
    stored = db.scalars(select(ScanAnswer).where(ScanAnswer.run_id == run_id)).all()
    assert [(a.role, a.team_id, a.person_id) for a in stored] == [("employee", int(contact), None)]
    personal = _run(db, bank_a, [])
    assert runs.shared_link(personal) is None  # a run of personal links has no shared one to guess
    # Closed, its results: the whole only, never broken down (it could be filled up on purpose).
    system(db)
    db.execute(ScanRun.__table__.update().where(ScanRun.id == run_id).values(status="closed"))
    scope(db, bank_a.org.id)
    for _ in range(5):
        db.add(
            ScanAnswer(
                run_id=run_id,
                role="manager",
                team_id=int(contact),
                submitted_on=utcnow().date(),
                answers=dict.fromkeys(points, 3),
            )
        )
    db.flush()
    found = runs.results(db, bank_a.principal(db, "cx_lead"), db.get_one(ScanRun, run_id))
    assert found.whole is not None
    assert (found.roles, found.departments, found.gap) == ([], [], {})


def test_roles_are_not_shown_where_they_would_single_out_someone_in_a_department(
    db: Session, bank_a: World
) -> None:
    """Contact: five employees and one manager; advice: five managers. Each role and each department is
    large enough, but managers minus the advice team would be the contact centre's one manager."""
    me = bank_a.principal(db, "cx_lead")
    rows = [("employee", "contact", _level(3))] * 5 + [("manager", "contact", _level(5))]
    rows += [("manager", "advice", _level(4))] * 5
    found = runs.results(db, me, _run(db, bank_a, rows))
    assert {g.name: g.n for g in found.departments} == {
        bank_a.teams["contact"].name: 6,
        bank_a.teams["advice"].name: 5,
    }
    assert all(g.result is None for g in found.roles)
    assert found.gap == {}


def test_an_open_run_shows_nothing_and_the_previous_run_must_be_closed_among_the_same_teams(
    client: TestClient, db: Session, bank_a: World
) -> None:
    me = bank_a.principal(db, "cx_lead")
    rows = [("employee", "contact", _level(4))] * 6
    growing = _run(db, bank_a, rows, status="open")
    found = runs.results(db, me, growing)
    assert (found.waiting, found.whole, found.answered) == (True, None, 6)
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    report = client.get(f"/scans/{growing.id}/report.pdf")
    assert report.status_code == 200  # the report says to wait, with no scores
    # A new run takes the latest closed run among the same teams as its previous one.
    scope(db, bank_a.org.id)
    db.execute(ScanRun.__table__.update().values(teams=[bank_a.teams["contact"].id]))
    db.commit()
    token = html(client.get("/scans/new")).select_one("input[name=csrf_token]")["value"]
    _staff(db, bank_a, "contact", 5)
    db.commit()
    made = client.post(
        "/scans/new",
        data={
            "csrf_token": token,
            "instrument": "seven_levels",
            "title": "Nieuw",
            "team_ids": [str(bank_a.teams["contact"].id)],
        },
    )
    assert made.status_code == 303
    system(db)
    newest = db.scalar(select(ScanRun).where(ScanRun.title == "Nieuw"))
    assert newest is not None
    assert newest.previous_id is None  # the only earlier run is still open
