"""The journey rules, called as the services are called by the pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.core.errors import Forbidden, Invalid, NotFound
from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope
from nineplus.core.validation import parse
from nineplus.journeys import repository
from nineplus.journeys import service as journeys
from nineplus.journeys.models import Journey, Moment, WorkshopEntry
from nineplus.journeys.schemas import (
    ChannelIn,
    ExperienceValueIn,
    JourneyIn,
    MomentIn,
    WorkshopEntriesIn,
    WorkshopIn,
)
from tests.factories import World


@pytest.fixture
def world(db: Session, bank_a: World, bank_b: World) -> World:
    """Bank A, the session scoped to it as a request's is: nothing of Bank B in its identity map."""
    db.expunge_all()
    scope(db, bank_a.org.id)
    return bank_a


@pytest.fixture
def admin(db: Session, world: World) -> Principal:
    return world.principal(db, "admin")


def moment_in(name: str, channel: str = "phone", contact: str = "touchpoint", **extra: object) -> MomentIn:
    return parse(MomentIn, {"name": {"en": name}, "channel": channel, "contact": contact, **extra})


def order_of(db: Session, journey_id: int, include_archived: bool = False) -> list[int]:
    return [m.id for m in repository.moments(db, journey_id, include_archived=include_archived)]


def ids(world: World) -> list[int]:
    return [m.id for m in world.moments]


def positions(db: Session, moment_ids: list[int]) -> dict[int, int]:
    db.flush()
    db.expire_all()
    return {i: db.get_one(Moment, i).position for i in moment_ids}


def last_event_id(db: Session) -> int:
    return db.scalar(select(func.max(AuditEvent.id))) or 0


def events_since(db: Session, since: int) -> list[AuditEvent]:
    db.flush()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.id > since).order_by(AuditEvent.id)))


def new_journey(db: Session, actor: Principal, name: str = "Second journey") -> Journey:
    return journeys.create_journey(db, actor, parse(JourneyIn, {"name": {"en": name}}))


# Journeys --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [{}, {"en": ""}, {"nl": "", "en": ""}, {"nl": "   ", "en": " "}])
def test_a_journey_needs_a_name_in_at_least_one_language(name: dict[str, str]) -> None:
    with pytest.raises(Invalid) as caught:
        parse(JourneyIn, {"name": name, "start_feeling": 0})
    assert set(caught.value.errors) == {"name"}


@pytest.mark.parametrize(
    "name", [{"nl": "Hypotheek"}, {"en": "Mortgage"}, {"nl": "Hypotheek", "en": "Mortgage"}]
)
def test_one_language_is_enough_for_a_journey_name(
    db: Session, admin: Principal, name: dict[str, str]
) -> None:
    journey = journeys.create_journey(db, admin, parse(JourneyIn, {"name": name}))
    assert journey.name == name
    assert journey.start_feeling == 0


@pytest.mark.parametrize("feeling", [-4, 4, 10, "high"])
def test_the_start_feeling_must_lie_between_minus_3_and_plus_3(feeling: object) -> None:
    with pytest.raises(Invalid) as caught:
        parse(JourneyIn, {"name": {"en": "x"}, "start_feeling": feeling})
    assert set(caught.value.errors) == {"start_feeling"}


@pytest.mark.parametrize("feeling", [-3, 0, 3])
def test_the_start_feeling_bounds_themselves_are_allowed(db: Session, admin: Principal, feeling: int) -> None:
    journey = journeys.create_journey(
        db, admin, parse(JourneyIn, {"name": {"en": "x"}, "start_feeling": feeling})
    )
    db.flush()
    db.expire(journey)
    assert journey.start_feeling == feeling


def test_a_journey_of_another_organisation_is_not_found(
    db: Session, world: World, bank_b: World, admin: Principal
) -> None:
    assert bank_b.journey is not None
    with pytest.raises(NotFound):
        journeys.get_journey(db, bank_b.journey.id)
    with pytest.raises(NotFound):
        journeys.update_journey(db, admin, bank_b.journey.id, parse(JourneyIn, {"name": {"en": "Mine now"}}))


def test_only_editors_may_create_journeys(db: Session, world: World) -> None:
    for who in ("team_lead", "member", "viewer"):
        with pytest.raises(Forbidden):
            new_journey(db, world.principal(db, who))
    assert new_journey(db, world.principal(db, "cx_lead")).id is not None


# Moments: adding and validating ----------------------------------------------------------------------


