"""Assemble the journey map from the database: moments in order, lanes, and the workshops' curves."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nineplus.accounts.repository import teams
from nineplus.core.i18n import get_locale, ngettext
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized
from nineplus.journeys import repository
from nineplus.journeys.channels import STANDARD_CHANNELS
from nineplus.journeys.journey_map import MapCurve, MapLabels, MapMoment, render_journey_map
from nineplus.journeys.models import Journey, Moment, Workshop


def channel_label(moment: Moment, custom_names: dict[int, dict[str, str]]) -> str:
    locale = get_locale()
    if moment.channel_id is not None:
        return localized(custom_names.get(moment.channel_id), locale)
    return _(STANDARD_CHANNELS[moment.channel]) if moment.channel in STANDARD_CHANNELS else ""


def labels() -> MapLabels:
    return MapLabels(
        start=_("Start"),
        start_feeling=_("Start feeling"),
        channel=_("Channel"),
        team=_("Team"),
        kind=_("Path"),
        contact=_("Contact"),
        standard=_("Standard"),
        potential=_("Potential"),
        touchpoint=_("Touchpoint"),
        customer_only=_("Customer only"),
        emotion=_("Emotion"),
        no_moments=_("This journey has no moments yet."),
    )


def expected_curves(
    session: Session, journey: Journey, moments: list[Moment]
) -> list[tuple[Workshop, MapCurve]]:
    """One expected curve per workshop, its points aligned with ``moments`` (None where not rated)."""
    workshops = repository.workshops(session, journey.id)
    by_workshop: dict[int, dict[int, int | None]] = {}
    for entry in repository.entries(session, [w.id for w in workshops]):
        by_workshop.setdefault(entry.workshop_id, {})[entry.moment_id] = entry.expected_emotion
    curves = []
    for workshop in workshops:
        points = [by_workshop.get(workshop.id, {}).get(m.id) for m in moments]
        label = _("%(title)s (expected)", title=workshop.title)
        curves.append((workshop, MapCurve(label=label, points=points, start=journey.start_feeling)))
    return curves


def walk_curves(session: Session, journey: Journey, moments: list[Moment]) -> list[MapCurve]:
    """One curve per walk-through: what an employee or mystery shopper felt, moment by moment."""
    from nineplus.journeys import walks

    done = walks.walks(session, journey.id)
    feelings: dict[int, dict[int, int | None]] = {}
    for entry in walks.entries(session, [w.id for w in done]):
        feelings.setdefault(entry.walk_id, {})[entry.moment_id] = entry.feeling
    return [
        MapCurve(
            label=_("Walk-through by %(walker)s", walker=w.walker),
            points=[feelings.get(w.id, {}).get(m.id) for m in moments],
        )
        for w in done
    ]


def map_curves(curves: list[Any], moments: list[Moment]) -> list[MapCurve]:
    """Measured curves (``analytics.curves.JourneyCurve``) as curves of the map, in the moments' order; a
    curve without a mean at any moment is left out."""
    out = []
    for measured in curves:
        points = [measured.points.get(m.id) for m in moments]
        if all(p is None or p.mean is None for p in points):
            continue
        out.append(
            MapCurve(
                label=measured.label,
                points=[None if p is None or p.mean is None else round(p.mean, 2) for p in points],
                start=None if measured.start.mean is None else round(measured.start.mean, 2),
                kind="measured",
                band=[None if p is None else p.band for p in points],
            )
        )
    return out


def build_map_svg(session: Session, journey: Journey, measured: list[Any] | None = None) -> str:
    """Render the journey's map in the current UI language, with ``measured``: the analytic store's
    measured curves (``analytics.curves.JourneyCurve``, e.g. from ``analytics.views.journey``)."""
    locale = get_locale()
    moments = repository.moments(session, journey.id)
    team_names = {t.id: t.name for t in teams(session)}
    custom = {c.id: c.name for c in repository.channels(session, include_archived=True)}
    map_moments = [
        MapMoment(
            id=m.id,
            name=localized(m.name, locale),
            channel=channel_label(m, custom),
            team=team_names.get(m.team_id, "") if m.team_id else "",
            role=localized(m.role_label, locale),
            kind=m.kind,
            contact=m.contact,  # type: ignore[arg-type]
        )
        for m in moments
    ]
    curves = [curve for _w, curve in expected_curves(session, journey, moments)]
    expected = len(curves)
    walked = walk_curves(session, journey, moments)
    curves += walked
    measured = map_curves(measured or [], moments)
    curves += measured
    feeling = f"{journey.start_feeling:+d}" if journey.start_feeling else "0"
    subtitle = " · ".join(
        [
            _("Start feeling %(value)s", value=feeling),
            ngettext("%(num)d moment", "%(num)d moments", len(moments)),
            ngettext("%(num)d expected curve", "%(num)d expected curves", expected),
            *([ngettext("%(num)d walk-through", "%(num)d walk-throughs", len(walked))] if walked else []),
            *(
                [ngettext("%(num)d measured curve", "%(num)d measured curves", len(measured))]
                if measured
                else []
            ),
        ]
    )
    return render_journey_map(
        localized(journey.name, locale), map_moments, curves, labels(), subtitle=subtitle
    )
