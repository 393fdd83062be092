"""The screening engine: a questionnaire as data, how it is read from a file, how answers are
scored to a concern level. No database here: ``services`` stores what this module builds.

A questionnaire file is JSON (docs/screening.md gives the format). Every error names the line
and the field, so whoever maintains an instrument can fix it: ``line 14, field
"sections[0].items[2].weight": a weight is a number from 0 to 100``.

Scoring: each item is tied to an indicator with a weight. A "yes" adds the weight; a choice
adds the weight times the choice's factor (0 to 1); "no" and "unknown" add nothing ("unknown"
is counted, so the result can say how much was not known). The rules are tried in order and
the first that holds gives the concern level and the recommended next step; the last rule must
hold always.
"""

from __future__ import annotations

import hashlib
import json
import json.decoder
import json.scanner
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT = "heatwatch-screening/1"
LEVELS = ("none", "possible", "clear")
KINDS = ("yes_no_unknown", "choice")
YES, NO, UNKNOWN = "yes", "no", "unknown"
MAX_FILE_BYTES = 512 * 1024
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


class DefinitionError(ValueError):
    """A questionnaire file or definition that cannot be used: ``line`` and ``field`` say where."""

    def __init__(self, message: str, *, line: int | None = None, field: str = "") -> None:
        self.message = message
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field:
            where.append(f'field "{field}"')
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


# --- texts in two languages -------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    en: str
    es: str = ""

    def get(self, language: str | None) -> str:
        if language and language.startswith("es") and self.es:
            return self.es
        return self.en

    def as_data(self) -> dict[str, str]:
        return {"en": self.en, "es": self.es}


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text
    factor: float


@dataclass(frozen=True)
class Item:
    key: str
    text: Text
    kind: str
    indicator: str
    choices: tuple[Choice, ...] = ()
    help: Text = Text("")

    def allowed(self) -> tuple[str, ...]:
        if self.kind == "choice":
            return tuple(c.value for c in self.choices)
        return (YES, NO, UNKNOWN)


@dataclass(frozen=True)
class Section:
    key: str
    title: Text
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Text
    weight: float


@dataclass(frozen=True)
class Rule:
    level: str
    next_step: Text
    min_score: float | None = None
    any_of: tuple[str, ...] = ()

    def holds(self, score: float, positive: frozenset[str]) -> bool:
        if self.min_score is not None and score < self.min_score:
            return False
        return not (self.any_of and not positive.intersection(self.any_of))


