"""The demo customers' own words: each writes about the moment that stood out for them (the one that felt
worst, or best), in Dutch or English, in phrases of our own; some mention the valuation visit, which is
not on the journey map (so the text analysis has a moment of truth to find that nobody mapped). The
moments' keywords are the words customers use for them."""

from __future__ import annotations

import random

# Per moment key, per language: the keywords (comma-separated, as the CX lead would enter them), and what
# customers say when it went badly and when it went well.
MOMENTS: dict[str, dict[str, dict[str, object]]] = {
    "info_call": {
        "nl": {
            "keywords": "0800-nummer, informatienummer, eerste telefoontje",
            "bad": [
                "Het 0800-nummer gaf me vooral een bandje",
                "Bij het informatienummer wist niemand het antwoord",
            ],
            "good": [
                "Het eerste telefoontje met het 0800-nummer was helder",
                "Aan het informatienummer werd ik goed op weg geholpen",
            ],
        },
        "en": {
            "keywords": "0800, information line, first call",
            "bad": ["The 0800 information line kept me on hold"],
            "good": ["The first call to the information line was clear"],
        },
    },
    "appointment_call": {
        "nl": {
            "keywords": "afspraak, inplannen",
            "bad": ["Een afspraak inplannen kostte drie telefoontjes", "De afspraak werd twee keer verzet"],
            "good": ["De afspraak was snel ingepland", "Afspraak maken ging in één keer"],
        },
        "en": {
            "keywords": "appointment, booking",
            "bad": ["Booking the appointment took three calls"],
            "good": ["The appointment was booked in minutes"],
        },
    },
    "advice_visit": {
        "nl": {
            "keywords": "adviesgesprek, oriëntatiegesprek, adviseur",
            "bad": [
                "In het adviesgesprek voelde ik me niet gehoord",
                "De adviseur had haast tijdens het gesprek",
            ],
            "good": [
                "De adviseur nam echt de tijd in het adviesgesprek",
                "Het oriëntatiegesprek gaf me veel vertrouwen",
                "Mijn adviseur legde alles rustig uit",
            ],
        },
        "en": {
            "keywords": "advice meeting, adviser",
            "bad": ["The adviser seemed rushed in our meeting"],
            "good": ["The adviser really took her time to explain everything"],
        },
    },
    "documents_upload": {
        "nl": {
            "keywords": "documenten, uploaden, loonstrook, werkgeversverklaring",
            "bad": [
                "Het uploaden van documenten was een ramp",
                "Ik moest mijn loonstrook drie keer opnieuw uploaden",
                "Mijn documenten raakten kwijt in het portaal",
            ],
            "good": ["Documenten uploaden ging prima", "De lijst met benodigde documenten was duidelijk"],
        },
        "en": {
            "keywords": "documents, upload, payslip",
            "bad": ["The portal kept asking for the same payslip"],
            "good": ["Uploading the documents was easy"],
        },
    },
    "waiting_offer": {
        "nl": {
            "keywords": "wachten, stil, stilte, niets gehoord, niks gehoord",
            "bad": [
                "Wekenlang niets gehoord over de offerte",
                "Het wachten op de offerte duurde eindeloos",
                "Ik moest zelf bellen omdat het stil bleef",
                "Drie weken stilte, geen idee waar ik stond",
                "Het lange wachten maakte me onzeker over de deadline",
            ],
            "good": [
                "Ik wist steeds waar ik stond tijdens het wachten",
                "Het wachten viel mee, ik kreeg tussendoor bericht",
            ],
        },
        "en": {
            "keywords": "waiting, silence, heard nothing",
            "bad": [
                "Weeks of silence while waiting for the offer",
                "Nobody told me anything while I was waiting",
            ],
            "good": ["Waiting was fine, they kept me posted"],
        },
    },
    "delay_notice": {
        "nl": {
            "keywords": "vertraging, uitstel",
            "bad": [
                "De vertraging werd pas gemeld toen ik zelf belde",
                "Ze meldden de vertraging veel te laat",
            ],
            "good": ["Ze meldden de vertraging op tijd en eerlijk"],
        },
        "en": {
            "keywords": "delay, delayed",
            "bad": ["They only mentioned the delay when I called"],
            "good": ["They told me about the delay in good time"],
        },
    },
    "offer_by_post": {
        "nl": {
            "keywords": "offerte per post, brief, post",
            "bad": ["De offerte per post zat vol jargon"],
            "good": ["De offerte kwam netjes per post en was duidelijk"],
        },
        "en": {
            "keywords": "offer by post, letter",
            "bad": ["The offer letter was full of jargon"],
            "good": ["The offer letter was clear"],
        },
    },
    "questions_call": {
        "nl": {
            "keywords": "vragen over de offerte, videogesprek",
            "bad": ["Mijn vragen over de offerte bleven liggen"],
            "good": ["Het videogesprek over mijn vragen was fijn"],
        },
        "en": {
            "keywords": "questions, video call",
            "bad": ["My questions about the offer went unanswered"],
            "good": ["The video call about my questions helped"],
        },
    },
    "adviser_follow_up": {
        "nl": {
            "keywords": "terugbellen, belde zelf",
            "bad": ["De adviseur zou terugbellen maar deed dat niet"],
            "good": ["De adviseur belde uit zichzelf om te vertellen hoe het stond"],
        },
        "en": {
            "keywords": "called back, checked in",
            "bad": ["The adviser never called back"],
            "good": ["The adviser checked in on his own initiative"],
        },
    },
    "complaint": {
        "nl": {
            "keywords": "klacht",
            "bad": ["Op mijn klacht kwam geen reactie", "Mijn klacht werd afgedaan met een standaardbrief"],
            "good": ["Mijn klacht werd serieus opgepakt"],
        },
        "en": {
            "keywords": "complaint",
            "bad": ["My complaint got a standard letter"],
            "good": ["My complaint was taken seriously"],
        },
    },
    "signing_visit": {
        "nl": {
            "keywords": "ondertekenen, slotgesprek, handtekening",
            "bad": ["Bij het ondertekenen ontbrak de helft van de papieren"],
            "good": ["Het slotgesprek en ondertekenen gingen vlot"],
        },
        "en": {
            "keywords": "signing, final meeting",
            "bad": ["Half the papers were missing at the signing"],
            "good": ["Signing went smoothly"],
        },
    },
    "notary_transfer": {
        "nl": {
            "keywords": "notaris, sleutel, sleutels",
            "bad": ["Bij de notaris bleek het geld nog niet overgemaakt"],
            "good": [
                "Bij de notaris ging alles vlekkeloos, we hebben de sleutels!",
                "De sleuteloverdracht bij de notaris was een feest",
            ],
        },
        "en": {
            "keywords": "notary, keys",
            "bad": ["At the notary the money had not arrived"],
            "good": ["Getting the keys at the notary was perfect"],
        },
    },
}

