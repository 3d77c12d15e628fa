"""Journeys, moments, channels, experience values and workshops: the rules."""

from __future__ import annotations

from sqlalchemy.orm import Session

from nineplus.accounts.models import Team
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record, snapshot
from nineplus.core.errors import Invalid, get_or_404
from nineplus.core.i18n import gettext as _
from nineplus.core.i18n import translations
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.journeys import repository
from nineplus.journeys.channels import CUSTOM_PREFIX, STANDARD_CHANNELS
from nineplus.journeys.models import Channel, ExperienceValue, Journey, Moment, Workshop, WorkshopEntry
from nineplus.journeys.schemas import (
    ChannelIn,
    ExperienceValueIn,
    JourneyIn,
    MomentIn,
    WorkshopEntriesIn,
    WorkshopIn,
)

JOURNEY_FIELDS = ("name", "description", "start_feeling", "archived_at")
MOMENT_FIELDS = (
    "name",
    "description",
    "channel",
    "channel_id",
    "team_id",
    "role_label",
    "predictability",
    "kind",
    "contact",
    "service_guideline",
    "keywords",
    "position",
    "archived_at",
)


# Journeys -------------------------------------------------------------------------------------------


def get_journey(session: Session, journey_id: int) -> Journey:
    return get_or_404(session, Journey, journey_id)


def create_journey(session: Session, actor: Principal, data: JourneyIn) -> Journey:
    require(actor, Permission.EDIT_JOURNEYS)
    journey = Journey(
        name=data.name.as_dict(), description=data.description.as_dict(), start_feeling=data.start_feeling
    )
    session.add(journey)
    session.flush()
    record(session, actor, "journey.created", journey, after=snapshot(journey, JOURNEY_FIELDS))
    return journey


def update_journey(session: Session, actor: Principal, journey_id: int, data: JourneyIn) -> Journey:
    require(actor, Permission.EDIT_JOURNEYS)
    journey = get_journey(session, journey_id)
    before = snapshot(journey, JOURNEY_FIELDS)
    journey.name, journey.description = data.name.as_dict(), data.description.as_dict()
    journey.start_feeling = data.start_feeling
    record(session, actor, "journey.updated", journey, before=before, after=snapshot(journey, JOURNEY_FIELDS))
    return journey


def set_journey_archived(session: Session, actor: Principal, journey_id: int, archived: bool) -> Journey:
    require(actor, Permission.EDIT_JOURNEYS)
    journey = get_journey(session, journey_id)
    before = snapshot(journey, JOURNEY_FIELDS)
    journey.archived_at = utcnow() if archived else None
    record(
        session,
        actor,
        "journey.archived" if archived else "journey.restored",
        journey,
        before=before,
        after=snapshot(journey, JOURNEY_FIELDS),
    )
    return journey


# Moments --------------------------------------------------------------------------------------------


def get_moment(session: Session, moment_id: int) -> Moment:
    return get_or_404(session, Moment, moment_id)


def channel_code(moment: Moment) -> str:
    """The moment's channel as the API and forms speak it: a standard code, 'custom:<id>' or ''."""
    if moment.channel_id is not None:
        return f"{CUSTOM_PREFIX}{moment.channel_id}"
    return moment.channel or ""


def _apply_moment(session: Session, moment: Moment, data: MomentIn) -> None:
    errors: dict[str, str] = {}
    channel, channel_id = None, None
    if data.channel.startswith(CUSTOM_PREFIX):
        raw = data.channel[len(CUSTOM_PREFIX) :]
        custom = session.get(Channel, int(raw)) if raw.isdigit() else None
        if custom is None or (custom.archived_at is not None and custom.id != moment.channel_id):
            errors["channel"] = _("Choose one of the listed options.")
        else:
            channel_id = custom.id
    elif data.channel:
        if data.channel not in STANDARD_CHANNELS:
            errors["channel"] = _("Choose one of the listed options.")
        channel = data.channel
    if data.contact == "customer_only" and data.channel:
        errors["channel"] = _("A customer-only moment has no contact, so it has no channel.")
    if data.contact == "touchpoint" and not data.channel:
        errors["channel"] = _("A touchpoint needs a channel.")
    if data.team_id is not None and session.get(Team, data.team_id) is None:
        errors["team_id"] = _("Choose a team of your own organisation.")
    if errors:
        raise Invalid(errors)
    moment.name, moment.description = data.name.as_dict(), data.description.as_dict()
    moment.channel, moment.channel_id, moment.team_id = channel, channel_id, data.team_id
    moment.role_label, moment.service_guideline = data.role_label.as_dict(), data.service_guideline.as_dict()
    moment.predictability, moment.kind, moment.contact = data.predictability, data.kind, data.contact
    moment.keywords = data.keywords.as_dict()


def create_moment(session: Session, actor: Principal, journey_id: int, data: MomentIn) -> Moment:
    """Add a moment at the end of the journey."""
    require(actor, Permission.EDIT_JOURNEYS)
    journey = get_journey(session, journey_id)
    existing = repository.moments(session, journey.id, include_archived=True)
    moment = Moment(journey_id=journey.id, position=max((m.position for m in existing), default=-1) + 1)
    _apply_moment(session, moment, data)
    session.add(moment)
    session.flush()
    record(session, actor, "moment.created", moment, after=snapshot(moment, MOMENT_FIELDS))
    return moment


