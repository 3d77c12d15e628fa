"""Every route, given objects of Bank B, answers 404 to a user of Bank A; lists never show Bank B's rows.

The routes come from the application itself, so a new route is covered (or fails for want of a
path-parameter mapping) without anyone remembering to add it here. The second half proves the test has
teeth: with the organisation scoping switched off for any one model, the sweep finds a leak.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.core import tenancy
from nineplus.core.tenancy import scope
from nineplus.feed.models import CustomerEvent, SurveyTrigger
from nineplus.feedback.models import Person
from nineplus.jobs.models import Job
from nineplus.web.routing import PUBLIC_ROUTES, RouteInfo, iter_routes
from nineplus.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import World, csrf_token, login

MARKER = "Bank B"

# Models no route reads on their own: they are only reached through an already-scoped parent, or by a
# token lookup on a system session. Unscoping them cannot leak anything through the routes, which
# test_the_exemptions_are_exactly_the_models_no_route_reads_directly keeps honest.
READ_ONLY_THROUGH_PARENT_OR_TOKEN = {
    "LoginSession": "looked up by token hash on a system session",
    "PasswordReset": "looked up by token hash on a system session",
    "TeamMembership": "always filtered by a user or team of the caller's organisation",
    "WorkshopEntry": "always filtered by a workshop of the caller's organisation",
    "Answer": "read only through a response of the caller's organisation (no route lists answers yet)",
    "CustomerOutcome": "pages read outcomes from the analytic store's copy, each query by organisation id",
    "Question": "always filtered by a survey version of the caller's organisation",
    "Response": "counted per survey, shown only for the caller's surveys; found by token or client id",
    "SurveyInvitation": "counted per survey of the caller's organisation; found by token hash",
    "SurveyVersion": "always filtered by a survey of the caller's organisation",
    "WalkThroughEntry": "always filtered by a walk-through of the caller's organisation",
    "TextModelState": "read only by the analysis job, on a session scoped to its organisation",
    "CaseNote": "always filtered by a case of the caller's organisation",
    "CaseScan": "read only by the case job, on a session scoped to its organisation",
    "ActionCase": "always read through an improvement action of the caller's organisation",
    "BoardDigest": "read only by the digest job, on a session scoped to its organisation",
    "ScanInvitation": "counted per run of the caller's organisation; found by its signed link",
    "ScanAnswer": "always read through a scan run of the caller's organisation",
    "VerbatimAnalysis": "always read joined to a response of the caller's organisation",
    "VerbatimMoment": "always read through an analysis joined to a response of the caller's organisation",
    "RespondentKey": "read only through privacy.pseudonyms, for a person or response of the caller's org",
}


def param_values(world: World) -> dict[str, int | str]:
    assert world.journey
    assert world.workshop
    assert world.channel
    assert world.value
    assert world.api_key
    assert world.invitation
    return {
        "journey_id": world.journey.id,
        "moment_id": world.moments[0].id,
        "workshop_id": world.workshop.id,
        "team_id": world.teams["contact"].id,
        "user_id": world.users["member"].id,
        "key_id": world.api_key.id,
        "invitation_id": world.invitation.id,
        "survey_id": world.survey.id,  # type: ignore[union-attr]
        "kind": "svg",
        "name": "distribution",
        "dataset": "answers",
        "import_id": world.data_import.id,  # type: ignore[union-attr]
        "walk_id": world.walk.id,  # type: ignore[union-attr]
        "value_id": world.value.id,
        "channel_id": world.channel.id,
        "case_id": world.case_id,
        "rule_id": world.rule_id,
        "action_id": world.action_id,
        "target_id": world.target_id,
        "link_id": world.link_id,
        "run_id": world.run_id,
        "person_id": world.person_id,
        "receipt": world.receipt,
        "session_id": world.session_id,
        "job_id": world.job_id,
        "endpoint_id": world.endpoint_id,
        "delivery_id": world.delivery_id,
        "trigger_id": world.trigger_id,
    }


def fill(path: str, values: dict[str, int | str]) -> str | None:
    """Put Bank B's ids into the path; None for a path with no object to point at."""
    if "{" not in path:
        return None
    out = path
    for name in re.findall(r"\{(\w+)\}", path):  # every parameter, also inside a segment ("qr.{kind}")
        assert name in values, f"cross-tenant test: map path parameter {name!r} of {path} to a Bank B object"
        out = out.replace("{" + name + "}", str(values[name]))
    return out