def test_new_moments_are_appended_at_the_end_in_order(db: Session, world: World, admin: Principal) -> None:
    journey = new_journey(db, admin)
    made = [journeys.create_moment(db, admin, journey.id, moment_in(f"Step {i}")) for i in range(4)]
    assert [m.position for m in made] == [0, 1, 2, 3]
    assert order_of(db, journey.id) == [m.id for m in made]
    assert world.journey is not None
    extra = journeys.create_moment(db, admin, world.journey.id, moment_in("Fourth"))
    assert order_of(db, world.journey.id) == [*ids(world), extra.id]


def test_a_new_moment_goes_after_archived_ones_too(db: Session, world: World, admin: Principal) -> None:
    assert world.journey is not None
    archived = journeys.set_moment_archived(db, admin, world.moments[2].id, True)
    extra = journeys.create_moment(db, admin, world.journey.id, moment_in("After"))
    assert extra.position > archived.position


def test_a_customer_only_moment_cannot_have_a_channel(db: Session, world: World, admin: Principal) -> None:
    assert world.journey is not None
    before = order_of(db, world.journey.id, include_archived=True)
    with pytest.raises(Invalid) as caught:
        journeys.create_moment(
            db, admin, world.journey.id, moment_in("Waiting", channel="phone", contact="customer_only")
        )
    assert set(caught.value.errors) == {"channel"}
    assert order_of(db, world.journey.id, include_archived=True) == before


def test_a_touchpoint_needs_a_channel(db: Session, world: World, admin: Principal) -> None:
    assert world.journey is not None
    with pytest.raises(Invalid) as caught:
        journeys.create_moment(db, admin, world.journey.id, moment_in("Call", channel=""))
    assert set(caught.value.errors) == {"channel"}


def test_a_customer_only_moment_without_channel_is_fine(db: Session, world: World, admin: Principal) -> None:
    assert world.journey is not None
    moment = journeys.create_moment(
        db, admin, world.journey.id, moment_in("Waiting", channel="", contact="customer_only")
    )
    assert (moment.channel, moment.channel_id, moment.contact) == (None, None, "customer_only")


@pytest.mark.parametrize("channel", ["pigeon", "custom:", "custom:abc", "custom:999999"])
def test_an_unknown_channel_is_refused(db: Session, world: World, admin: Principal, channel: str) -> None:
    assert world.journey is not None
    with pytest.raises(Invalid) as caught:
        journeys.create_moment(db, admin, world.journey.id, moment_in("Call", channel=channel))
    assert set(caught.value.errors) == {"channel"}


def test_a_custom_channel_of_the_organisation_is_accepted(
    db: Session, world: World, admin: Principal
) -> None:
    assert world.journey is not None
    assert world.channel is not None
    moment = journeys.create_moment(
        db, admin, world.journey.id, moment_in("Notary", channel=f"custom:{world.channel.id}")
    )
    assert (moment.channel, moment.channel_id) == (None, world.channel.id)
    assert journeys.channel_code(moment) == f"custom:{world.channel.id}"


def test_a_custom_channel_of_another_organisation_is_refused(
    db: Session, world: World, bank_b: World, admin: Principal
) -> None:
    assert world.journey is not None
    assert bank_b.channel is not None
    with pytest.raises(Invalid) as caught:
        journeys.create_moment(
            db, admin, world.journey.id, moment_in("x", channel=f"custom:{bank_b.channel.id}")
        )
    assert set(caught.value.errors) == {"channel"}


def test_an_archived_custom_channel_cannot_be_chosen_for_a_new_moment(
    db: Session, world: World, admin: Principal
) -> None:
    assert world.journey is not None
    assert world.channel is not None
    journeys.archive_channel(db, admin, world.channel.id)
    with pytest.raises(Invalid):
        journeys.create_moment(
            db, admin, world.journey.id, moment_in("x", channel=f"custom:{world.channel.id}")
        )


def test_a_team_of_another_organisation_is_refused(
    db: Session, world: World, bank_b: World, admin: Principal
) -> None:
    assert world.journey is not None
    foreign = bank_b.teams["contact"].id
    with pytest.raises(Invalid) as caught:
        journeys.create_moment(db, admin, world.journey.id, moment_in("x", team_id=foreign))
    assert set(caught.value.errors) == {"team_id"}
    with pytest.raises(Invalid):
        journeys.update_moment(db, admin, world.moments[0].id, moment_in("x", team_id=foreign))
    db.flush()
    db.expire_all()
    assert db.get_one(Moment, world.moments[0].id).team_id == world.teams["contact"].id