def update_moment(session: Session, actor: Principal, moment_id: int, data: MomentIn) -> Moment:
    require(actor, Permission.EDIT_JOURNEYS)
    moment = get_moment(session, moment_id)
    before = snapshot(moment, MOMENT_FIELDS)
    _apply_moment(session, moment, data)
    record(session, actor, "moment.updated", moment, before=before, after=snapshot(moment, MOMENT_FIELDS))
    return moment


def reorder_moments(
    session: Session, actor: Principal, journey_id: int, ordered_ids: list[int]
) -> list[Moment]:
    """Put the journey's active moments in the given order; archived ones follow, in their old order."""
    require(actor, Permission.EDIT_JOURNEYS)
    journey = get_journey(session, journey_id)
    every = repository.moments(session, journey.id, include_archived=True)
    active = [m for m in every if m.archived_at is None]
    if sorted(ordered_ids) != sorted(m.id for m in active) or len(set(ordered_ids)) != len(ordered_ids):
        raise Invalid({"moment_ids": _("List every active moment of this journey exactly once.")})
    by_id = {m.id: m for m in every}
    before = [m.id for m in active]
    ordered = [by_id[i] for i in ordered_ids] + [m for m in every if m.archived_at is not None]
    for position, moment in enumerate(ordered):
        moment.position = position
    record(
        session,
        actor,
        "journey.moments_reordered",
        journey,
        before={"order": before},
        after={"order": ordered_ids},
    )
    return ordered


def move_moment(session: Session, actor: Principal, moment_id: int, offset: int) -> Moment:
    """Move a moment ``offset`` places among the active moments (e.g. -1 is one place earlier)."""
    require(actor, Permission.EDIT_JOURNEYS)
    moment = get_moment(session, moment_id)
    active = [m.id for m in repository.moments(session, moment.journey_id)]
    if moment.id not in active:
        raise Invalid({"__all__": _("An archived moment cannot be moved.")})
    index = active.index(moment.id)
    target = min(max(index + offset, 0), len(active) - 1)
    active.insert(target, active.pop(index))
    reorder_moments(session, actor, moment.journey_id, active)
    return moment


def set_moment_archived(session: Session, actor: Principal, moment_id: int, archived: bool) -> Moment:
    require(actor, Permission.EDIT_JOURNEYS)
    moment = get_moment(session, moment_id)
    if (moment.archived_at is not None) == archived:
        return moment  # already in that state: nothing changes, nothing is logged
    before = snapshot(moment, MOMENT_FIELDS)
    moment.archived_at = utcnow() if archived else None
    if not archived:  # a restored moment goes to the end of the active moments
        others = repository.moments(session, moment.journey_id, include_archived=True)
        moment.position = max((m.position for m in others if m.id != moment.id), default=-1) + 1
    record(
        session,
        actor,
        "moment.archived" if archived else "moment.restored",
        moment,
        before=before,
        after=snapshot(moment, MOMENT_FIELDS),
    )
    return moment


def remove_moment(session: Session, actor: Principal, moment_id: int) -> str:
    """Delete a moment that holds no data; archive one that does, so its id stays stable.
    Return ``"deleted"`` or ``"archived"``."""
    require(actor, Permission.EDIT_JOURNEYS)
    moment = get_moment(session, moment_id)
    if repository.moment_has_data(session, moment.id):
        set_moment_archived(session, actor, moment.id, True)
        return "archived"
    record(session, actor, "moment.deleted", moment, before=snapshot(moment, MOMENT_FIELDS))
    session.delete(moment)
    session.flush()
    return "deleted"


# Channels and experience values ---------------------------------------------------------------------


def create_channel(session: Session, actor: Principal, data: ChannelIn) -> Channel:
    require(actor, Permission.EDIT_SETTINGS)
    _check_channel_name(session, data.name.as_dict())
    channel = Channel(name=data.name.as_dict())
    session.add(channel)
    session.flush()
    record(session, actor, "channel.created", channel, after={"name": channel.name})
    return channel


def _check_channel_name(session: Session, name: dict[str, str]) -> None:
    """Refuse a name that a standard or another active channel already has, in either language."""
    wanted = {text.strip().casefold() for text in name.values()}
    taken = set()
    for locale in ("nl", "en"):
        taken |= {translations(locale).ugettext(label).casefold() for label in STANDARD_CHANNELS.values()}
    for channel in repository.channels(session):
        taken |= {text.strip().casefold() for text in channel.name.values()}
    if wanted & taken:
        raise Invalid({"name": _("A channel with this name already exists.")})


def restore_channel(session: Session, actor: Principal, channel_id: int) -> Channel:
    """Bring an archived channel back into the list of choices."""
    require(actor, Permission.EDIT_SETTINGS)
    channel = get_or_404(session, Channel, channel_id)
    if channel.archived_at is not None:
        _check_channel_name(session, channel.name)
        channel.archived_at = None
        record(session, actor, "channel.restored", channel)
    return channel