# Valid bodies, so that an API route's answer is about the object, not about a malformed request.
_MOMENT = {"name": {"en": "x"}, "channel": "phone"}
API_BODIES: dict[str, object] = {
    "/api/v1/journeys/{journey_id}": {"name": {"en": "x"}, "start_feeling": 0},
    "/api/v1/journeys/{journey_id}/moments": _MOMENT,
    "/api/v1/moments/{moment_id}": _MOMENT,
    "/api/v1/journeys/{journey_id}/workshops": {"title": "x", "held_on": "2026-01-01"},
    "/api/v1/workshops/{workshop_id}/entries": {"entries": []},
    "/api/v1/journeys/{journey_id}/moments/order": {"moment_ids": []},
    "/api/v1/surveys/{survey_id}/responses": {"client_id": "sweep-0001", "answers": [{"question_id": 1}]},
}


def call(client: TestClient, route: RouteInfo, url: str, token: str):  # type: ignore[no-untyped-def]
    headers = {"X-CSRF-Token": token}
    if route.method == "GET":
        return client.get(url)
    if route.is_api:
        return client.request(route.method, url, json=API_BODIES.get(route.path, {}), headers=headers)
    return client.request(route.method, url, data={"csrf_token": token}, headers=headers)


def with_a_customer(db: Session, b: World) -> None:
    """Bank B's customer list holds a person whose name says Bank B, for the list pages to leak; the
    customer answered, and the answer opened a case."""
    from datetime import UTC, datetime, timedelta

    from nineplus.feedback import service as surveys
    from nineplus.feedback.models import Response
    from nineplus.improve.models import ActionCase, BoardLink, Case, CaseRule, GrowthTarget, ImprovementAction
    from nineplus.privacy.models import ErasureRequest, RetentionPolicy
    from nineplus.scans.models import ScanRun

    scope(db, b.org.id)
    customer = Person(external_id="b-sweep-1", name=f"Customer of {MARKER}", team_id=b.teams["contact"].id)
    db.add(customer)
    db.flush()
    assert b.survey is not None
    version = surveys.current_version(db, b.survey.id)
    now = datetime.now(UTC)
    from nineplus.privacy import pseudonyms

    response = Response(
        survey_id=b.survey.id,
        version_id=version.id,
        **pseudonyms.given_by(db, customer),
        client_id="b-sweep",
        submitted_at=now,
    )
    db.add(response)
    db.flush()
    case = Case(
        response_id=response.id, team_id=b.teams["contact"].id, reasons=["nps:2"], opened_at=now, due_at=now
    )
    rule = CaseRule(kind="nps", threshold=6, applies_from=now)
    action = ImprovementAction(title=f"Action of {MARKER}", moment_id=b.moments[0].id, starts_on=now.date())
    goal = GrowthTarget(
        team_id=b.teams["contact"].id,
        starts_on=now.date(),
        ends_on=now.date() + timedelta(days=90),
        target=9.0,
    )
    screen = BoardLink(team_id=b.teams["contact"].id, token_hash="b" * 64, label=f"Screen of {MARKER}")
    scan = ScanRun(instrument="four_bs", version=1, title=f"Scan of {MARKER}")
    erased = ErasureRequest(receipt=f"{MARKER} 1", identifier_kind="email", identifier_hash="0" * 64)
    kept = RetentionPolicy(scope_key="organisation", responses_months=24, basis=f"Kept by {MARKER}")
    failed = Job(
        kind="send_email",
        organisation_id=b.org.id,
        run_at=now,
        state="failed",
        attempts=5,
        last_error=f"SMTP refused {MARKER}",
    )
    hook = WebhookEndpoint(url=f"https://b.example/{MARKER}", events=["case.opened"], secret="whsec_AAAA")
    db.add_all([case, rule, action, goal, screen, scan, erased, kept, failed, hook])
    db.flush()
    sent = WebhookDelivery(
        endpoint_id=hook.id, event="case.opened", payload={"x": MARKER}, next_attempt_at=now, state="failed"
    )
    trigger = SurveyTrigger(survey_id=b.survey.id, event_type="bank-b.closed")
    told = CustomerEvent(
        reference=f"Event of {MARKER}",
        event_type="bank-b.closed",
        occurred_at=now,
        person_id=customer.id,
        outcome="stored",
    )
    db.add_all([sent, trigger, told])
    db.flush()
    b.trigger_id = trigger.id
    b.job_id, b.endpoint_id, b.delivery_id = failed.id, hook.id, sent.id
    db.add(ActionCase(action_id=action.id, case_id=case.id))
    db.commit()
    b.case_id, b.rule_id, b.action_id, b.target_id = case.id, rule.id, action.id, goal.id
    b.link_id, b.run_id = screen.id, scan.id
    b.person_id, b.receipt = customer.id, erased.receipt
    from sqlalchemy import select

    from nineplus.accounts import auth
    from nineplus.accounts.models import LoginSession

    auth.start_session(db, b.users["member"], "Bank B's browser")
    db.commit()
    b.session_id = db.scalars(
        select(LoginSession.id).where(LoginSession.user_id == b.users["member"].id)
    ).one()