def test_updating_a_moment_keeps_its_place(db: Session, world: World, admin: Principal) -> None:
    moment = journeys.update_moment(
        db, admin, world.moments[1].id, moment_in("Renamed", channel="web", team_id=world.teams["advice"].id)
    )
    assert (moment.name, moment.channel, moment.team_id, moment.position) == (
        {"en": "Renamed"},
        "web",
        world.teams["advice"].id,
        1,
    )


# Moments: order --------------------------------------------------------------------------------------


def test_reordering_puts_the_moments_in_the_given_order(db: Session, world: World, admin: Principal) -> None:
    assert world.journey is not None
    m1, m2, m3 = ids(world)
    journeys.reorder_moments(db, admin, world.journey.id, [m3, m1, m2])
    db.flush()
    db.expire_all()
    assert order_of(db, world.journey.id) == [m3, m1, m2]


@pytest.mark.parametrize(
    "make_list",
    [
        lambda m: m[:2],  # one missing
        lambda m: [*m, m[0]],  # one twice
        lambda m: [m[0], m[1], m[1]],  # a duplicate instead of the third
        lambda m: [*m, 999999],  # an unknown id
        lambda m: [],  # nothing
    ],
)
def test_a_reorder_that_does_not_list_every_moment_once_changes_nothing(
    db: Session, world: World, admin: Principal, make_list: Callable[[list[int]], list[int]]
) -> None:
    assert world.journey is not None
    before = positions(db, ids(world))
    since = last_event_id(db)
    with pytest.raises(Invalid) as caught:
        journeys.reorder_moments(db, admin, world.journey.id, make_list(ids(world)))
    assert set(caught.value.errors) == {"moment_ids"}
    assert positions(db, ids(world)) == before
    assert events_since(db, since) == []


def test_a_reorder_cannot_pull_in_a_moment_of_another_journey(
    db: Session, world: World, admin: Principal
) -> None:
    assert world.journey is not None
    other = new_journey(db, admin)
    stranger = journeys.create_moment(db, admin, other.id, moment_in("Stranger"))
    m1, m2, _m3 = ids(world)
    with pytest.raises(Invalid):
        journeys.reorder_moments(db, admin, world.journey.id, [m1, m2, stranger.id])


def test_a_reorder_leaves_archived_moments_after_the_active_ones(
    db: Session, world: World, admin: Principal
) -> None:
    assert world.journey is not None
    m1, m2, m3 = ids(world)
    journeys.set_moment_archived(db, admin, m1, True)
    with pytest.raises(Invalid):
        journeys.reorder_moments(db, admin, world.journey.id, [m3, m2, m1])  # archived ones are not listed
    journeys.reorder_moments(db, admin, world.journey.id, [m3, m2])
    assert order_of(db, world.journey.id, include_archived=True) == [m3, m2, m1]


def test_moving_a_moment_up_and_down(db: Session, world: World, admin: Principal) -> None:
    assert world.journey is not None
    m1, m2, m3 = ids(world)
    journeys.move_moment(db, admin, m3, -1)
    assert order_of(db, world.journey.id) == [m1, m3, m2]
    journeys.move_moment(db, admin, m1, 1)
    assert order_of(db, world.journey.id) == [m3, m1, m2]
    journeys.move_moment(db, admin, m3, -1)  # already first
    assert order_of(db, world.journey.id) == [m3, m1, m2]
    journeys.move_moment(db, admin, m2, 1)  # already last
    assert order_of(db, world.journey.id) == [m3, m1, m2]


def test_an_archived_moment_cannot_be_moved(db: Session, world: World, admin: Principal) -> None:
    journeys.set_moment_archived(db, admin, world.moments[0].id, True)
    with pytest.raises(Invalid):
        journeys.move_moment(db, admin, world.moments[0].id, 1)


def test_a_team_lead_cannot_move_moments(db: Session, world: World) -> None:
    assert world.journey is not None
    with pytest.raises(Forbidden):
        journeys.move_moment(db, world.principal(db, "team_lead"), world.moments[2].id, -1)
    assert order_of(db, world.journey.id) == ids(world)


# Moments: removing and restoring ---------------------------------------------------------------------