@dataclass(frozen=True)
class Definition:
    slug: str
    version: int
    title: Text
    description: Text
    licensed: bool
    licence_note: str
    indicators: tuple[Indicator, ...]
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    data: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def checksum(self) -> str:
        canonical = json.dumps(self.data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


# --- scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    score: float
    level: str
    next_step: Text
    rule_index: int
    unanswered: tuple[str, ...]
    unknown: int
    positive_indicators: tuple[str, ...]


def clean_answers(definition: Definition, answers: Mapping[str, Any]) -> dict[str, str]:
    """The answers that belong to this questionnaire and have an allowed value; the rest are
    dropped (a stale form or a forged post cannot put anything else in a result)."""
    cleaned: dict[str, str] = {}
    for item in definition.items():
        value = answers.get(item.key)
        if isinstance(value, str) and value in item.allowed():
            cleaned[item.key] = value
    return cleaned


def score(definition: Definition, answers: Mapping[str, Any]) -> Score:
    """Score ``answers`` (item key → value) with the definition's weights and rules."""
    answers = clean_answers(definition, answers)
    weights = {i.code: i.weight for i in definition.indicators}
    total = 0.0
    unknown = 0
    positive: set[str] = set()
    unanswered: list[str] = []
    for item in definition.items():
        value = answers.get(item.key)
        if value is None:
            unanswered.append(item.key)
            continue
        if value == UNKNOWN:
            unknown += 1
            continue
        if item.kind == "choice":
            factor = next(c.factor for c in item.choices if c.value == value)
        else:
            factor = 1.0 if value == YES else 0.0
        if factor > 0:
            positive.add(item.indicator)
            total += weights[item.indicator] * factor
    total = round(total, 2)
    frozen = frozenset(positive)
    for index, rule in enumerate(definition.rules):
        if rule.holds(total, frozen):
            return Score(
                score=total,
                level=rule.level,
                next_step=rule.next_step,
                rule_index=index,
                unanswered=tuple(unanswered),
                unknown=unknown,
                positive_indicators=tuple(sorted(frozen)),
            )
    raise DefinitionError("no rule holds; the last rule must have no condition", field="rules")


# --- reading a file, with the line of every value ---------------------------------------------


class _Located(dict[str, Any]):
    """A JSON object that remembers where it and each of its keys are in the file."""

    start: int
    key_lines: dict[str, int]


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


class _Decoder(json.JSONDecoder):
    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text
        self.parse_object = self._parse_object
        # The pure-Python scanner is the one that calls parse_object (the C one does not).
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]

    def _parse_object(self, s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        s, begin = s_and_end
        pairs: list[tuple[str, Any]] = []

        def keep(found: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
            pairs.extend(found)
            return found

        _, end = json.decoder.JSONObject(  # type: ignore[attr-defined]
            s_and_end, self.strict, self.scan_once, None, keep, getattr(self, "memo", {})
        )
        result = _Located(pairs)
        result.start = _line_of(s, begin)
        result.key_lines = _key_lines(s, begin, end, result.start)
        return result, end


def _key_lines(s: str, begin: int, end: int, first: int) -> dict[str, int]:
    """The line of each key of the object s[begin:end] (its own keys, not nested ones)."""
    lines: dict[str, int] = {}
    depth = 0
    i = begin
    line = first
    while i < end:
        ch = s[i]
        if ch == "\n":
            line += 1
        elif ch == '"':
            j = i + 1
            while j < end and s[j] != '"':
                j += 2 if s[j] == "\\" else 1
            rest = s[j + 1 : j + 40].lstrip()
            if depth == 0 and rest.startswith(":"):
                try:
                    lines.setdefault(json.loads(s[i : j + 1]), line)
                except ValueError:
                    pass
            line += s.count("\n", i, j)
            i = j
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        i += 1
    return lines


def parse_text(text: str) -> Any:
    """Parse JSON, remembering lines; a syntax error names its line."""
    if len(text.encode()) > MAX_FILE_BYTES:
        raise DefinitionError(f"the file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        return _Decoder(text).decode(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"not valid JSON: {exc.msg}", line=exc.lineno) from None


class _Reader:
    def __init__(self) -> None:
        self.errors: list[DefinitionError] = []

    def fail(self, obj: Any, key: str, path: str, message: str) -> None:
        line = None
        if isinstance(obj, _Located):
            line = obj.key_lines.get(key, obj.start)
        self.errors.append(DefinitionError(message, line=line, field=path))

    def get(
        self, obj: Any, key: str, path: str, kind: type | tuple[type, ...], *, required: bool = True
    ) -> Any:
        if not isinstance(obj, dict) or key not in obj:
            if required:
                self.fail(obj, key, path, "this field is required")
            return None
        value = obj[key]
        if (
            isinstance(value, bool)
            and kind is not bool
            and bool not in (kind if isinstance(kind, tuple) else (kind,))
        ):
            self.fail(obj, key, path, "must not be true or false here")
            return None
        if not isinstance(value, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            expected = {
                "str": "a text",
                "int": "a whole number",
                "list": "a list",
                "dict": "an object",
                "bool": "true or false",
                "int or float": "a number",
                "str or dict": 'a text, or an object with "en" and "es"',
            }
            self.fail(obj, key, path, f"must be {expected.get(names, names)}")
            return None
        return value

    def text(self, obj: Any, key: str, path: str, *, required: bool = True) -> Text:
        value = self.get(obj, key, path, (str, dict), required=required)
        if value is None:
            return Text("")
        if isinstance(value, str):
            return Text(value.strip())
        en = self.get(value, "en", f"{path}.en", str)
        es = self.get(value, "es", f"{path}.es", str, required=False)
        if isinstance(en, str) and not en.strip():
            self.fail(value, "en", f"{path}.en", "must not be empty")
        return Text((en or "").strip(), (es or "").strip())

    def key(self, obj: Any, key: str, path: str) -> str:
        value = self.get(obj, key, path, str)
        if value is not None and not _KEY.match(value):
            self.fail(obj, key, path, "use lower-case letters, digits, - or _ (at most 50)")
        return value or ""

    def number(self, obj: Any, key: str, path: str, low: float, high: float) -> float:
        value = self.get(obj, key, path, (int, float))
        if value is None:
            return 0.0
        if not low <= value <= high:
            self.fail(obj, key, path, f"must be a number from {low:g} to {high:g}")
        return float(value)


def parse_definition(data: Any) -> Definition:
    """Check a parsed questionnaire and build its definition; every problem is reported at
    once (``DefinitionError`` for the first, all of them in ``.all``)."""
    r = _Reader()
    if not isinstance(data, dict):
        raise DefinitionError("the file must hold one JSON object", line=1)
    fmt = r.get(data, "format", "format", str)
    if fmt is not None and fmt != FORMAT:
        r.fail(data, "format", "format", f'must be "{FORMAT}"')
    slug = r.key(data, "slug", "slug")
    version = r.get(data, "version", "version", int)
    if version is not None and not 1 <= version <= 10_000:
        r.fail(data, "version", "version", "must be a whole number from 1 to 10000")
    title = r.text(data, "title", "title")
    description = r.text(data, "description", "description", required=False)
    licensed = r.get(data, "licensed", "licensed", bool, required=False) or False
    licence_note = r.get(data, "licence_note", "licence_note", str, required=False) or ""
    if licensed and not licence_note.strip():
        r.fail(data, "licence_note", "licence_note", "a licensed instrument names its licence")

    indicators: list[Indicator] = []
    raw_indicators = r.get(data, "indicators", "indicators", list) or []
    for n, raw in enumerate(raw_indicators):
        path = f"indicators[{n}]"
        if not isinstance(raw, dict):
            r.fail(data, "indicators", path, "must be an object")
            continue
        code = r.key(raw, "code", f"{path}.code")
        if code and any(i.code == code for i in indicators):
            r.fail(raw, "code", f"{path}.code", f'the indicator "{code}" is defined twice')
        indicators.append(
            Indicator(
                code=code,
                label=r.text(raw, "label", f"{path}.label"),
                weight=r.number(raw, "weight", f"{path}.weight", 0, 100),
            )
        )
    if not indicators and raw_indicators == []:
        r.fail(data, "indicators", "indicators", "list at least one indicator")
    codes = {i.code for i in indicators}

    sections: list[Section] = []
    seen_items: set[str] = set()
    raw_sections = r.get(data, "sections", "sections", list) or []
    if not raw_sections and "sections" in data:
        r.fail(data, "sections", "sections", "list at least one section")
    for s, raw_section in enumerate(raw_sections):
        spath = f"sections[{s}]"
        if not isinstance(raw_section, dict):
            r.fail(data, "sections", spath, "must be an object")
            continue
        items: list[Item] = []
        raw_items = r.get(raw_section, "items", f"{spath}.items", list) or []
        if not raw_items and "items" in raw_section:
            r.fail(raw_section, "items", f"{spath}.items", "list at least one item")
        for i, raw in enumerate(raw_items):
            ipath = f"{spath}.items[{i}]"
            if not isinstance(raw, dict):
                r.fail(raw_section, "items", ipath, "must be an object")
                continue
            key = r.key(raw, "key", f"{ipath}.key")
            if key and key in seen_items:
                r.fail(raw, "key", f"{ipath}.key", f'the item "{key}" is defined twice')
            seen_items.add(key)
            kind = r.get(raw, "kind", f"{ipath}.kind", str)
            if kind is not None and kind not in KINDS:
                r.fail(raw, "kind", f"{ipath}.kind", f"must be one of {', '.join(KINDS)}")
            indicator = r.get(raw, "indicator", f"{ipath}.indicator", str) or ""
            if indicator and indicator not in codes:
                r.fail(raw, "indicator", f"{ipath}.indicator", f'no indicator "{indicator}"')
            choices: list[Choice] = []
            if kind == "choice":
                raw_choices = r.get(raw, "choices", f"{ipath}.choices", list) or []
                if len(raw_choices) < 2 and "choices" in raw:
                    r.fail(raw, "choices", f"{ipath}.choices", "list at least two choices")
                for c, raw_choice in enumerate(raw_choices):
                    cpath = f"{ipath}.choices[{c}]"
                    value = r.key(raw_choice, "value", f"{cpath}.value")
                    if value and any(x.value == value for x in choices):
                        r.fail(raw_choice, "value", f"{cpath}.value", "the same value twice")
                    choices.append(
                        Choice(
                            value=value,
                            label=r.text(raw_choice, "label", f"{cpath}.label"),
                            factor=r.number(raw_choice, "factor", f"{cpath}.factor", 0, 1),
                        )
                    )
            elif "choices" in raw:
                r.fail(
                    raw, "choices", f"{ipath}.choices", 'only an item of kind "choice" has choices'
                )
            items.append(
                Item(
                    key=key,
                    text=r.text(raw, "text", f"{ipath}.text"),
                    kind=kind or "",
                    indicator=indicator,
                    choices=tuple(choices),
                    help=r.text(raw, "help", f"{ipath}.help", required=False),
                )
            )
        sections.append(
            Section(
                key=r.key(raw_section, "key", f"{spath}.key"),
                title=r.text(raw_section, "title", f"{spath}.title"),
                items=tuple(items),
            )
        )

    rules: list[Rule] = []
    raw_rules = r.get(data, "rules", "rules", list) or []
    if not raw_rules and "rules" in data:
        r.fail(data, "rules", "rules", "list at least one rule")
    for n, raw in enumerate(raw_rules):
        path = f"rules[{n}]"
        if not isinstance(raw, dict):
            r.fail(data, "rules", path, "must be an object")
            continue
        level = r.get(raw, "level", f"{path}.level", str)
        if level is not None and level not in LEVELS:
            r.fail(raw, "level", f"{path}.level", f"must be one of {', '.join(LEVELS)}")
        min_score = None
        if "min_score" in raw:
            min_score = r.number(raw, "min_score", f"{path}.min_score", 0, 100_000)
        any_of = r.get(raw, "any_of", f"{path}.any_of", list, required=False) or []
        for code in any_of:
            if code not in codes:
                r.fail(raw, "any_of", f"{path}.any_of", f'no indicator "{code}"')
        rules.append(
            Rule(
                level=level or "",
                next_step=r.text(raw, "next_step", f"{path}.next_step"),
                min_score=min_score,
                any_of=tuple(str(c) for c in any_of),
            )
        )
    if rules and (rules[-1].min_score is not None or rules[-1].any_of):
        last = raw_rules[-1]
        r.fail(last, "level", f"rules[{len(rules) - 1}]", "the last rule must have no condition")

    if r.errors:
        first = r.errors[0]
        error = DefinitionError(first.message, line=first.line, field=first.field)
        error.all = r.errors  # type: ignore[attr-defined]
        raise error
    return Definition(
        slug=slug,
        version=int(version or 0),
        title=title,
        description=description,
        licensed=bool(licensed),
        licence_note=licence_note.strip(),
        indicators=tuple(indicators),
        sections=tuple(sections),
        rules=tuple(rules),
        data=_plain(data),
    )


def _plain(data: Any) -> Any:
    """The parsed file as plain JSON values (what is stored)."""
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def load_text(text: str) -> Definition:
    """A questionnaire file's text → its definition (``DefinitionError`` names line and field)."""
    return parse_definition(parse_text(text))


def from_data(data: dict[str, Any]) -> Definition:
    """A stored definition (as saved by ``services.questionnaire_load``) → its definition."""
    return parse_definition(data)
