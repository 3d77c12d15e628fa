"""The standard channel list; organisations add their own in the ``channels`` table."""

from __future__ import annotations

from nineplus.core.i18n import N_

# code -> English source label (translated in the UI through gettext)
STANDARD_CHANNELS: dict[str, str] = {
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "letter": N_("Letter"),
    "web": N_("Website"),
    "app": N_("App"),
    "chat": N_("Chat"),
    "visit": N_("Visit by appointment"),
    "walk_in": N_("Walk-in without appointment"),
    "video": N_("Video call"),
    "social": N_("Social media"),
}

PREDICTABILITY: dict[str, str] = {
    "scripted": N_("Standard set of questions"),
    "faq": N_("FAQ possible"),
    "variable": N_("Depends on many factors"),
}

KINDS = {"standard": N_("Standard"), "potential": N_("Potential")}
CONTACTS = {"touchpoint": N_("Touchpoint"), "customer_only": N_("Customer only")}

CUSTOM_PREFIX = "custom:"
