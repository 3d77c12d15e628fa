"""Turning the survey pages' forms into the shapes the survey service validates, and its errors back
into the names of the form's fields. Pure: no database, no request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.feedback.models import Question
from nineplus.web.forms import none_if_blank


def question_data(form: dict[str, Any]) -> dict[str, Any]:
    """The question form: options as one per line, "value = Dutch label | English label"."""
    options = []
    for line in str(form.pop("options_text", "")).splitlines():
        value, _sep, labels = line.partition("=")
        nl, _bar, en = labels.partition("|")
        if value.strip():
            options.append({"value": value.strip(), "label": {"nl": nl.strip(), "en": en.strip()}})
    data = {**form, "options": options}
    for flag in ("per_moment", "required"):
        data[flag] = form.get(flag) == "on"
    if data.get("type") != "consent":
        data.pop("purpose", None)  # the form offers it for every type; only consent has one
    return none_if_blank(data, "moment_id", "purpose")


def protocol_data(form: dict[str, Any]) -> dict[str, Any]:
    """The protocol form: excluded domains typed as one line, separated by spaces or commas."""
    data = none_if_blank(dict(form), "starts_on", "ends_on")
    data["excluded_domains"] = [
        d for d in str(form.get("excluded_domains", "")).replace(",", " ").split() if d
    ]
    return data


def revision_defaults(questions: list[Question], protocol: dict[str, Any]) -> dict[str, Any]:
    """The new-version form filled with the version being fielded."""
    return {
        "text": {q.key: q.text for q in questions},
        "page": {q.key: q.page for q in questions},
        "required": {q.key: "on" for q in questions if q.required},
        "remove": {},
        "new": {"type": "nps", "page": 1},
        "protocol": protocol,
    }


def _part(form: dict[str, Any], name: str) -> dict[str, Any]:
    value = form.get(name)
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Revision:
    data: dict[str, Any]  # for RevisionIn
    kept: list[str]  # the keys of the questions kept, in order (to name errors)
    adding: bool  # whether the form adds a question

    def checked(self) -> dict[str, Any]:
        """The data, or Invalid with a clear message when every question was left out."""
        if not self.data["questions"]:
            raise Invalid({"__all__": _("A survey needs at least one question.")})
        return self.data


def revision_from_form(form: dict[str, Any], questions: list[Question], protocol: dict[str, Any]) -> Revision:
    """The posted new-version form as a revision. A question keeps its key, type and options; the page
    sends every field (``complete``), a bare post changes wording only."""
    texts, pages, required, remove = (_part(form, name) for name in ("text", "page", "required", "remove"))
    complete = form.get("complete") == "1"
    kept = [q for q in questions if remove.get(q.key) != "on"]
    out: list[dict[str, Any]] = []
    for q in kept:
        wording = texts.get(q.key) if isinstance(texts.get(q.key), dict) else {}
        out.append(
            {
                "key": q.key,
                "type": q.type,
                "text": {"nl": wording.get("nl", ""), "en": wording.get("en", "")},
                "help": q.help,
                "options": q.options,
                "per_moment": q.per_moment,
                "moment_id": q.moment_id,
                "required": required.get(q.key) == "on" if complete else q.required,
                "page": pages.get(q.key) or q.page,
                "purpose": q.purpose,
            }
        )
    new = _part(form, "new")
    adding = bool(str(new.get("key", "")).strip())
    if adding:
        out.append(question_data(dict(new)))
    data = {
        "reason": form.get("reason", ""),
        "protocol": protocol_data(_part(form, "protocol")) if complete else protocol,
        "questions": out,
    }
    return Revision(data, [q.key for q in kept], adding)


def revision_errors(errors: dict[str, str], keys: list[str], adding: bool) -> dict[str, str]:
    """Name each error after the field the revision form shows (``questions.2.text`` -> ``text.why``)."""
    out: dict[str, str] = {}
    for name, message in errors.items():
        parts = name.split(".")
        if parts[0] == "questions" and len(parts) >= 3 and parts[1].isdigit():
            index, field, rest = int(parts[1]), parts[2], parts[3:]
            if index < len(keys):
                name = ".".join([field, keys[index], *rest])
            else:
                name = ".".join(["new", field, *rest])
        elif name == "questions" and adding:
            name = "new.key"  # the only way to repeat a key is the new question's
        out.setdefault(name, message)
    return out
