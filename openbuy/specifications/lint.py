"""Plain-English and fairness checks for procurement specifications.

A specification is a list of sections (key, heading, Markdown body). Each finding names the
passage (offsets into the Markdown source of the body), why it matters and a concrete fix, and is
shown to buyers while they draft and on the public page. Pure Python: no models, no network, no
downloads; syllables come from pyphen's bundled British English dictionary.

The rules, and what each is for:

- ``brand``: a brand or proprietary product (from ``data/brands.txt``), a brand-certified
  qualification ("Cisco-certified") or a product model number ("PowerEdge R760") in a sentence
  without "or equivalent" / "or similar". Naming a product shuts out others that do the job.
- ``inputs``: the specification prescribes how ("must use", "must be written in", "shall provide
  12 officers") instead of the result wanted, which shuts out better ways of meeting the need.
  "must install" is deliberately not flagged: in works contracts the installation is the outcome.
- ``long-sentence``: a sentence longer than ``max_sentence_words`` words.
- ``readability``: the text scores below ``reading_ease_target`` on the Flesch reading ease scale
  (206.835 - 1.015 * words per sentence - 84.6 * syllables per word; higher is easier). Needs at
  least 20 words, so a one-line section is never judged.
- ``jargon``: a word or phrase from ``data/jargon.csv``; the fix offers the plainer alternative.
- ``acronym``: 2 to 6 capital letters (a plural "s" allowed) not spelled out anywhere in the
  specification, flagged once, at first use. Spelled out means "Long Form Words (ACR)" or
  "ACR (long form words)" or a glossary line "ACR: long form words", where the initials match.
  Not flagged: ``KNOWN_ACRONYMS``, brands, Roman numerals, units after a number ("16 GB"),
  labels ("level AA", "Lot B"), standard references ("ISO 9001", "WCAG 2.2"), capitalised
  ordinary words ("NOTE") and sentences written entirely in capitals.
- ``turnover``: a minimum turnover above twice the contract value (the UK government's guidance
  for selection), or any minimum turnover when the specification states no value to check it by.
- ``years-trading``: a minimum number of years of trading or of accounts, which shuts out new
  and small firms that could do the work.
- ``insurance``: professional indemnity, public, employer's or product liability cover above
  the larger of ``insurance_limit`` (default £5m, the usual employer's liability level) and twice
  the contract value, so large contracts whose risk grows with their value are not flagged.
- ``accreditation``: a mandatory accreditation or certification (ISO 9001, Cyber Essentials Plus,
  CHAS, PRINCE2 ...) without "or equivalent". Registrations the law requires (Gas Safe, CQC,
  DBS, Ofsted, SIA) are not flagged.

The turnover, years-trading and insurance rules only fire in sentences that ask something of
suppliers ("must", "required", "at least" ...), so a buyer describing its own insurance or
history is left alone. Money amounts are read with :func:`parse_money`: "£1.5m", "£250,000",
"€2 million", "GBP 40k", "3bn". Amounts in another currency than the specification's are not
compared with its value.

Every rule reads the Markdown source, so offsets point into what the buyer typed. Sentences end
at . ! ? (not after "e.g.", "i.e.", decimals or "£1.2m"), and at blank lines, list items,
headings and table rows. Fenced and inline code, web and email addresses are not prose: no
brand, jargon or acronym findings there. Every pattern is linear in the text length.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pyphen

DATA_DIR = Path(__file__).resolve().parent / "data"
JARGON_FILE = DATA_DIR / "jargon.csv"
BRANDS_FILE = DATA_DIR / "brands.txt"

RULES: dict[str, str] = {
    "brand": "Brand name without 'or equivalent'",
    "inputs": "Prescribes inputs, not outcomes",
    "long-sentence": "Long sentence",
    "readability": "Hard to read",
    "jargon": "Jargon",
    "acronym": "Acronym not spelled out",
    "turnover": "Turnover demand above twice the contract value",
    "years-trading": "Minimum years of trading",
    "insurance": "Excessive insurance level",
    "accreditation": "Mandatory accreditation",
}

# Acronyms almost every reader knows; everything else is spelled out at first use.
KNOWN_ACRONYMS = frozenset(
    {"UK", "EU", "NHS", "VAT", "ID", "PDF", "IT", "GP", "PC", "CV", "TV", "OK", "AM", "PM", "HM"}
)
# Ordinary words written in capitals for emphasis, which are not acronyms.
_SHOUTED_WORDS = frozenset(
    {"NOTE", "NB", "NOT", "MUST", "SHALL", "AND", "OR", "THE", "ALL", "ONLY", "NO", "YES", "NEW"}
)
MIN_WORDS_FOR_READING_EASE = 20
_CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


# --- Data files ---------------------------------------------------------------------------


def load_jargon(path: str | Path | None = None) -> dict[str, str]:
    """Read a ``term,alternative`` CSV (header row, ``#`` comments) into lowercase term -> text."""
    return dict(_read_jargon(str(path or JARGON_FILE)))


def load_brands(path: str | Path | None = None) -> list[str]:
    """Read one brand per line, skipping blank lines and ``#`` comments."""
    return list(_read_brands(str(path or BRANDS_FILE)))


@lru_cache(maxsize=16)
def _read_jargon(path: str) -> Mapping[str, str]:
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.lstrip().startswith("#")]
    terms: dict[str, str] = {}
    for row in csv.reader(lines):
        if len(row) < 2 or not row[0].strip():
            continue
        term, alternative = _normalise_phrase(row[0]), row[1].strip()
        if term == "term" and alternative.lower() == "alternative":
            continue
        terms[term] = alternative
    return MappingProxyType(terms)


@lru_cache(maxsize=16)
def _read_brands(path: str) -> tuple[str, ...]:
    with open(path, encoding="utf-8") as handle:
        stripped = (line.strip() for line in handle)
        return tuple(line for line in stripped if line and not line.startswith("#"))