# The valuation visit is not on the map, yet customers keep raising it.
VALUATION = {
    "nl": [
        "De taxateur kwam pas na twee weken langs",
        "Op het taxatierapport moest ik eindeloos wachten",
        "De taxatie werd twee keer verzet",
        "Niemand vertelde dat er eerst een taxateur moest komen",
        "Het taxatierapport kwam te laat voor de bank",
    ],
    "en": ["The valuer only came after two weeks", "The valuation report took ages"],
}
VALUATION_SHARE = 0.14
CLOSINGS = {
    "nl": {
        "bad": ["", ".", ". Jammer.", ". Dit kan echt beter.", ". Erg teleurstellend.", "!"],
        "good": ["", ".", "!", ". Dank jullie wel!", ". Top!", ". Aanrader."],
        "mixed": ["", ".", ". Verder prima.", ". Voor de rest ging het goed."],
    },
    "en": {
        "bad": ["", ".", ". Disappointing.", ". Not good enough."],
        "good": ["", ".", "!", ". Thanks!"],
        "mixed": ["", ".", ". Otherwise fine."],
    },
}


def keywords(key: str) -> dict[str, str]:
    return {lang: str(spec["keywords"]) for lang, spec in MOMENTS[key].items()}


def verbatim(
    rng: random.Random, language: str, feelings: dict[str, int], usual: dict[str, float], nps: int
) -> str:
    """What a customer with these feelings per moment (key -> -3..+3) and this score writes: a detractor
    often about the moment that felt worst, a promoter about the one that felt best, and otherwise about
    the moment that went most unlike it usually does (``usual``: the mean feeling per moment)."""
    if nps <= 6 and rng.random() < 0.5:
        about = min(feelings, key=lambda key: (feelings[key], rng.random()))
        went = "bad"
    elif nps >= 9 and rng.random() < 0.5:
        about = max(feelings, key=lambda key: (feelings[key], rng.random()))
        went = "good"
    else:
        about = max(feelings, key=lambda key: (abs(feelings[key] - usual[key]), rng.random()))
        went = "good" if feelings[about] > usual[about] else "bad"
    parts = [rng.choice(MOMENTS[about][language][went])]  # type: ignore[arg-type]
    tone = "bad" if nps <= 6 else "good" if nps >= 9 else "mixed"
    if rng.random() < VALUATION_SHARE:
        parts.append(rng.choice(VALUATION[language]).lower())
    joiner = " en " if language == "nl" else " and "
    text = joiner.join(parts) + rng.choice(CLOSINGS[language][tone])
    return text if rng.random() < 0.85 else text.lower()
