"""The words for the improvement verdicts, one place for the pages, the boards and the e-mails (marked
for translation; each reader's language is chosen where they are shown)."""

from __future__ import annotations

from nineplus.core.i18n import N_

# The effect of an action (improve.effect's verdicts).
EFFECT_VERDICTS = {
    "improved": N_("improved"),
    "worse": N_("worse"),
    "no_effect": N_("no detectable effect"),
    "too_little_data": N_("too little data yet"),
    "not_parallel": N_("cannot tell: the teams were not moving in parallel before"),
}

# Where a team stands against its growth target (improve.targets' verdicts), with the badge's tone.
TARGET_VERDICTS = {
    "reached": (N_("reached"), "success"),
    "not_reached": (N_("not reached"), "danger"),
    "not_yet": (N_("not there yet"), "warning"),
    "too_early": (N_("too early to tell"), "info"),
    "no_answers": (N_("no answers yet"), "neutral"),
}
