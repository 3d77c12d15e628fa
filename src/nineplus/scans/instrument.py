"""Organisation scans as data: each instrument is a versioned YAML file with its scale, its dimensions (the
blocks, levels or B's it measures), its items in Dutch and English with the dimension each feeds, its
advice rules and, where it has one, the 2x2 on which a persona is placed. A new instrument is a new file:
no code. A file that is not a valid instrument is refused with its line and the reason.

The files of the product are in ``scans/instruments/``; ``load_dir`` reads any directory of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

HERE = Path(__file__).parent / "instruments"
LANGUAGES = ("nl", "en")


class Text(BaseModel):
    """Words in both UI languages."""

    model_config = ConfigDict(extra="forbid", strict=True)
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def in_(self, locale: str) -> str:
        return self.en if locale == "en" else self.nl


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: int
    max: int
    low: Text  # what the lowest point means ("strongly disagree")
    high: Text

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if not self.min < self.max <= self.min + 10:
            raise ValueError("the scale needs min < max, at most 10 points apart")
        return self


class Dimension(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: Text
    advice: Text  # what to do when this dimension needs work
    category: str | None = None  # a group of dimensions (Service Excellence's four categories)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    dimension: str
    text: Text
    reverse: bool = False  # agreeing means the dimension is weaker


class Axis(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dimensions: list[str] = Field(min_length=1)
    low: Text
    high: Text


class Persona(BaseModel):
    """A 2x2: each axis the mean of its dimensions' scores, split at ``split`` (0-100)."""

    model_config = ConfigDict(extra="forbid")
    x: Axis
    y: Axis
    split: float = Field(default=50.0, ge=0, le=100)
    quadrants: dict[Literal["low_low", "low_high", "high_low", "high_high"], Text]  # x then y

    @field_validator("quadrants")
    @classmethod
    def _all_four(cls, value: dict[str, Text]) -> dict[str, Text]:
        missing = {"low_low", "low_high", "high_low", "high_high"} - set(value)
        if missing:
            raise ValueError(f"the 2x2 names every quadrant; missing: {', '.join(sorted(missing))}")
        return value


class Advice(BaseModel):
    """``top_down``: start at the first dimension (in file order) that is not in order, as the seven levels
    require; ``weakest_first``: the dimensions below the threshold, weakest first."""

    model_config = ConfigDict(extra="forbid")
    order: Literal["top_down", "weakest_first"]
    threshold: float = Field(ge=0, le=100)  # a dimension scoring below this (0-100) needs work
    diverging: float = Field(gt=0)  # respondents' standard deviation (scale points) that counts as divided


class Instrument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    version: int = Field(ge=1, strict=True)
    title: Text
    description: Text
    scale: Scale
    dimensions: list[Dimension] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    advice: Advice
    persona: Persona | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        dimensions = [d.key for d in self.dimensions]
        _unique(dimensions, "dimension", "dimensions")
        _unique([i.key for i in self.items], "item", "items")
        for index, item in enumerate(self.items):
            if item.dimension not in dimensions:
                raise _Located(("items", index, "dimension"), f"no dimension {item.dimension!r} in this file")
        fed = {i.dimension for i in self.items}
        for index, dimension in enumerate(self.dimensions):
            if dimension.key not in fed:
                raise _Located(("dimensions", index, "key"), f"no item feeds dimension {dimension.key!r}")
        if self.persona is not None:
            for axis in ("x", "y"):
                for index, key in enumerate(getattr(self.persona, axis).dimensions):
                    if key not in dimensions:
                        raise _Located(("persona", axis, "dimensions", index), f"no dimension {key!r}")
        return self

    def dimension(self, key: str) -> Dimension:
        return next(d for d in self.dimensions if d.key == key)


def _unique(keys: list[str], what: str, where: str) -> None:
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise _Located((where, index, "key"), f"the {what} key {key!r} is used twice")
        seen.add(key)


class _Located(ValueError):
    """A consistency error that knows where in the file it is."""

    def __init__(self, location: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.location = location


@dataclass(frozen=True)
class InstrumentError(Exception):
    """A file that is not a valid instrument: where and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


def load(path: Path) -> Instrument:
    """Read and check one instrument file."""
    return parse(path.read_text(encoding="utf-8"), str(path))


class _StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (plain YAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse(text: str, name: str = "<instrument>") -> Instrument:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a safe loader that also refuses twice-given keys
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InstrumentError(name, mark.line + 1 if mark else None, str(exc.problem or exc)) from exc
    except yaml.YAMLError as exc:
        raise InstrumentError(name, None, str(exc)) from exc
    if not isinstance(data, dict):
        raise InstrumentError(name, 1, "an instrument file is a mapping (key: value) at the top")
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        reason = error["msg"].removeprefix("Value error, ")
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _Located):
            location = cause.location
        where = ".".join(str(part) for part in location) or "the file"
        raise InstrumentError(name, _line(node, location), f"{where}: {reason}") from exc


def _line(node: yaml.Node | None, location: Iterable[Any]) -> int | None:
    """The line (1-based) of the deepest part of ``location`` the file has: a key's own line, or a list
    entry's."""
    found, line = node, (node.start_mark.line + 1 if node is not None else None)
    for part in location:
        if isinstance(found, yaml.MappingNode):
            pair = next(((key, value) for key, value in found.value if key.value == str(part)), None)
            if pair is None:
                break
            found, line = pair[1], pair[0].start_mark.line + 1
        elif isinstance(found, yaml.SequenceNode) and isinstance(part, int) and part < len(found.value):
            found = found.value[part]
            line = found.start_mark.line + 1
        else:
            break
    return line


def load_versions(directory: Path = HERE) -> dict[tuple[str, int], Instrument]:
    """Every instrument in ``directory`` by key and version: a run keeps the version it was answered on,
    so an older version's file stays beside the newer one."""
    found: dict[tuple[str, int], Instrument] = {}
    for path in sorted(directory.glob("*.yaml")):
        instrument = load(path)
        if (instrument.key, instrument.version) in found:
            raise InstrumentError(
                str(path), 1, f"{instrument.key} version {instrument.version} is in two files"
            )
        found[(instrument.key, instrument.version)] = instrument
    return found


def newest(versions: dict[tuple[str, int], Instrument]) -> dict[str, Instrument]:
    """Per key, its newest version: what a new run uses."""
    found: dict[str, Instrument] = {}
    for (key, _version), instrument in sorted(versions.items()):
        found[key] = instrument
    return found


def load_dir(directory: Path = HERE) -> dict[str, Instrument]:
    """Every instrument in ``directory`` by key (its newest version where a key has several)."""
    return newest(load_versions(directory))
