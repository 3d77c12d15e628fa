"""``nineplus bench text``: the text pipeline's default path (language, lemmas, masking, sentiment with the
learned model, theme) over many generated verbatims, in parallel processes, against the same work in one.

The verbatims are generated from a seed with real variety: openings, subjects, what happened, judgements,
contrasts and closings per language, numbers, durations, names and contact details, misspellings and
casing, so that hardly two texts are alike (the command reports how many are distinct). Nothing is kept
per text: only a word's lemma and a word's seed-word parts are looked up once.
"""

from __future__ import annotations

import multiprocessing
import random
import resource
import time
from dataclasses import dataclass

from nineplus.text.pipeline import Models, analyse_many, learn

PIECES = {
    "nl": {
        "open": [
            "",
            "",
            "Eerlijk gezegd ",
            "Nou, ",
            "Tja, ",
            "Kort samengevat: ",
            "Wat mij betreft ",
            "Helaas ",
            "Gelukkig ",
            "Om eerlijk te zijn ",
            "Zoals altijd ",
            "Dit keer ",
            "Ik moet zeggen dat ",
        ],
        "subject": [
            "de adviseur",
            "de medewerker",
            "de klantenservice",
            "het callcenter",
            "de app",
            "de website",
            "het portaal",
            "de monteur",
            "de bezorger",
            "mijn contactpersoon",
            "de afdeling schade",
            "de hypotheekadviseur",
            "het team",
            "de chat",
            "de balie",
            "de notaris",
            "de taxateur",
        ],
        "event": [
            "reageerde pas na {n} weken",
            "belde {n} keer niet terug",
            "loste het binnen {n} dagen op",
            "stuurde de offerte na {n} dagen",
            "gaf geen enkele update",
            "legde alles rustig uit",
            "was {n} uur onbereikbaar",
            "vroeg {n} keer om dezelfde loonstrook",
            "verstuurde een verkeerde factuur van {n} euro",
            "raakte mijn documenten kwijt",
            "nam echt de tijd voor mijn vragen",
            "hield me elke week op de hoogte",
            "liep steeds vast bij het inloggen",
            "rekende {n} euro administratiekosten",
            "verwerkte mijn klacht netjes",
            "verwees me {n} keer door",
        ],
        "judge": [
            "dat vond ik prima",
            "echt belachelijk",
            "heel fijn",
            "super geregeld",
            "niet normaal",
            "erg teleurstellend",
            "keurig",
            "prima zo",
            "niet vriendelijk",
            "top gedaan",
            "schandalig slecht",
            "redelijk",
            "zonde van mijn tijd",
            "dik in orde",
            "waardeloos",
        ],
        "contrast": ["maar", "alleen", "toch", "en", "en ook", "bovendien"],
        "close": [
            "",
            "",
            ".",
            "!",
            "!!",
            "...",
            ". Volgende keer beter.",
            ". Bedankt!",
            ". Jammer.",
            ". Ik blijf klant.",
            ". Ik ga overstappen.",
            ". Mail me op {mail}.",
            ". Bel me: {phone}.",
            ". Mijn naam is {name}.",
            ". Adres {postcode}.",
        ],
    },
    "en": {
        "open": [
            "",
            "",
            "Honestly ",
            "Well, ",
            "In short: ",
            "Sadly ",
            "Luckily ",
            "To be fair ",
            "As always ",
            "This time ",
            "I have to say ",
            "Frankly ",
        ],
        "subject": [
            "the adviser",
            "the agent",
            "customer service",
            "the call centre",
            "the app",
            "the website",
            "the portal",
            "the engineer",
            "the courier",
            "my contact person",
            "the claims team",
            "the mortgage adviser",
            "the team",
            "the chat",
            "the front desk",
            "the notary",
            "the surveyor",
        ],
        "event": [
            "only replied after {n} weeks",
            "failed to call back {n} times",
            "fixed it within {n} days",
            "sent the offer after {n} days",
            "gave no update at all",
            "explained everything calmly",
            "was unreachable for {n} hours",
            "asked for the same payslip {n} times",
            "sent a wrong invoice of {n} pounds",
            "lost my documents",
            "took real time for my questions",
            "kept me posted every week",
            "kept crashing at login",
            "charged {n} euros in fees",
            "handled my complaint properly",
            "transferred me {n} times",
        ],
        "judge": [
            "which was fine",
            "truly ridiculous",
            "very pleasant",
            "well sorted",
            "not acceptable",
            "really disappointing",
            "spot-on",
            "fine by me",
            "not friendly",
            "great job",
            "shockingly bad",
            "reasonable",
            "a waste of my time",
            "all good",
            "useless",
        ],
        "contrast": ["but", "only", "still", "and", "and also", "besides"],
        "close": [
            "",
            "",
            ".",
            "!",
            "!!",
            "...",
            ". Do better next time.",
            ". Thanks!",
            ". A pity.",
            ". I'll stay.",
            ". I'm switching.",
            ". Email me at {mail}.",
            ". Call me: {phone}.",
            ". My name is {name}.",
            ". Address {postcode}.",
        ],
    },
}
NAMES = ["Jan de Vries", "Sanne Bakker", "Mohamed El Idrissi", "Sarah Jones", "Pieter van Dam", "Emma Smit"]


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 8 or rng.random() > 0.15:
        return text
    at = rng.randrange(1, len(text) - 2)
    return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


