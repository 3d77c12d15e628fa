"""Schemathesis against the OpenAPI schema: every operation, with generated valid and invalid input, as an
admin key; no answer may be a 500 or break the schema (status, content type, body, headers)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from sqlalchemy.orm import Session

from nineplus.web.app import create_app
from nineplus.web.limits import Limiter
from tests import factories

EXAMPLES = 60  # generated cases per operation and generation mode (valid and invalid input)


def _fuzzer(
    operation, mode, headers: dict[str, str], ran: dict[str, int], label: str, real: dict[str, object]
):  # type: ignore[no-untyped-def]
    """A Hypothesis test of one operation: EXAMPLES generated cases, each called and validated."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), use_real_ids=st.booleans())
    def run(case: schemathesis.Case, use_real_ids: bool) -> None:
        ran[label] = ran.get(label, 0) + 1
        if use_real_ids and mode is GenerationMode.POSITIVE and case.path_parameters:
            # half the valid cases reach a real object instead of a 404
            for name in case.path_parameters:
                if name in real:
                    case.path_parameters[name] = real[name]
        # Every check but one: a schema-valid request may still be refused by the rules the schema
        # cannot state (a team name already taken: 422), which is not a defect.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    return run


def test_no_operation_answers_a_500_or_breaks_its_schema(committed_session: Session) -> None:
    world = factories.bank(committed_session, "Bank A", prefix="a")
    from nineplus.accounts import apikeys
    from nineplus.accounts.schemas import ApiKeyIn
    from nineplus.core.tenancy import scope

    scope(committed_session, world.org.id)
    _key, secret = apikeys.create_key(
        committed_session,
        world.principal(committed_session, "admin"),
        ApiKeyIn(name="fuzz", scopes=["admin"]),
    )
    committed_session.commit()
    app = create_app(run_jobs=False)
    app.state.limiter = Limiter(False)  # thousands of requests a minute from one key: the limits are off
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {secret}"}
    assert world.journey is not None
    assert world.workshop is not None
    assert world.survey is not None
    real: dict[str, object] = {
        "journey_id": world.journey.id,
        "moment_id": world.moments[1].id,
        "workshop_id": world.workshop.id,
        "team_id": world.teams["advice"].id,
        "survey_id": world.survey.id,
        "key": world.survey.public_key,
    }
    ran: dict[str, int] = {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"

        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzzer(operation, mode, headers, ran, label, real)()
            except Unsatisfiable:  # nothing to make invalid (GET /api/v1/me takes no input)
                assert mode is GenerationMode.NEGATIVE, label
            except Exception as exc:  # collect every operation's first failure, then report them all
                failures.append(f"{label} ({mode.value}): {str(exc)[:1500]}")
    print(f"schemathesis: {len(ran)} operations, {sum(ran.values())} cases")
    print("\n".join(failures)[:6000])
    assert len(ran) >= 20
    assert failures == [], "\n\n".join(failures)