def archive_channel(session: Session, actor: Principal, channel_id: int) -> Channel:
    require(actor, Permission.EDIT_SETTINGS)
    channel = get_or_404(session, Channel, channel_id)
    channel.archived_at = utcnow()
    record(session, actor, "channel.archived", channel)
    return channel


def create_experience_value(session: Session, actor: Principal, data: ExperienceValueIn) -> ExperienceValue:
    require(actor, Permission.EDIT_SETTINGS)
    position = len(repository.experience_values(session))
    value = ExperienceValue(
        name=data.name.as_dict(), description=data.description.as_dict(), position=position
    )
    session.add(value)
    session.flush()
    record(session, actor, "experience_value.created", value, after={"name": value.name})
    return value


def update_experience_value(
    session: Session, actor: Principal, value_id: int, data: ExperienceValueIn
) -> ExperienceValue:
    require(actor, Permission.EDIT_SETTINGS)
    value = get_experience_value(session, value_id)
    before = {"name": value.name, "description": value.description}
    value.name, value.description = data.name.as_dict(), data.description.as_dict()
    record(
        session,
        actor,
        "experience_value.updated",
        value,
        before=before,
        after={"name": value.name, "description": value.description},
    )
    return value


def delete_experience_value(session: Session, actor: Principal, value_id: int) -> None:
    require(actor, Permission.EDIT_SETTINGS)
    value = get_experience_value(session, value_id)
    record(session, actor, "experience_value.deleted", value, before={"name": value.name})
    session.delete(value)


def get_experience_value(session: Session, value_id: int) -> ExperienceValue:
    return get_or_404(session, ExperienceValue, value_id)


# Workshops ------------------------------------------------------------------------------------------


def get_workshop(session: Session, workshop_id: int) -> Workshop:
    return get_or_404(session, Workshop, workshop_id)


def create_workshop(session: Session, actor: Principal, journey_id: int, data: WorkshopIn) -> Workshop:
    require(actor, Permission.RUN_WORKSHOPS)
    journey = get_journey(session, journey_id)
    workshop = Workshop(journey_id=journey.id, **data.model_dump())
    session.add(workshop)
    session.flush()
    record(session, actor, "workshop.created", workshop, after={"title": workshop.title})
    return workshop


def update_workshop(session: Session, actor: Principal, workshop_id: int, data: WorkshopIn) -> Workshop:
    require(actor, Permission.RUN_WORKSHOPS)
    workshop = get_workshop(session, workshop_id)
    fields = tuple(data.model_dump())
    before = snapshot(workshop, fields)
    for key, value in data.model_dump().items():
        setattr(workshop, key, value)
    after = snapshot(workshop, fields)
    if after != before:
        record(session, actor, "workshop.updated", workshop, before=before, after=after)
    return workshop


def delete_workshop(session: Session, actor: Principal, workshop_id: int) -> None:
    require(actor, Permission.RUN_WORKSHOPS)
    workshop = get_workshop(session, workshop_id)
    for entry in repository.entries(session, [workshop.id]):
        session.delete(entry)
    record(session, actor, "workshop.deleted", workshop, before={"title": workshop.title})
    session.delete(workshop)


def save_entries(
    session: Session, actor: Principal, workshop_id: int, data: WorkshopEntriesIn
) -> list[WorkshopEntry]:
    """Store the workshop's answers per moment; an entry with no text and no emotion is removed."""
    require(actor, Permission.RUN_WORKSHOPS)
    workshop = get_workshop(session, workshop_id)
    moment_ids = {m.id for m in repository.moments(session, workshop.journey_id, include_archived=True)}
    errors = {
        f"entries.{i}.moment_id": _("Choose a moment of this journey.")
        for i, e in enumerate(data.entries)
        if e.moment_id not in moment_ids
    }
    if len({e.moment_id for e in data.entries}) != len(data.entries):
        errors["entries"] = _("Each moment may appear only once.")
    if errors:
        raise Invalid(errors)
    existing = {e.moment_id: e for e in repository.entries(session, [workshop.id])}
    kept: list[WorkshopEntry] = []
    for item in data.entries:
        values = item.model_dump(exclude={"moment_id"})
        empty = (
            not any(v for k, v in values.items() if k != "expected_emotion") and item.expected_emotion is None
        )
        entry = existing.get(item.moment_id)
        if empty:
            if entry is not None:
                session.delete(entry)
            continue
        if entry is None:
            entry = WorkshopEntry(workshop_id=workshop.id, moment_id=item.moment_id)
            session.add(entry)
        for key, value in values.items():
            setattr(entry, key, value)
        kept.append(entry)
    session.flush()
    record(
        session,
        actor,
        "workshop.entries_saved",
        workshop,
        before={"expected": {str(k): e.expected_emotion for k, e in existing.items()}},
        after={"expected": {str(e.moment_id): e.expected_emotion for e in kept}},
    )
    return kept