def test_removing_a_moment_with_workshop_answers_archives_it(
    db: Session, world: World, admin: Principal
) -> None:
    assert world.journey is not None
    moment_id = world.moments[0].id
    assert journeys.remove_moment(db, admin, moment_id) == "archived"
    db.flush()
    db.expire_all()
    moment = db.get_one(Moment, moment_id)
    assert moment.archived_at is not None
    assert moment_id not in order_of(db, world.journey.id)
    assert moment_id in order_of(db, world.journey.id, include_archived=True)
    assert db.scalars(select(WorkshopEntry).where(WorkshopEntry.moment_id == moment_id)).one()


def test_removing_a_moment_without_data_deletes_it(db: Session, world: World, admin: Principal) -> None:
    assert world.journey is not None
    fresh = journeys.create_moment(db, admin, world.journey.id, moment_in("Fresh"))
    fresh_id = fresh.id
    assert journeys.remove_moment(db, admin, fresh_id) == "deleted"
    db.flush()
    db.expire_all()
    assert db.get(Moment, fresh_id) is None
    assert order_of(db, world.journey.id, include_archived=True) == ids(world)


def test_a_restored_moment_goes_to_the_end(db: Session, world: World, admin: Principal) -> None:
    assert world.journey is not None
    m1, m2, m3 = ids(world)
    journeys.remove_moment(db, admin, m1)
    assert order_of(db, world.journey.id) == [m2, m3]
    restored = journeys.set_moment_archived(db, admin, m1, False)
    assert restored.archived_at is None
    assert order_of(db, world.journey.id) == [m2, m3, m1]


def test_restoring_a_moment_that_is_not_archived_leaves_the_order_alone(
    db: Session, world: World, admin: Principal
) -> None:
    assert world.journey is not None
    journeys.set_moment_archived(db, admin, world.moments[0].id, False)
    assert order_of(db, world.journey.id) == ids(world)


def test_removing_a_moment_of_another_organisation_is_not_found(
    db: Session, world: World, bank_b: World, admin: Principal
) -> None:
    with pytest.raises(NotFound):
        journeys.remove_moment(db, admin, bank_b.moments[1].id)


# Workshops -------------------------------------------------------------------------------------------


def entries_in(*items: dict[str, object]) -> WorkshopEntriesIn:
    return parse(WorkshopEntriesIn, {"entries": list(items)})


def stored_entries(db: Session, workshop_id: int) -> dict[int, WorkshopEntry]:
    db.flush()
    db.expire_all()
    return {e.moment_id: e for e in repository.entries(db, [workshop_id])}


def test_saving_entries_stores_the_four_answers_and_the_emotion(
    db: Session, world: World, admin: Principal
) -> None:
    assert world.workshop is not None
    m1 = world.moments[0].id
    journeys.save_entries(
        db,
        admin,
        world.workshop.id,
        entries_in(
            {
                "moment_id": m1,
                "wanted": "Call me back",
                "today": "I wait",
                "feeling_today": "Ignored",
                "quality_view": "Sloppy",
                "expected_emotion": -3,
            }
        ),
    )
    entry = stored_entries(db, world.workshop.id)[m1]
    assert (entry.wanted, entry.today, entry.feeling_today, entry.quality_view, entry.expected_emotion) == (
        "Call me back",
        "I wait",
        "Ignored",
        "Sloppy",
        -3,
    )


def test_saving_an_empty_entry_removes_it(db: Session, world: World, admin: Principal) -> None:
    assert world.workshop is not None
    m1, m2, m3 = ids(world)
    kept = journeys.save_entries(
        db,
        admin,
        world.workshop.id,
        entries_in(
            {"moment_id": m1},
            {"moment_id": m2, "expected_emotion": 0},
            {"moment_id": m3, "wanted": "", "today": "", "feeling_today": "", "quality_view": ""},
        ),
    )
    assert [e.moment_id for e in kept] == [m2]
    entries = stored_entries(db, world.workshop.id)
    assert set(entries) == {m2}
    assert entries[m2].expected_emotion == 0  # zero is an answer, not an empty field


def test_an_empty_entry_for_a_moment_without_answers_stores_nothing(
    db: Session, world: World, admin: Principal
) -> None:
    assert world.journey is not None
    workshop = journeys.create_workshop(
        db, admin, world.journey.id, WorkshopIn(title="Empty", held_on=date(2026, 5, 1))
    )
    assert journeys.save_entries(db, admin, workshop.id, entries_in({"moment_id": world.moments[0].id})) == []
    assert stored_entries(db, workshop.id) == {}