def _default_jargon() -> Mapping[str, str]:
    return _read_jargon(str(JARGON_FILE))


def _default_brands() -> Sequence[str]:
    return _read_brands(str(BRANDS_FILE))


# --- Configuration and results ------------------------------------------------------------


@dataclass(frozen=True)
class LintConfig:
    max_sentence_words: int = 25
    # Flesch reading ease; text scoring below it gets a "readability" finding.
    reading_ease_target: float = 50.0
    jargon: Mapping[str, str] = field(default_factory=_default_jargon)
    brands: Sequence[str] = field(default_factory=_default_brands)
    # The specification's estimated value, if known.
    contract_value: Decimal | None = None
    currency: str = "GBP"
    # Insurance cover demanded above the larger of this and twice the contract value is flagged.
    insurance_limit: Decimal = Decimal("5000000")


@dataclass(frozen=True)
class Finding:
    rule: str
    passage: str
    start: int
    end: int
    why: str
    fix: str

    @property
    def title(self) -> str:
        return RULES[self.rule]


@dataclass(frozen=True)
class SectionReport:
    key: str
    findings: list[Finding]
    reading_ease: float | None
    words: int


def config_from_settings(**overrides: Any) -> LintConfig:
    """A configuration from Django settings (``LINT_*``), with ``overrides`` taking precedence."""
    from django.conf import settings

    values: dict[str, Any] = {
        "max_sentence_words": int(getattr(settings, "LINT_MAX_SENTENCE_WORDS", 25)),
        "reading_ease_target": float(getattr(settings, "LINT_READING_EASE_TARGET", 50.0)),
        "insurance_limit": Decimal(str(getattr(settings, "LINT_INSURANCE_LIMIT", "5000000"))),
    }
    if "jargon" not in overrides:
        values["jargon"] = _read_jargon(
            str(getattr(settings, "LINT_JARGON_FILE", "") or JARGON_FILE)
        )
    if "brands" not in overrides:
        values["brands"] = _read_brands(
            str(getattr(settings, "LINT_BRANDS_FILE", "") or BRANDS_FILE)
        )
    values.update(overrides)
    return LintConfig(**values)


# --- Sentences, words and syllables -------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’.\-:,/][^\W_]+)*")
_FENCE = re.compile(r"[ \t]{0,3}(?:```|~~~)")
_HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]+|$)")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
_QUOTE = re.compile(r"[ \t]*>[ \t]?")
_TABLE_ROW = re.compile(r"[ \t]*\|")
_SENTENCE_END = re.compile(r"[.!?]+[\"'’”)\]*_]*(?=\s|$)")
# Abbreviations whose full stop never ends a sentence. Others ("etc.") end one only when the
# next word starts with a capital letter.
_ABBREVIATIONS = frozenset(
    [
        "e.g.",
        "i.e.",
        "eg.",
        "ie.",
        "cf.",
        "approx.",
        "incl.",
        "no.",
        "nos.",
        "mr.",
        "mrs.",
        "ms.",
        "dr.",
        "st.",
        "vs.",
        "fig.",
        "para.",
        "ref.",
    ]
)


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of paragraphs, list items, headings and table rows: no sentence crosses them."""
    blocks: list[tuple[int, int]] = []
    current: list[int] | None = None
    in_fence = False
    offset = 0

    def close() -> None:
        nonlocal current
        if current is not None:
            blocks.append((current[0], current[1]))
            current = None

    for line in text.splitlines(keepends=True):
        start = offset
        offset += len(line)
        content = line.rstrip("\r\n")
        end = start + len(content)
        if _FENCE.match(content):
            close()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if not content.strip():
            close()
            continue
        for standalone in (_HEADING, _TABLE_ROW):
            if match := standalone.match(content):
                close()
                blocks.append((start + match.end(), end))
                break
        else:
            if match := _LIST_ITEM.match(content):
                close()
                current = [start + match.end(), end]
            elif current is None:
                match = _QUOTE.match(content)
                lead = match.end() if match else len(content) - len(content.lstrip())
                current = [start + lead, end]
            else:
                current[1] = end
    close()
    return blocks


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, in order, trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))

    for block_start, block_end in _blocks(text):
        start = block_start
        for match in _SENTENCE_END.finditer(text, block_start, block_end):
            token_start = match.start()
            while (
                token_start > max(start, match.start() - 12) and not text[token_start - 1].isspace()
            ):
                token_start -= 1
            token = text[token_start : match.start() + 1].lower().lstrip("(")
            if token in _ABBREVIATIONS:
                continue
            following = text[match.end() : min(match.end() + 20, block_end)].lstrip()
            if following[:1].islower():
                continue
            add(start, match.end())
            start = match.end()
        add(start, block_end)
    return spans


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=1)
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_GB")


def _vowel_groups(word: str) -> int:
    count = len(re.findall(r"[aeiouy]+", word))
    if count > 1 and (
        (word.endswith("e") and not word.endswith(("le", "ee", "ye")))
        or (word.endswith("ed") and not word.endswith(("ted", "ded")))
        or (word.endswith("es") and not word.endswith(("ses", "zes", "ces", "ges", "ches", "shes")))
    ):
        count -= 1
    return max(1, count)


@lru_cache(maxsize=65536)
def _part_syllables(part: str) -> int:
    pieces = len(_hyphenator().positions(part)) + 1
    return pieces if pieces > 1 else _vowel_groups(part)


def _syllables(word: str) -> int:
    parts = [part for part in re.split(r"[\W\d_]+", word.lower()) if part]
    if not parts:
        return 1  # a number
    if len(parts) > 1:
        parts = [part for part in parts if len(part) > 1] or parts
    return max(1, sum(_part_syllables(part) for part in parts))


def _score(words: list[str], sentences: int) -> float | None:
    if len(words) < MIN_WORDS_FOR_READING_EASE or not sentences:
        return None
    syllables = sum(_syllables(word) for word in words)
    score = 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (syllables / len(words))
    return round(score, 1)


def reading_ease(text: str) -> float | None:
    """Flesch reading ease of Markdown ``text`` (higher is easier), None under 20 words."""
    words: list[str] = []
    sentences = 0
    for start, end in _sentences(text or ""):
        found = _words(text[start:end])
        if found:
            sentences += 1
            words.extend(found)
    return _score(words, sentences)


# --- Money --------------------------------------------------------------------------------

_MONEY_SOURCE = (
    r"(?:(?P<symbol>[£€$])[ \t]?|(?P<code>(?i:GBP|EUR|USD))[ \t]?)?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:[ \t]?(?P<multiplier>(?i:billion|million|thousand|bn|mn|m|k))(?![A-Za-z]))?"
    r"(?:[ \t]?(?P<code_after>(?i:GBP|EUR|USD|pounds|euros|dollars))\b)?"
)
_MONEY = re.compile(_MONEY_SOURCE)
_MULTIPLIERS = {
    "k": Decimal(1000),
    "thousand": Decimal(1000),
    "m": Decimal(1000000),
    "mn": Decimal(1000000),
    "million": Decimal(1000000),
    "bn": Decimal(1000000000),
    "billion": Decimal(1000000000),
}
_CURRENCY_NAMES = {
    "£": "GBP",
    "€": "EUR",
    "$": "USD",
    "pounds": "GBP",
    "euros": "EUR",
    "dollars": "USD",
}


def _money_value(match: re.Match[str]) -> tuple[Decimal, str | None] | None:
    try:
        amount = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:
        return None
    if match["multiplier"]:
        amount *= _MULTIPLIERS[match["multiplier"].lower()]
    named = match["symbol"] or match["code"] or match["code_after"]
    currency = _CURRENCY_NAMES.get(named.lower(), named.upper()) if named else None
    return amount, currency


def _is_money(match: re.Match[str]) -> bool:
    """A bare number only counts as money with a currency, a multiplier or thousands commas."""
    return bool(
        match["symbol"]
        or match["code"]
        or match["code_after"]
        or match["multiplier"]
        or "," in match["number"]
    )


def parse_money(text: str) -> tuple[Decimal, str | None] | None:
    """The first amount of money in ``text`` as (amount, ISO currency or None), or None."""
    for match in _MONEY.finditer(text):
        if _is_money(match):
            return _money_value(match)
    return None


def _format_money(amount: Decimal, currency: str | None) -> str:
    whole = amount == amount.to_integral_value()
    digits = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    code = (currency or "GBP").upper()
    symbol = _CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{digits}" if symbol else f"{code} {digits}"


def _money_after(
    text: str, start: int, end: int
) -> tuple[re.Match[str], Decimal, str | None] | None:
    """The first real amount of money in ``text[start:end]``."""
    for match in _MONEY.finditer(text, start, end):
        if _is_money(match) and (value := _money_value(match)):
            return match, value[0], value[1]
    return None


# --- Helpers shared by the rules ----------------------------------------------------------


class _Spans:
    """Sorted spans, overlapping ones merged, with a quick containing/overlap lookup."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        self.spans = merged
        self.starts = [start for start, _ in merged]

    def containing(self, position: int) -> tuple[int, int] | None:
        index = bisect_right(self.starts, position) - 1
        if index >= 0 and position < self.spans[index][1]:
            return self.spans[index]
        return None

    def overlaps(self, start: int, end: int) -> bool:
        # The spans do not overlap each other, so only the last one starting before ``end``
        # can reach past ``start``.
        index = bisect_right(self.starts, max(start, end - 1)) - 1
        return index >= 0 and self.spans[index][1] > start


