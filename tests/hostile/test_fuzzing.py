"""Property-based fuzzing (Hypothesis) of what reads files from outside: the importers (persons, outcomes
and responses, from CSV text in several encodings and delimiters, and raw bytes) and the instrument-file
loader. Whatever the input, the answer is a result or the product's own refusal in words (``Invalid``,
``InstrumentError`` with its line), never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from nineplus.core.errors import Invalid
from nineplus.imports import outcomes, persons, responses, staging
from nineplus.imports.service import _questions_and_moments
from nineplus.imports.sources import open_source
from nineplus.scans.instrument import HERE, Instrument, InstrumentError, parse
from tests.factories import World
from tests.imports.conftest import Target, build_target

EXAMPLES = 200
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

# Cells that look like what files hold, and what breaks parsers: numbers in both notations, dates, scale
# words, e-mail addresses, quotes, delimiters, line breaks, formulas, control characters and long text.
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "10",
            "-3",
            "7,5",
            "1e9",
            "NaN",
            "2026-05-04",
            "04-05-2026 10:00",
            "31/02/2026",
            "ja",
            "nee",
            "klant@example.org",
            "not@",
            '"',
            '""',
            ";",
            ",",
            "\t",
            "\n",
            "\r\n",
            "=1+1",
            "@SUM(A1)",
            "\x00",
            "K-1",
            "Heel tevreden",
            "Zeer onwaarschijnlijk",
            "x" * 5000,
            "ü",
            "\ufeff",
        ]
    ),
    st.text(max_size=30),
)
HEADERS = st.sampled_from(
    [
        "e-mail",
        "E-mailadres",
        "klantnummer",
        "naam",
        "team",
        "regio",
        "nps",
        "waarom",
        "kanaal",
        "emo",
        "datum",
        "active",
        "churned_on",
        "revenue",
        "period",
        "customer",
        "",
        "nps",
        "ResponseId",
        "StartDate",
        "Q1",
        "x",
    ]
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    width = draw(st.integers(1, 8))
    header = draw(st.lists(HEADERS, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=width + 2), max_size=12))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    quote = draw(st.booleans())

    def line(cells: list[str]) -> str:
        if quote:
            cells = ['"' + c.replace('"', '""') + '"' for c in cells]
        return delimiter.join(cells)

    text = "\n".join(line(r) for r in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


FILES = st.one_of(csv_files(), st.binary(max_size=2000))


def _run_import(path: Path, content: bytes, attempt) -> str:  # type: ignore[no-untyped-def]
    path.write_bytes(content)
    try:
        source = open_source(path)
        return attempt(source)
    except Invalid as exc:
        refusal = exc
    assert refusal.errors, "a refusal says why"
    return "refused"


def test_the_person_and_outcome_importers_take_any_file_or_refuse_it_in_words(
    db: Session, bank_a: World, tmp_path: Path
) -> None:
    path = tmp_path / "upload.csv"

    def with_engine(engine):  # type: ignore[no-untyped-def]
        def attempt(source) -> str:  # type: ignore[no-untyped-def]
            plan = engine.plan(db, bank_a.org.id, source, engine.suggest(source))
            report = engine.check(plan, source)
            assert report.valid + report.invalid + report.skipped == report.rows
            return "checked"

        return attempt

    outcomes_seen: dict[str, int] = {}

    @FUZZ
    @given(content=FILES, which=st.sampled_from(["persons", "outcomes"]))
    def run(content: bytes, which: str) -> None:
        engine = persons if which == "persons" else outcomes
        result = _run_import(path, content, with_engine(engine))
        outcomes_seen[result] = outcomes_seen.get(result, 0) + 1

    run()
    print(f"fuzzing: persons and outcomes importers, {sum(outcomes_seen.values())} files: {outcomes_seen}")
    assert outcomes_seen.get("checked", 0) >= 20, outcomes_seen  # most files get as far as the check


@pytest.fixture
def target(db: Session, bank_a: World) -> Target:
    return build_target(db, bank_a)


def test_the_response_importer_takes_any_file_or_refuses_it_in_words(
    db: Session, bank_a: World, target: Target, tmp_path: Path
) -> None:
    path = tmp_path / "responses.csv"
    questions, moments = _questions_and_moments(db, target.survey.id)
    seen: dict[str, int] = {}

    def attempt(source) -> str:  # type: ignore[no-untyped-def]
        mapping = responses.suggest(source, questions, moments)
        plan = responses.plan(db, target.survey.id, source, mapping, "Europe/Amsterdam")
        try:
            report = staging.check(plan, source)
        finally:
            staging.discard(plan)
        assert report.valid + report.invalid + report.skipped == report.rows
        return "checked"

    @FUZZ
    @given(content=FILES)
    def run(content: bytes) -> None:
        result = _run_import(path, content, attempt)
        seen[result] = seen.get(result, 0) + 1

    run()
    print(f"fuzzing: response importer, {sum(seen.values())} files: {seen}")
    assert seen.get("checked", 0) >= 10, seen  # (most random files name no NPS column: refused)


# The instrument loader -------------------------------------------------------------------------------

VALID = (HERE / "four_bs.yaml").read_text()
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 20), st.text(max_size=20), st.floats(allow_nan=True)
)


def _paths(data: object, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in the parsed YAML (to mutate one)."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated_instruments(draw: st.DrawFn) -> str:
    """The product's own 4 B's file with one to three values replaced, removed or duplicated."""
    data = yaml.safe_load(VALID)
    for _n in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths[1:]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "remove", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = draw(
                st.one_of(
                    SCALARS,
                    st.lists(SCALARS, max_size=3),
                    st.dictionaries(st.text(max_size=5), SCALARS, max_size=3),
                )
            )
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(parent[path[-1]])
        else:
            parent[f"{path[-1]}_again"] = parent[path[-1]]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def broken_text(draw: st.DrawFn) -> str:
    """The valid file cut, spliced with junk, or re-indented at random."""
    lines = VALID.splitlines()
    start = draw(st.integers(0, len(lines)))
    junk = draw(
        st.sampled_from(
            ["\t", ":", "- ", "{", "[", "&a", "*a", "!!python/object:os.system", "key: key:", "'", "%YAML 9"]
        )
    )
    cut = draw(st.integers(0, len(lines)))
    return "\n".join([*lines[:start], junk + draw(st.text(max_size=20)), *lines[cut:]])


def test_the_instrument_loader_takes_any_text_or_refuses_it_with_its_line() -> None:
    seen = {"loaded": 0, "refused": 0}

    @FUZZ
    @given(text=st.one_of(mutated_instruments(), broken_text(), st.text(max_size=300)))
    def run(text: str) -> None:
        refusal: InstrumentError | None = None
        try:
            instrument = parse(text, "fuzzed.yaml")
        except InstrumentError as exc:
            refusal = exc
        if refusal is not None:
            assert str(refusal).startswith("fuzzed.yaml")
            assert refusal.line is None or 1 <= refusal.line <= text.count("\n") + 2
            seen["refused"] += 1
        else:
            assert isinstance(instrument, Instrument)
            seen["loaded"] += 1

    run()
    print(f"fuzzing: instrument loader, {sum(seen.values())} texts: {seen}")
    assert seen["refused"] >= EXAMPLES // 2
    assert isinstance(parse(VALID), Instrument)