def test_entries_for_a_moment_of_another_journey_are_refused(
    db: Session, world: World, bank_b: World, admin: Principal
) -> None:
    assert world.workshop is not None
    stranger = journeys.create_moment(db, admin, new_journey(db, admin).id, moment_in("Stranger"))
    before = {k: v.expected_emotion for k, v in stored_entries(db, world.workshop.id).items()}
    for foreign in (stranger.id, bank_b.moments[0].id):
        with pytest.raises(Invalid) as caught:
            journeys.save_entries(
                db,
                admin,
                world.workshop.id,
                entries_in(
                    {"moment_id": world.moments[0].id, "expected_emotion": 3},
                    {"moment_id": foreign, "expected_emotion": 3},
                ),
            )
        assert set(caught.value.errors) == {"entries.1.moment_id"}
    assert {k: v.expected_emotion for k, v in stored_entries(db, world.workshop.id).items()} == before


def test_a_moment_may_appear_only_once_in_the_entries(db: Session, world: World, admin: Principal) -> None:
    assert world.workshop is not None
    m1 = world.moments[0].id
    with pytest.raises(Invalid) as caught:
        journeys.save_entries(
            db,
            admin,
            world.workshop.id,
            entries_in({"moment_id": m1, "expected_emotion": 3}, {"moment_id": m1, "expected_emotion": -3}),
        )
    assert set(caught.value.errors) == {"entries"}
    assert stored_entries(db, world.workshop.id)[m1].expected_emotion == 1


def test_an_expected_emotion_outside_the_scale_is_refused() -> None:
    with pytest.raises(Invalid) as caught:
        entries_in({"moment_id": 1, "expected_emotion": 4})
    assert set(caught.value.errors) == {"entries.0.expected_emotion"}


def test_a_team_member_cannot_save_workshop_answers(db: Session, world: World) -> None:
    assert world.workshop is not None
    with pytest.raises(Forbidden):
        journeys.save_entries(
            db,
            world.principal(db, "member"),
            world.workshop.id,
            entries_in({"moment_id": world.moments[0].id, "expected_emotion": 3}),
        )


# The audit trail -------------------------------------------------------------------------------------


def _journey_in(name: str = "Renamed") -> JourneyIn:
    return parse(JourneyIn, {"name": {"en": name}, "start_feeling": -2})