# Code, addresses and link targets: not prose, so no brand, jargon or acronym findings there.
_IGNORED = re.compile(
    r"^[ \t]{0,3}(?P<fence>```|~~~)[^\n]*\n.*?(?:^[ \t]{0,3}(?P=fence)[^\n]*$|\Z)"
    r"|`[^`\n]*`|https?://\S+|www\.\S+|\]\([^)\s]*\)"
    r"|(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,5}",
    re.MULTILINE | re.DOTALL,
)
_OR_EQUIVALENT = re.compile(
    r"\bor\s+(?:an?\s+)?(?:equivalent|similar|equal)\b"
    r"|\bequivalents?\b(?:\s+\w+){0,3}\s+(?:is|are|will\s+be)\s+(?:accepted|acceptable|considered|welcome)",
    re.IGNORECASE,
)


class _Text:
    """The text being checked, with its sentences, to find the sentence around an offset."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sentences = _sentences(text)
        self.sentence_index = _Spans(self.sentences)
        self.ignored = _Spans(match.span() for match in _IGNORED.finditer(text))
        self._equivalent: dict[tuple[int, int], bool] = {}

    def sentence_at(self, position: int) -> tuple[int, int]:
        span = self.sentence_index.containing(position)
        if span:
            return span
        line_start = self.text.rfind("\n", 0, position) + 1
        line_end = self.text.find("\n", position)
        return line_start, len(self.text) if line_end < 0 else line_end

    def allows_equivalent(self, position: int) -> bool:
        span = self.sentence_at(position)
        if span not in self._equivalent:
            self._equivalent[span] = bool(_OR_EQUIVALENT.search(self.text, *span))
        return self._equivalent[span]

    def finding(self, rule: str, start: int, end: int, why: str, fix: str) -> Finding:
        return Finding(rule, self.text[start:end], start, end, why, fix)


def _normalise_phrase(phrase: str) -> str:
    return re.sub(r"[\s\-]+", " ", phrase.strip().lower())


def _phrase_pattern(phrase: str) -> str:
    return r"[\s\-]+".join(re.escape(part) for part in re.split(r"[\s\-]+", phrase.strip()))


# --- Brand --------------------------------------------------------------------------------

# Product codes after a brand: "Dell XPS 13", "Lenovo ThinkPad T14", "Microsoft 365 E5".
_MODEL_TAIL = (
    r"(?:(?:[ ](?:[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z]{2,5})){0,2}[ ][A-Z]{0,3}\d{1,5}[A-Za-z]{0,3}"
    r"(?:[ ][A-Z]\d{1,2})?(?![\w%]|\s+(?:years?|months?|weeks?|days?|hours?|per)\b))"
)
_BRAND_CERTIFIED = r"(?:[ -](?i:certified|accredited|approved|trained|qualified)\b)"
# A capitalised compound followed by a code: "PowerEdge R760", "ThinkPad T14", "iPhone 15".
_MODEL = re.compile(
    r"(?<![\w-])(?:[A-Z][a-z]+[A-Z][A-Za-z]*|i[A-Z][a-z]+)[ -]?"
    r"(?P<code>[A-Z]{0,3}\d{1,5}[A-Za-z]{0,3})(?![\w-])"
)
_YEAR = re.compile(r"(?:19|20)\d\d")
# Uses of a brand's name that are not the brand: the housing energy rating, horsepower, food.
_NOT_BRANDS = re.compile(
    r"\bSAP\s+(?:ratings?|scores?|assessments?|calculations?|bands?|\d)"
    r"|\d\s?HP\b"
    r"|\bApples?\s+(?:juice|crumble|pie|sauce|slices?|pieces?|and)\b"
)


@lru_cache(maxsize=16)
def _brand_regex(brands: tuple[str, ...]) -> re.Pattern[str] | None:
    alternatives = []
    for brand in sorted({b.strip() for b in brands if b.strip()}, key=len, reverse=True):
        letters = re.sub(r"[^A-Za-z]", "", brand)
        if letters and letters.isupper() and len(letters) <= 5:
            alternatives.append(_phrase_pattern(brand))
        else:
            rest = _phrase_pattern(brand[1:]) if brand[1:].strip() else ""
            if brand[1:2].isspace():
                rest = r"\s+" + rest
            alternatives.append(re.escape(brand[0]) + (f"(?i:{rest})" if rest else ""))
    if not alternatives:
        return None
    return re.compile(
        rf"(?<![\w-])(?P<brand>{'|'.join(alternatives)})(?!\w)"
        rf"(?P<tail>{_MODEL_TAIL})?(?P<certified>{_BRAND_CERTIFIED})?"
    )


def _brand_spans(doc: _Text, config: LintConfig) -> list[tuple[int, int, bool]]:
    """(start, end, is_model_number) of every brand mention, whatever its sentence says."""
    text = doc.text
    excluded = _Spans(match.span() for match in _NOT_BRANDS.finditer(text))
    spans: list[tuple[int, int, bool]] = []
    regex = _brand_regex(tuple(config.brands))
    if regex:
        for match in regex.finditer(text):
            if not excluded.overlaps(*match.span("brand")):
                spans.append((match.start(), match.end(), False))
    taken = _Spans((start, end) for start, end, _ in spans)
    for match in _MODEL.finditer(text):
        if _YEAR.fullmatch(match["code"]) or taken.overlaps(*match.span()):
            continue
        spans.append((match.start(), match.end(), True))
    return sorted(spans)


def _check_brands(doc: _Text, brand_spans: list[tuple[int, int, bool]]) -> Iterable[Finding]:
    for start, end, is_model in brand_spans:
        if doc.allows_equivalent(start):
            continue
        name = doc.text[start:end]
        if is_model:
            why = (
                f'"{name}" looks like a product model. Naming one product shuts out others that '
                'would do the job as well, and the law allows it only with "or equivalent".'
            )
        else:
            why = (
                f'Naming "{name}" shuts out suppliers of other products that would do the job as '
                "well. A brand may be named only when the need cannot be described otherwise, "
                'and then with "or equivalent".'
            )
        fix = f'Add "or equivalent" after "{name}", or describe the function you need instead.'
        yield doc.finding("brand", start, end, why, fix)


# --- Inputs -------------------------------------------------------------------------------

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|fifty"
)
_MODAL = r"(?:must|shall|(?:is|are|will\s+be)\s+required\s+to)"
_INPUTS = re.compile(
    rf"\b{_MODAL}\s+(?:only\s+)?(?:use|utili[sz]e|employ|deploy)\b"
    rf"|\b(?:must|shall)\s+(?:only\s+)?be\s+(?:built|written|developed|coded|programmed)"
    r"\s+(?:in|with|on|using)\b"
    rf"|\b(?:must|shall)\s+(?:only\s+)?be\s+(?:delivered|carried\s+out|produced|done|hosted)"
    r"\s+(?:using|by\s+using|by\s+means\s+of|on)\b"
    rf"|\b(?:must|shall|will)\s+provide\s+(?:a\s+minimum\s+of\s+|at\s+least\s+"
    rf"|no\s+(?:fewer|less)\s+than\s+|not\s+(?:fewer|less)\s+than\s+)?(?:\d{{1,4}}|{_NUMBER_WORDS})"
    r"\s+(?:(?:full[- ]time|part[- ]time|dedicated|qualified|named|permanent|senior|junior"
    r"|additional|extra|FTE|on[- ]site)\s+){0,3}(?:staff|officers?|FTEs?|people|personnel"
    r"|engineers?|operatives?|workers?|employees?|consultants?|developers?|managers?|posts?)\b"
    r"|\busing\s+(?-i:[A-Z])[\w+#.]*\s+only\b"
    r"|\busing\s+only\b",
    re.IGNORECASE,
)


def _check_inputs(doc: _Text) -> Iterable[Finding]:
    for match in _INPUTS.finditer(doc.text):
        phrase = match.group()
        why = (
            f'"{phrase}" tells suppliers how to do the work instead of what result you need, '
            "which shuts out different and possibly better ways of meeting the need."
        )
        fix = (
            "Describe the outcome you need and how you will measure it, and let suppliers "
            "propose how to achieve it."
        )
        yield doc.finding("inputs", *match.span(), why, fix)


# --- Long sentences and readability -------------------------------------------------------


def _check_long_sentences(doc: _Text, config: LintConfig) -> Iterable[Finding]:
    limit = config.max_sentence_words
    for start, end in doc.sentences:
        count = len(_words(doc.text[start:end]))
        if count > limit:
            why = (
                f"This sentence has {count} words; aim for {limit} or fewer. Long sentences are "
                "hard to follow, especially on a phone or with a screen reader."
            )
            fix = "Split it into shorter sentences, or turn a list of requirements into bullets."
            yield doc.finding("long-sentence", start, end, why, fix)


def _check_readability(doc: _Text, config: LintConfig, score: float | None) -> Iterable[Finding]:
    if score is None or score >= config.reading_ease_target:
        return
    first = next(
        ((start, end) for start, end in doc.sentences if _words(doc.text[start:end])), None
    )
    if first is None:
        return
    start, end = first
    if end - start > 80:
        cut = doc.text.rfind(" ", start, start + 80)
        end = cut if cut > start else start + 80
    why = (
        f"This section scores {score:.0f} on the Flesch reading ease scale, below the target of "
        f"{config.reading_ease_target:.0f}. Long sentences and long words make it hard for "
        "residents and small suppliers to follow."
    )
    fix = (
        "Use shorter sentences (15 to 20 words) and everyday words, and put lists of "
        "requirements in bullets."
    )
    yield doc.finding("readability", start, end, why, fix)


# --- Jargon -------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _jargon_regex(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    alternatives = "|".join(_phrase_pattern(term) for term in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _check_jargon(doc: _Text, config: LintConfig) -> Iterable[Finding]:
    alternatives = {_normalise_phrase(term): text for term, text in config.jargon.items()}
    regex = _jargon_regex(tuple(sorted(alternatives)))
    if regex is None:
        return
    for match in regex.finditer(doc.text):
        phrase = match.group()
        alternative = alternatives.get(_normalise_phrase(phrase), "")
        why = (
            f'"{phrase}" is jargon. It can hide what you mean, and is hard for residents, small '
            "suppliers and people whose first language is not English."
        )
        if alternative:
            fix = f'Say "{alternative}" instead of "{phrase}".'
        else:
            fix = f'Say plainly what you mean instead of "{phrase}".'
        yield doc.finding("jargon", *match.span(), why, fix)


# --- Acronyms -----------------------------------------------------------------------------

_ACRONYM = re.compile(r"(?<![\w&/.])(?P<letters>[A-Z]{2,6})s?(?![\w&/]|-\d)")
_ROMAN = re.compile(r"L?X{0,3}(?:IX|IV|V?I{0,3})")
_STANDARD_NUMBER = re.compile(r"(?:\s+[A-Z]{2,6}){0,3}\s+(?:\d{3,}|\d+[.:]\d)")
_AFTER_NUMBER = re.compile(r"\d[ \t]?$")
_LABEL_BEFORE = re.compile(
    r"\b(?:level|grade|class|band|rating|category|type|phase|part|lot|annex|appendix|schedule"
    r"|section|table|zone|tier|stage|size|option|route|block|unit|form)\s+$",
    re.IGNORECASE,
)
_DEFINED_AFTER = re.compile(r"\(\s*(?:[A-Z]{2,6}s?\s+)?(?P<letters>[A-Z]{2,6})s?\s*\)")
_DEFINED_BEFORE = re.compile(
    r"(?<![\w&/.])(?P<letters>[A-Z]{2,6})s?\s*\((?P<long>[^()\n]{3,120})\)"
)
_GLOSSARY = re.compile(
    r"^[ \t]*(?:[-*|][ \t]*)?(?:\*\*)?(?P<letters>[A-Z]{2,6})s?(?:\*\*)?[ \t]*"
    r"(?:[:|=–—-]|\bmeans\b|\bstands\s+for\b)[ \t]*(?:\*\*)?(?P<long>[^\n|]{3,120})",
    re.MULTILINE,
)
# Words a long form may leave out of its acronym ("Department for Education", "DfE").
_SMALL_WORDS = frozenset(
    {"and", "of", "for", "the", "in", "on", "to", "a", "an", "by", "with", "at", "or", "&"}
)


def _long_form_tokens(text: str) -> list[tuple[str, bool]]:
    """Words of a candidate long form as (lowercase word, may be skipped)."""
    tokens: list[tuple[str, bool]] = []
    for chunk in re.findall(r"[A-Za-z][A-Za-z'’-]*|&", text):
        parts = [part for part in chunk.split("-") if part]
        for index, part in enumerate(parts):
            word = part.lower()
            tokens.append((word, index > 0 or word in _SMALL_WORDS))
    return tokens


def _spells_out(letters: str, tokens: list[tuple[str, bool]], *, to_end: bool) -> bool:
    """Whether ``tokens`` (from their start) spell ``letters``: each word gives its initial and
    possibly more letters from inside it ("television" -> "TV"); small words and the later parts
    of hyphenated words may be skipped. With ``to_end`` every token must be used or skipped."""
    letters = letters.lower()
    memo: dict[tuple[int, int], bool] = {}

    def match(i: int, j: int) -> bool:
        if i == len(letters):
            return not to_end or all(skippable for _, skippable in tokens[j:])
        if j == len(tokens):
            return False
        if (i, j) in memo:
            return memo[(i, j)]
        word, skippable = tokens[j]
        result = skippable and match(i, j + 1)
        if not result and word[0] == letters[i]:
            taken, position = i + 1, 1
            result = match(taken, j + 1)
            while not result and taken < len(letters) and taken - i < 3:
                position = word.find(letters[taken], position) + 1
                if position <= 0:
                    break
                taken += 1
                result = match(taken, j + 1)
        memo[(i, j)] = result
        return result

    return bool(tokens) and match(0, 0)


def _defined_acronyms(text: str) -> set[str]:
    """Acronyms spelled out in ``text``: "Long Form (ACR)", "ACR (long form)", "ACR: long form"."""
    found: set[str] = set()
    for match in _DEFINED_AFTER.finditer(text):
        letters = match["letters"]
        window = text[max(0, match.start() - 200) : match.start()]
        window = re.split(r"[.!?;:\n(]", window)[-1]
        tokens = _long_form_tokens(window)[-(len(letters) * 2 + 4) :]
        for first in range(len(tokens)):
            if tokens[first][0][0] == letters[0].lower() and _spells_out(
                letters, tokens[first:], to_end=True
            ):
                found.add(letters)
                break
    for regex in (_DEFINED_BEFORE, _GLOSSARY):
        for match in regex.finditer(text):
            tokens = _long_form_tokens(match["long"])
            while tokens and tokens[0][0] in {"the", "a", "an"}:
                tokens = tokens[1:]
            if _spells_out(match["letters"], tokens, to_end=False):
                found.add(match["letters"])
    return found


def _shouted(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    upper = sum(1 for char in letters if char.isupper())
    return len(_words(text)) >= 3 and upper > 0.6 * len(letters)


def _acronym_uses(
    doc: _Text, config: LintConfig, brand_spans: list[tuple[int, int, bool]]
) -> Iterable[tuple[int, int, str]]:
    """(start, end, letters) of each acronym that needs spelling out, in order of appearance."""
    text = doc.text
    brands = _Spans((start, end) for start, end, _ in brand_spans)
    brand_names = {brand.strip() for brand in config.brands}
    shouted: dict[tuple[int, int], bool] = {}
    for match in _ACRONYM.finditer(text):
        letters = match["letters"]
        start, end = match.span()
        if (
            letters in KNOWN_ACRONYMS
            or letters in _SHOUTED_WORDS
            or letters in brand_names
            or _ROMAN.fullmatch(letters)
            or brands.overlaps(start, end)
            or doc.ignored.overlaps(start, end)
            or _STANDARD_NUMBER.match(text, end)
            or _AFTER_NUMBER.search(text, max(0, start - 2), start)
            or _LABEL_BEFORE.search(text[max(0, start - 20) : start])
        ):
            continue
        sentence = doc.sentence_at(start)
        if sentence not in shouted:
            shouted[sentence] = _shouted(text[sentence[0] : sentence[1]])
        if shouted[sentence]:
            continue
        yield start, end, letters


def _check_acronyms(
    doc: _Text,
    config: LintConfig,
    brand_spans: list[tuple[int, int, bool]],
    defined: set[str],
    seen: set[str],
) -> Iterable[Finding]:
    for start, end, letters in _acronym_uses(doc, config, brand_spans):
        if letters in seen:
            continue
        seen.add(letters)
        if letters in defined:
            continue
        name = doc.text[start:end]
        why = (
            f'"{name}" is not spelled out anywhere in the specification. Not every reader, '
            "including residents and small suppliers, will know what it means."
        )
        fix = f'Write it out in full the first time it is used, with "{letters}" in brackets.'
        yield doc.finding("acronym", start, end, why, fix)


# --- Turnover -----------------------------------------------------------------------------

_TURNOVER = re.compile(
    r"(?:\b(?:minimum|min\.?)\s+)?(?:\b(?:annual|yearly|average)\s+)?\bturnovers?\b",
    re.IGNORECASE,
)
_TURNOVER_CEILING = re.compile(
    r"\b(?:below|under|less\s+than|up\s+to|maximum|max|no\s+more\s+than|not\s+more\s+than"
    r"|lower\s+than|not\s+exceed(?:ing)?|does\s+not\s+exceed)\b",
    re.IGNORECASE,
)
_DEMAND = re.compile(
    r"\b(?:must|shall|should|required?|requires|need|needs|minimum|min|at\s+least"
    r"|no\s+less\s+than|not\s+less\s+than|exceed(?:s|ing)?|in\s+excess\s+of|more\s+than"
    r"|expect(?:s|ed)?|ask(?:s|ed)?|request(?:s|ed)?|demonstrate|evidence|mandatory|essential"
    r"|excluded)\b",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(rf"(?:{_MONEY_SOURCE})[ \t]+(?:of[ \t]+)?$")


def _demands(doc: _Text, position: int) -> bool:
    """Whether the sentence around ``position`` asks something of suppliers (rather than, say,
    describing the buyer's own insurance or history)."""
    return bool(_DEMAND.search(doc.text, *doc.sentence_at(position)))


def _comparable(currency: str | None, config: LintConfig) -> bool:
    return currency is None or currency == config.currency.upper()


def _check_turnover(doc: _Text, config: LintConfig) -> Iterable[Finding]:
    text = doc.text
    for keyword in _TURNOVER.finditer(text):
        sentence_start, sentence_end = doc.sentence_at(keyword.start())
        found = _money_after(text, keyword.end(), min(sentence_end, keyword.end() + 100))
        if found:
            money, amount, currency = found
            start, end = keyword.start(), money.end()
            between = text[keyword.end() : money.start()]
        else:
            before = _MONEY_BEFORE.search(
                text, max(sentence_start, keyword.start() - 40), keyword.start()
            )
            if not before or not _is_money(before) or not (parsed := _money_value(before)):
                continue
            amount, currency = parsed
            start, end, between = before.start(), keyword.end(), ""
        lead = text[max(sentence_start, start - 25) : start]
        if _TURNOVER_CEILING.search(between) or _TURNOVER_CEILING.search(lead):
            continue
        if not _demands(doc, keyword.start()):
            continue
        demanded = _format_money(amount, currency or config.currency)
        value = config.contract_value
        if value is not None and _comparable(currency, config):
            ceiling = value * 2
            if amount <= ceiling:
                continue
            why = (
                f"The turnover demanded ({demanded}) is more than twice the contract value "
                f"({_format_money(value, config.currency)}). Guidance is to ask for no more than "
                "twice the value, so small and growing firms that could do the work can bid."
            )
            fix = (
                f"Lower the minimum turnover to {_format_money(ceiling, config.currency)} or less, "
                "or drop it and check financial standing another way."
            )
        else:
            unchecked = (
                "The specification states no contract value"
                if value is None
                else f"The amount is not in {config.currency.upper()}, the specification's currency"
            )
            why = (
                f"A minimum turnover ({demanded}) shuts out small firms, and guidance is to ask "
                f"for no more than twice the contract value. {unchecked}, so this demand cannot "
                "be checked."
            )
            fix = (
                "State the contract value and keep the turnover demand at or below twice it, "
                "or drop the demand."
            )
        yield doc.finding("turnover", start, end, why, fix)


# --- Years of trading ---------------------------------------------------------------------

_YEARS_NUMBER = rf"(?:\d{{1,3}}|{_NUMBER_WORDS})"
_AT_LEAST = (
    r"(?:at\s+least|a\s+minimum\s+of|minimum\s+of|minimum|no\s+less\s+than|not\s+less\s+than"
    r"|no\s+fewer\s+than|more\s+than|over)"
)
_TRADING_NOUN = (
    r"(?:trading(?:\s+history)?|in\s+business|business\s+history|(?:audited|filed|published"
    r"|company|financial)\s+accounts|accounts)"
)
_YEARS_TRADING = re.compile(
    rf"\b(?:{_AT_LEAST}\s+)?{_YEARS_NUMBER}\s+years?['’]?\s+(?:of\s+)?"
    rf"(?:(?:continuous|proven|successful|consecutive)\s+)?{_TRADING_NOUN}\b"
    rf"|\b(?:trading|in\s+business|established|trading\s+history\s+of)\s+(?:for\s+)?"
    rf"(?:{_AT_LEAST}\s+)?{_YEARS_NUMBER}\s+years?\b",
    re.IGNORECASE,
)
_NUMBER_VALUES = dict(zip(_NUMBER_WORDS.split("|"), (*range(1, 13), 15, 20, 30, 50), strict=True))
_NUMBER_IN = re.compile(rf"\b{_YEARS_NUMBER}\b", re.IGNORECASE)


def _check_years_trading(doc: _Text) -> Iterable[Finding]:
    for match in _YEARS_TRADING.finditer(doc.text):
        number = _NUMBER_IN.search(match.group())
        if not number or not _demands(doc, match.start()):
            continue
        word = number.group().lower()
        years = int(word) if word.isdigit() else _NUMBER_VALUES.get(word, 0)
        if years < 1:
            continue
        plural = "year" if years == 1 else "years"
        why = (
            f"Asking for {years} {plural} of trading history shuts out new and small firms "
            "that could do the work well."
        )
        fix = (
            "Ask for evidence that the supplier can deliver instead, such as references, case "
            "studies or a short pilot."
        )
        yield doc.finding("years-trading", *match.span(), why, fix)


# --- Insurance ----------------------------------------------------------------------------

_INSURANCE_KIND = re.compile(
    r"\b(?P<kind>professional\s+indemnity|(?:public|employer['’]?s['’]?|products?|third[- ]party)"
    r"\s+liability)\b(?:\s+(?:insurance|cover))?",
    re.IGNORECASE,
)
_INSURANCE_ANY = re.compile(r"\binsurance\b(?:\s+cover\b)?", re.IGNORECASE)


def _check_insurance(doc: _Text, config: LintConfig) -> Iterable[Finding]:
    text = doc.text
    limit = config.insurance_limit
    if config.contract_value is not None:
        limit = max(limit, config.contract_value * 2)
    used: set[tuple[int, int]] = set()
    specific_sentences = {
        doc.sentence_at(match.start()) for match in _INSURANCE_KIND.finditer(text)
    }
    keywords = [(match, match["kind"]) for match in _INSURANCE_KIND.finditer(text)]
    keywords += [
        (match, "insurance")
        for match in _INSURANCE_ANY.finditer(text)
        if doc.sentence_at(match.start()) not in specific_sentences
    ]
    for keyword, kind in sorted(keywords, key=lambda item: item[0].start()):
        sentence_start, sentence_end = doc.sentence_at(keyword.start())
        found = _money_after(text, keyword.end(), min(sentence_end, keyword.end() + 100))
        if found:
            money, amount, currency = found
            start, end = keyword.start(), money.end()
        else:
            before = _MONEY_BEFORE.search(
                text, max(sentence_start, keyword.start() - 40), keyword.start()
            )
            if not before or not _is_money(before) or not (parsed := _money_value(before)):
                continue
            money, (amount, currency) = before, parsed
            start, end = before.start(), keyword.end()
        if money.span() in used:
            continue
        used.add(money.span())
        if not _comparable(currency, config) or amount <= limit or not _demands(doc, start):
            continue
        kind_text = re.sub(r"\s+", " ", kind.lower())
        cover = "insurance" if kind_text == "insurance" else f"{kind_text} insurance"
        shown_limit = _format_money(limit, config.currency)
        why = (
            f"Asking for {cover} of {_format_money(amount, currency or config.currency)} is more "
            f"than this contract is likely to need (over {shown_limit}) and more than many small "
            "suppliers hold. Cover should match the real risk of the work."
        )
        fix = (
            f"Ask for cover that matches the risk (up to {shown_limit}), or ask the winner to "
            "obtain it before the contract starts instead of at bidding."
        )
        yield doc.finding("insurance", start, end, why, fix)


# --- Accreditation ------------------------------------------------------------------------

_SCHEMES = (
    r"ISO(?:/IEC)?\s?\d{4,5}(?:[-:]\d+)*|Cyber\s+Essentials(?:\s+Plus)?|PRINCE2|ITIL|MSP|CHAS"
    r"|Safe\s?Contractor|Constructionline(?:\s+(?:Silver|Gold|Platinum))?|SMAS|Achilles|UKAS"
    r"|BS\s?(?:EN\s?)?(?:ISO\s?)?\d{3,5}|Investors\s+in\s+People|TrustMark|PAS\s?\d{3,4}|SSIP"
    r"|NICEIC|NAPIT|FORS(?:\s+(?:Bronze|Silver|Gold))?|Food\s+for\s+Life|Red\s+Tractor"
    r"|Fairtrade|Soil\s+Association"
)
_SCHEME_SUFFIX = (
    r"(?:\s+(?:Practitioner|Foundation|Silver|Gold|Platinum|Bronze))?"
    r"(?:\s+(?:certification|accreditation|certificate|certified|accredited|registration))?"
)
_ACCREDITATION = re.compile(
    rf"\b(?:must|shall|(?:is|are|will\s+be)\s+required\s+to|needs?\s+to)\s+(?:already\s+)?"
    rf"(?:hold|have|possess|obtain|maintain|achieve|be\s+(?:fully\s+)?(?:certified|accredited"
    rf"|registered|members?))\b[^.!?\n]{{0,100}}?\b(?:(?:{_SCHEMES}){_SCHEME_SUFFIX}"
    rf"|accreditation|certification|accredited|certified\s+to)\b"
    rf"|\b(?:must|shall|(?:is|are|will\s+be)\s+required\s+to)\s+be\s+(?:fully\s+)?"
    rf"(?:certified|accredited)\b"
    rf"|\b(?:{_SCHEMES})(?:\s+(?:certification|accreditation|certificate|registration|status))?"
    rf"\s+(?:is|are)\s+(?:mandatory|required|essential|compulsory"
    rf"|a\s+(?:mandatory\s+|minimum\s+)?requirement)\b",
    re.IGNORECASE,
)
_SCHEME = re.compile(_SCHEMES, re.IGNORECASE)
# Registrations the law requires for some work (gas, regulated care, schools, security, waste);
# asking for them is not a fairness problem.
_LEGAL_REGISTRATIONS = re.compile(
    r"\b(?:Gas\s+Safe|CQC|Care\s+Quality\s+Commission|Ofsted|SIA|DBS|HCPC|NMC|GMC|Ofqual|FCA"
    r"|waste\s+carrier|driving\s+licen[cs]e|operator['’]?s\s+licen[cs]e)\b",
    re.IGNORECASE,
)


def _check_accreditation(doc: _Text) -> Iterable[Finding]:
    text = doc.text
    for match in _ACCREDITATION.finditer(text):
        start, end = match.span()
        if doc.allows_equivalent(start):
            continue
        scheme = _SCHEME.search(match.group())
        # A named scheme is never a legal duty; a general "must be accredited" may be one.
        if not scheme and _LEGAL_REGISTRATIONS.search(text, *doc.sentence_at(start)):
            continue
        name = re.sub(r"\s+", " ", scheme.group()) if scheme else "this accreditation"
        why = (
            f"Making {name} mandatory costs small suppliers time and money, and shuts out firms "
            "that meet the same standard another way."
        )
        fix = (
            f'Accept "{name} or equivalent" evidence, or explain why the outcome needs it.'
            if scheme
            else "Accept equivalent evidence, or explain why the outcome needs this accreditation."
        )
        yield doc.finding("accreditation", start, end, why, fix)


# --- Entry points -------------------------------------------------------------------------


# Rules judged on whole sentences, which may contain an address or a bit of code.
_SENTENCE_RULES = frozenset({"long-sentence", "readability"})


def _lint(
    text: str, config: LintConfig, defined: set[str], seen: set[str]
) -> tuple[list[Finding], float | None, int]:
    """Findings, reading ease and word count of ``text``; adds its acronyms to ``seen``."""
    doc = _Text(text)
    counted = [_words(text[start:end]) for start, end in doc.sentences]
    words = [word for found in counted for word in found]
    score = _score(words, sum(1 for found in counted if found))
    brand_spans = _brand_spans(doc, config)
    defined = {acronym.upper() for acronym in defined} | _defined_acronyms(text)
    findings: set[Finding] = set()
    for found in (
        _check_brands(doc, brand_spans),
        _check_inputs(doc),
        _check_long_sentences(doc, config),
        _check_readability(doc, config, score),
        _check_jargon(doc, config),
        _check_acronyms(doc, config, brand_spans, defined, seen),
        _check_turnover(doc, config),
        _check_years_trading(doc),
        _check_insurance(doc, config),
        _check_accreditation(doc),
    ):
        findings.update(
            finding
            for finding in found
            if finding.rule in _SENTENCE_RULES
            or not doc.ignored.overlaps(finding.start, finding.end)
        )
    ordered = sorted(findings, key=lambda f: (f.start, f.end, f.rule, f.why, f.fix))
    return ordered, score, len(words)


def lint_text(
    text: str, config: LintConfig, *, defined_acronyms: set[str] | None = None
) -> list[Finding]:
    """Findings for one Markdown text, sorted by start offset. ``defined_acronyms`` are treated
    as spelled out elsewhere (in another section)."""
    if not text or not text.strip():
        return []
    findings, _, _ = _lint(text, config, set(defined_acronyms or ()), set())
    return findings


def lint_sections(
    sections: Sequence[tuple[str, str, str]], config: LintConfig
) -> list[SectionReport]:
    """One report per (key, heading, body) section, in order. An acronym spelled out in any
    section counts as spelled out everywhere; one that is not is flagged only at its first use
    in the whole specification."""
    defined: set[str] = set()
    for _, heading, body in sections:
        defined |= _defined_acronyms(f"{heading}\n\n{body}")
    seen: set[str] = set()
    reports = []
    for key, _, body in sections:
        if body and body.strip():
            findings, score, words = _lint(body, config, defined, seen)
        else:
            findings, score, words = [], None, 0
        reports.append(SectionReport(key=key, findings=findings, reading_ease=score, words=words))
    return reports