def sweep(client: TestClient, b: World) -> list[str]:
    """Return every leak found: an object route that did not answer 404, or a page that shows Bank B."""
    token = csrf_token(client, "/")
    leaks = []
    values = param_values(b)
    for route in iter_routes(client.app):  # type: ignore[arg-type]
        if (route.method, route.path) in PUBLIC_ROUTES:
            continue
        url = fill(route.path, values)
        if url is not None:
            try:
                response = call(client, route, url, token)
            except Exception as exc:  # e.g. the write guard refusing another organisation's row
                leaks.append(f"{route.method} {url} -> {type(exc).__name__}")
                continue
            if response.status_code != 404:
                leaks.append(f"{route.method} {url} -> {response.status_code}")
        elif route.method == "GET":
            response = client.get(route.path)
            if MARKER in response.text:
                leaks.append(f"GET {route.path} shows {MARKER}")
    return leaks


def test_no_route_reaches_another_organisations_objects(
    client: TestClient, db: Session, bank_a: World, bank_b: World
) -> None:
    with_a_customer(db, bank_b)
    login(client, db, bank_a.users["admin"])
    leaks = sweep(client, bank_b)
    assert leaks == [], "\n".join(leaks)


def test_the_sweep_covers_every_object_route(client: TestClient, bank_a: World, bank_b: World) -> None:
    object_routes = [
        r for r in iter_routes(client.app) if "{" in r.path and (r.method, r.path) not in PUBLIC_ROUTES
    ]  # type: ignore[arg-type]
    assert len(object_routes) >= 40
    for route in object_routes:
        assert fill(route.path, param_values(bank_b)) is not None


@pytest.mark.parametrize("model", [m.__name__ for m in tenancy.tenant_models()])
def test_switching_off_the_scoping_of_any_model_is_caught(
    model: str, client: TestClient, db: Session, bank_a: World, bank_b: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = next(m for m in tenancy.tenant_models() if m.__name__ == model)
    with_a_customer(db, bank_b)
    login(client, db, bank_a.users["admin"])
    monkeypatch.setattr(tenancy, "_unscoped_for_test", {cls})
    leaks = sweep(client, bank_b)
    if model in READ_ONLY_THROUGH_PARENT_OR_TOKEN:
        assert leaks == [], f"{model} is exempt, yet unscoping it leaks: {leaks}"
    else:
        assert leaks, f"with {model} unscoped, the cross-tenant sweep found no leak"


def test_a_session_without_scope_cannot_read_tenant_tables(db: Session, bank_a: World) -> None:
    from sqlalchemy import select

    from nineplus.journeys.models import Journey

    plain = Session(bind=db.connection())
    with pytest.raises(tenancy.TenancyError):
        plain.scalars(select(Journey)).all()