def verbatim(rng: random.Random, lang: str) -> str:
    p = PIECES[lang]
    n = rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 14, 20, 45, 90, 125])
    parts = [
        rng.choice(p["open"]) + rng.choice(p["subject"]),
        rng.choice(p["event"]).format(n=n),
        rng.choice(p["judge"]),
    ]
    if rng.random() < 0.5:
        parts += [rng.choice(p["contrast"]), rng.choice(p["subject"]), rng.choice(p["event"]).format(n=n + 1)]
    if rng.random() < 0.3:
        parts.append(rng.choice(p["judge"]))
    close = rng.choice(p["close"]).format(
        mail=f"klant{rng.randrange(10_000)}@example.org",
        phone=f"06-{rng.randrange(10_000_000, 99_999_999)}",
        name=rng.choice(NAMES),
        postcode=f"{rng.randrange(1000, 9999)} AB {rng.randrange(1, 300)}",
    )
    text = " ".join(parts) + close
    text = text[0].upper() + text[1:] if rng.random() < 0.8 else text.lower()
    return _typo(rng, text)


def generate(count: int, seed: int = 7) -> tuple[list[str], list[str], list[int]]:
    """``count`` verbatims, the language each respondent answered in (90% Dutch), and a score each."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    langs = ["nl" if rng.random() < 0.9 else "en" for _ in range(count)]
    texts = [verbatim(rng, lang) for lang in langs]
    scores = [rng.randint(0, 10) for _ in range(count)]
    return texts, langs, scores


@dataclass(frozen=True)
class Run:
    seconds: float
    analysed: int


_MODELS: Models | None = None


def _work(chunk: tuple[list[str], list[str]]) -> int:
    texts, hints = chunk
    assert _MODELS is not None
    return len(analyse_many(texts, hints, models=_MODELS))


def _start(models: Models) -> None:
    global _MODELS
    _MODELS = models


def run(texts: list[str], hints: list[str], models: Models, processes: int, chunk: int = 2_000) -> Run:
    chunks = [(texts[i : i + chunk], hints[i : i + chunk]) for i in range(0, len(texts), chunk)]
    started = time.perf_counter()
    if processes == 1:
        _start(models)
        analysed = sum(_work(c) for c in chunks)
    else:
        context = multiprocessing.get_context("fork")
        with context.Pool(processes, initializer=_start, initargs=(models,)) as pool:
            analysed = sum(pool.imap_unordered(_work, chunks))
    return Run(time.perf_counter() - started, analysed)


def learned(texts: list[str], langs: list[str], scores: list[int], sample: int = 5_000) -> Models:
    """The models an organisation would have learned from ``sample`` of its own verbatims."""
    from nineplus.text.tokens import lemmas

    words = [lemmas(t, lang) for t, lang in zip(texts[:sample], langs[:sample], strict=True)]
    return learn(words, langs[:sample], scores[:sample])


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024