CHANGES: dict[str, Callable[[Session, World, Principal], object]] = {
    "journey.created": lambda db, w, a: new_journey(db, a),
    "journey.updated": lambda db, w, a: journeys.update_journey(db, a, w.journey.id, _journey_in()),
    "journey.archived": lambda db, w, a: journeys.set_journey_archived(db, a, w.journey.id, True),
    "moment.created": lambda db, w, a: journeys.create_moment(db, a, w.journey.id, moment_in("New")),
    "moment.updated": lambda db, w, a: journeys.update_moment(db, a, w.moments[0].id, moment_in("Renamed")),
    "journey.moments_reordered": lambda db, w, a: journeys.reorder_moments(db, a, w.journey.id, ids(w)[::-1]),
    "journey.restored": lambda db, w, a: journeys.set_journey_archived(
        db, a, journeys.set_journey_archived(db, a, w.journey.id, True).id, False
    ),
    "moment.archived": lambda db, w, a: journeys.remove_moment(db, a, w.moments[0].id),
    "moment.restored": lambda db, w, a: journeys.set_moment_archived(
        db, a, journeys.set_moment_archived(db, a, w.moments[0].id, True).id, False
    ),
    "moment.deleted": lambda db, w, a: journeys.remove_moment(
        db, a, journeys.create_moment(db, a, w.journey.id, moment_in("Short-lived")).id
    ),
    "channel.created": lambda db, w, a: journeys.create_channel(db, a, ChannelIn(name={"en": "Fax"})),
    "channel.archived": lambda db, w, a: journeys.archive_channel(db, a, w.channel.id),
    "experience_value.created": lambda db, w, a: journeys.create_experience_value(
        db, a, ExperienceValueIn(name={"en": "Honest"})
    ),
    "experience_value.updated": lambda db, w, a: journeys.update_experience_value(
        db, a, w.value.id, ExperienceValueIn(name={"en": "Very clear"})
    ),
    "experience_value.deleted": lambda db, w, a: journeys.delete_experience_value(db, a, w.value.id),
    "workshop.created": lambda db, w, a: journeys.create_workshop(
        db, a, w.journey.id, WorkshopIn(title="Another", held_on=date(2026, 6, 1))
    ),
    "workshop.updated": lambda db, w, a: journeys.update_workshop(
        db, a, w.workshop.id, WorkshopIn(title="Renamed workshop", held_on=date(2026, 6, 2))
    ),
    "workshop.entries_saved": lambda db, w, a: journeys.save_entries(
        db, a, w.workshop.id, entries_in({"moment_id": w.moments[0].id, "expected_emotion": 3})
    ),
    "workshop.deleted": lambda db, w, a: journeys.delete_workshop(db, a, w.workshop.id),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_writes_an_audit_event(db: Session, world: World, admin: Principal, change: str) -> None:
    since = last_event_id(db)
    CHANGES[change](db, world, admin)
    written = events_since(db, since)
    assert written, f"{change}: no audit event was written"
    event = written[-1]
    assert event.action.split(".")[0] == change.split(".")[0]
    assert event.actor_user_id == world.users["admin"].id
    assert event.organisation_id == world.org.id
    assert event.object_id


def test_the_audit_events_of_journey_changes_name_what_changed(
    db: Session, world: World, admin: Principal
) -> None:
    assert world.journey is not None
    since = last_event_id(db)
    journeys.update_journey(db, admin, world.journey.id, _journey_in("Mortgage, revised"))
    journeys.reorder_moments(db, admin, world.journey.id, ids(world)[::-1])
    journeys.remove_moment(db, admin, world.moments[0].id)
    updated, reordered, archived = events_since(db, since)
    assert updated.action == "journey.updated"
    assert (updated.before["start_feeling"], updated.after["start_feeling"]) == (2, -2)
    assert updated.after["name"] == {"en": "Mortgage, revised"}
    assert reordered.action == "journey.moments_reordered"
    assert (reordered.before, reordered.after) == ({"order": ids(world)}, {"order": ids(world)[::-1]})
    assert archived.action == "moment.archived"
    assert (archived.before["archived_at"], archived.object_id) == (None, str(world.moments[0].id))
    assert archived.after["archived_at"] is not None


def test_a_refused_change_writes_no_audit_event(db: Session, world: World, admin: Principal) -> None:
    assert world.journey is not None
    since = last_event_id(db)
    with pytest.raises(Invalid):
        journeys.create_moment(db, admin, world.journey.id, moment_in("Call", channel=""))
    with pytest.raises(Forbidden):
        new_journey(db, world.principal(db, "viewer"))
    assert events_since(db, since) == []


def test_a_channel_name_that_already_exists_is_refused_in_either_language(db: Session, bank_a: World) -> None:
    from nineplus.core.errors import Invalid
    from nineplus.core.tenancy import scope
    from nineplus.journeys.schemas import ChannelIn

    scope(db, bank_a.org.id)
    actor = bank_a.principal(db, "admin")
    for name in ({"en": "Telefoon"}, {"nl": "phone"}, {"en": "notary bank a"}):
        with pytest.raises(Invalid):
            journeys.create_channel(db, actor, ChannelIn(name=name))
    journeys.create_channel(db, actor, ChannelIn(name={"en": "WhatsApp"}))


def test_an_archived_channel_stays_with_the_moment_that_uses_it(
    client: TestClient, db: Session, bank_a: World
) -> None:
    from nineplus.core.tenancy import scope
    from nineplus.journeys.schemas import MomentIn
    from tests.conftest import html
    from tests.factories import login

    scope(db, bank_a.org.id)
    actor = bank_a.principal(db, "admin")
    assert bank_a.channel is not None
    moment = bank_a.moments[0]
    journeys.update_moment(
        db, actor, moment.id, MomentIn(name={"en": "Notary visit"}, channel=f"custom:{bank_a.channel.id}")
    )
    journeys.archive_channel(db, actor, bank_a.channel.id)
    db.commit()
    login(client, db, bank_a.users["admin"])
    page = html(client.get(f"/moments/{moment.id}/edit"))
    selected = page.select_one("select[name=channel] option[selected]")
    assert selected is not None
    assert selected["value"] == f"custom:{bank_a.channel.id}"
    scope(db, bank_a.org.id)
    journeys.update_moment(
        db, actor, moment.id, MomentIn(name={"en": "Renamed"}, channel=f"custom:{bank_a.channel.id}")
    )
