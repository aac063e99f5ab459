"""Blind scoring: hide who wrote a response before evaluators read it.

Two steps, both pure Python (no models, no network):

- :func:`identifying_strings` turns an organisation's profile (name, slug, website, people and any
  extra strings the buyer adds, such as product or brand names) into every string that could
  identify it, longest first.
- :func:`blind` replaces each of those strings in a response with a placeholder.

How :func:`blind` matches:

- Case-insensitively, on word boundaries. Where a string starts (or ends) with a letter, digit
  or combining mark, no letter or digit may come before (or after) it; and no match starts or
  ends next to a combining mark, which belongs to the letter before it (a decomposed "Café" is
  one word). So "Northgate" is left alone in "Northgateway" and "Northgate2", but caught in
  "Northgate's", "NORTHGATE'S" (with a curly apostrophe too), "#Northgate" and
  "northgate_report.pdf" ("_" is not a letter).
- Whitespace inside a multi-word string matches any run of whitespace, hyphens or underscores,
  so a name split across a line break, or written "Northgate-Systems", is still caught. A
  straight apostrophe matches a curly one and the other way round.
- Each string is also tried in its composed and decomposed Unicode forms, and a multi-word
  string also glued together ("NorthgateSystems").
- An email address, web address or bare domain ("northgatesystems.co.uk") that contains an
  identifying string, or contains one glued together (at least 4 letters or digits, so
  "info@northgatesystems.com" is caught by "Northgate"), is replaced as a whole.
- Longer strings win over shorter ones at the same place, so "Northgate Systems plc" becomes one
  placeholder, not "[the supplier] Systems plc".
- Text that already holds the placeholder is not blinded again inside it, and the result is a
  fixed point, so blinding is idempotent.

Known limits: a logo or any other image cannot be blinded by replacing text; attachments must be
handled before their text reaches this module. Identity given away indirectly (a named previous
client, a distinctive office address, a case study everyone knows, a phone number, a name
misspelt or abbreviated) is not caught unless the buyer adds it to ``extra``. Combining marks
outside the Basic Multilingual Plane count as punctuation at word boundaries. Case-insensitive
matching uses Python's simple case folding, so "STRASSE" does not match "Straße". A surname that
is also a common word ("Green") is blinded wherever the word appears.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

PLACEHOLDER = "[the supplier]"

# Words too common to identify an organisation on their own: a name's distinctive words leave
# these out, and a name, slug or domain label that is only one of them is not blinded by itself
# (the full name still is). Compared without accents and case.
GENERIC_WORDS = frozenset(
    {
        # Kinds of organisation and of work.
        "agency", "associates", "association", "business", "care", "centre", "charity",
        "collective", "communications", "community", "company", "consultancy", "consultants",
        "co-operative", "cooperative",
        "consulting", "construction", "council", "design", "digital", "education",
        "engineering", "enterprise", "enterprises", "foundation", "group", "health",
        "healthcare", "holdings", "housing", "industries", "innovation", "international",
        "logistics", "management", "media", "mobility", "network", "networks", "partners",
        "partnership", "people", "projects", "research", "resources", "security", "service",
        "services", "social", "society", "software", "solution", "solutions", "studio",
        "supplies", "support", "system", "systems", "technologies", "technology", "training",
        "transport", "trust", "works",
        # Places and public bodies.
        "borough", "british", "city", "county", "district", "east", "england", "global",
        "local", "london", "national", "north", "northern", "parish", "public", "scotland",
        "south", "southern", "united", "wales", "west", "western",
        # Everyday words a short name could be ("IT Ltd" must not blind every "it").
        "a", "all", "an", "and", "any", "are", "as", "at", "be", "by", "can", "do", "for",
        "from", "go", "i", "if", "in", "is", "it", "me", "my", "new", "no", "now", "of", "on",
        "one", "or", "our", "so", "the", "to", "up", "us", "way", "we", "with", "you", "your",
        "cafe", "green", "home", "homes", "open", "plus", "team",
    }
)  # fmt: skip

# Legal forms dropped from the end of a name, and "The" from its start.
_LEGAL_FORM = re.compile(
    r"[\s,]+(?:ltd|limited|plc|llp|lp|llc|inc|incorporated|corp|corporation|gmbh|cic|c\.i\.c"
    r"|cio|community\s+interest\s+company|cyf|cyfyngedig|co-?operative|cooperative|co-?op"
    r"|[&+]\s*co|and\s+co|co)\.?$",
    re.IGNORECASE,
)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)$")
_TITLES = re.compile(
    r"^(?:dr|mr|mrs|ms|miss|mx|prof|professor|sir|dame|lord|lady|rev|revd|cllr)\.?\s+",
    re.IGNORECASE,
)
_POSTNOMINALS = frozenset(
    {
        "obe", "mbe", "cbe", "kbe", "dbe", "phd", "mba", "msc", "bsc", "ma", "ba", "meng",
        "beng", "fca", "aca", "acca", "cima", "frsa", "fcipd", "mcipd", "dl", "jp", "kc", "qc",
        "mp", "rn", "jr", "sr", "jnr", "snr", "ii", "iii",
    }
)  # fmt: skip

# Public suffixes with two labels, so "northgate.co.uk" yields "northgate", not "co".
_TWO_LABEL_SUFFIXES = frozenset(
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "nhs.uk", "ltd.uk", "plc.uk", "me.uk", "net.uk",
        "sch.uk", "police.uk", "mod.uk", "com.au", "net.au", "org.au", "co.nz", "org.nz",
        "co.za", "com.br", "co.jp", "co.in", "com.sg",
    }
)  # fmt: skip
# Hosts shared by many organisations: only a subdomain of one of these identifies anyone.
_SHARED_HOSTS = frozenset(
    {
        "wordpress.com", "blogspot.com", "wixsite.com", "squarespace.com", "github.io",
        "google.com", "facebook.com", "linkedin.com", "twitter.com", "x.com", "instagram.com",
        "youtube.com", "medium.com", "substack.com", "weebly.com", "jimdo.com", "godaddysites.com",
        "netlify.app", "herokuapp.com", "sharepoint.com", "notion.site", "eventbrite.co.uk",
    }
)  # fmt: skip

_MIN_WORD_LETTERS = 4
_MIN_GLUED_LENGTH = 4


def _combining_mark_class() -> str:
    """A regex class of the combining marks (Unicode category M) in the Basic Multilingual Plane.

    Marks outside it (historic scripts, musical notation) are left out: a class reaching past
    U+FFFF makes every match several times slower.
    """
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    body = "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges
    )
    return f"[{body}]"


# Word boundaries. A letter or digit ("_" is not one), and a combining mark, which belongs to the
# letter before it (so a decomposed "Café" is one word).
LETTER_OR_DIGIT = r"[^\W_]"
COMBINING_MARK = _combining_mark_class()
_WORD_CHAR = rf"(?:{LETTER_OR_DIGIT}|{COMBINING_MARK})"
_IS_WORD_CHAR = re.compile(_WORD_CHAR)
_WORD = re.compile(rf"{_WORD_CHAR}+(?:['’\-]{_WORD_CHAR}+)*")
_ALNUM = re.compile(LETTER_OR_DIGIT)
_APOSTROPHES = "'’‘"
_SEPARATOR = r"[\s\-‐‑‒–—_]+"

_TLDS = (
    "com|org|net|uk|io|co|info|biz|eu|ie|scot|wales|cymru|london|dev|app|tech|ai|gov|edu"
    "|online|site|digital|me|us|de|fr|nl|au|nz|ca|coop|charity|ngo"
)
_URL_TAIL = r"""[^\s<>"'`]{0,2000}"""
_ADDRESS = re.compile(
    rf"""
    (?<![\w.+\-])[\w.+\-]{{1,64}}@[\w\-]{{1,63}}(?:\.[\w\-]{{1,63}}){{1,8}}     # email
    | (?<![\w/])(?:[a-z][a-z0-9+.\-]{{1,15}}://|www\.){_URL_TAIL}                # web address
    | (?<![\w.\-@/])[\w\-]{{1,63}}(?:\.[\w\-]{{1,63}}){{0,6}}\.(?:{_TLDS})          # bare domain
      (?![\w\-]|\.\w)(?:/{_URL_TAIL})?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\"’”"


# --- Identifying strings ------------------------------------------------------------------


def identifying_strings(
    *,
    name: str,
    slug: str = "",
    website: str = "",
    people: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> list[str]:
    """Every string that could identify the organisation in a response, longest first.

    The full name; the name without legal forms ("Ltd", "plc", "CIC", "Co-operative", "The ...")
    or a trailing "(UK)"; its distinctive words (4 letters or more, not in
    :data:`GENERIC_WORDS`); the slug, also with spaces for hyphens; the website's host without
    "www.", its registrable domain and that domain's first label; each person's name with and
    without a title, and their surname when it has 4 letters or more; and ``extra`` as given.
    Duplicates are dropped case-insensitively; strings without a letter or digit are dropped.
    """
    found: list[str] = []
    full_name = _collapse(name)
    found.append(full_name)
    for core in _name_cores(full_name):
        found.extend(_generic_filtered([core]))
        found.extend(_generic_filtered(_distinctive_words(core)))
    found.extend(_ampersand_variants(found[:]))
    slug = _collapse(slug)
    found.extend(_generic_filtered([slug, _collapse(re.sub(r"[-_]+", " ", slug))]))
    found.extend(_generic_filtered(_website_strings(website)))
    for person in people:
        found.extend(_person_strings(person))
    found.extend(_collapse(text) for text in extra)
    return _longest_first(found)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _fold(text: str) -> str:
    """Casefolded, without accents: how :data:`GENERIC_WORDS` are compared."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _generic_filtered(candidates: Iterable[str]) -> list[str]:
    return [text for text in candidates if _fold(text) not in GENERIC_WORDS]


def _name_cores(full_name: str) -> list[str]:
    """The name without legal forms, and that without a trailing parenthesis such as "(UK)"."""
    core = full_name
    while True:
        shorter = _LEADING_THE.sub("", _LEGAL_FORM.sub("", core).strip(" ,"))
        if shorter == core or not shorter:
            break
        core = shorter
    cores = [core]
    without_parenthesis = _TRAILING_PARENTHESIS.sub("", core)
    if without_parenthesis and without_parenthesis != core:
        cores.append(without_parenthesis)
    return cores


def _letters(word: str) -> int:
    return sum(char.isalpha() for char in word)


def _distinctive_words(text: str) -> list[str]:
    """Words of 4 letters or more, and the parts of hyphenated or apostrophised words."""
    words: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group()
        words.append(word)
        parts = re.split(r"['’\-]", word)
        if len(parts) > 1:
            words.extend(parts)
    return [word for word in words if _letters(word) >= _MIN_WORD_LETTERS]


def _ampersand_variants(texts: Iterable[str]) -> list[str]:
    variants = []
    for text in texts:
        if re.search(r"\s&\s", text):
            variants.append(re.sub(r"\s&\s", " and ", text))
        if re.search(r"\sand\s", text, re.IGNORECASE):
            variants.append(re.sub(r"\sand\s", " & ", text, flags=re.IGNORECASE))
    return variants


def _website_strings(website: str) -> list[str]:
    """The host without "www.", its registrable domain, and that domain's first label."""
    website = website.strip()
    if not website:
        return []
    try:
        host = urlsplit(website if "//" in website else f"//{website}").hostname or ""
    except ValueError:
        return []
    host = host.rstrip(".")
    host = host.removeprefix("www.")
    labels = [label for label in host.split(".") if label]
    if not labels or all(label.isdigit() for label in labels):
        return []
    suffix_length = 2 if len(labels) >= 3 and ".".join(labels[-2:]) in _TWO_LABEL_SUFFIXES else 1
    if len(labels) <= suffix_length:
        return [host]
    registrable = ".".join(labels[-suffix_length - 1 :])
    label = labels[-suffix_length - 1]
    if registrable in _SHARED_HOSTS:
        if len(labels) <= suffix_length + 1:
            return []  # facebook.com/northgate: the host identifies nobody.
        label = labels[-suffix_length - 2]
        registrable = host
    return [host, registrable, label, _collapse(re.sub(r"[-_]+", " ", label))]


def _person_strings(person: str) -> list[str]:
    full = _collapse(person)
    bare = _TITLES.sub("", full)
    words = bare.split()
    while len(words) > 1 and words[-1].strip(".,").casefold() in _POSTNOMINALS:
        words.pop()
    bare = " ".join(words).strip(" ,")
    strings = [full, bare]
    surnames = _WORD.findall(bare)
    if surnames and _letters(surnames[-1]) >= _MIN_WORD_LETTERS:
        strings.append(surnames[-1])
    return strings


def _longest_first(candidates: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for text in candidates:
        key = _collapse(text).casefold()
        if key and key not in seen and _ALNUM.search(text):
            seen.add(key)
            unique.append(text)
    return sorted(unique, key=len, reverse=True)


# --- Blinding -----------------------------------------------------------------------------


class _Matcher(NamedTuple):
    names: re.Pattern[str]  # every variant, on word boundaries
    glued: re.Pattern[str] | None  # letters and digits only, anywhere inside an address


def blind(text: str, strings: Sequence[str], placeholder: str = PLACEHOLDER) -> str:
    """Replace every identifying string in ``text`` with ``placeholder``.

    See the module documentation for how strings are matched. Empty strings, and strings without
    a letter or digit, are ignored. Blinding is idempotent and never raises on ``str`` input.
    """
    matcher = _matcher(tuple(strings))
    if matcher is None or not text:
        return text
    # One pass almost always reaches the fixed point; more passes only handle contrived input
    # where a replacement makes a new match. Every changing pass turns at least one character
    # outside placeholders into a placeholder, so this ends.
    for _ in range(len(text) + 1):
        blinded = _blind_once(text, matcher, placeholder)
        if blinded == text:
            break
        text = blinded
    return text


def _blind_once(text: str, matcher: _Matcher, placeholder: str) -> str:
    if not placeholder:
        return _blind_piece(text, matcher, placeholder)
    # Placeholders already in the text are kept whole: nothing matches inside or across them.
    return placeholder.join(
        _blind_piece(piece, matcher, placeholder) for piece in text.split(placeholder)
    )


def _blind_piece(piece: str, matcher: _Matcher, placeholder: str) -> str:
    names = [match.span() for match in matcher.names.finditer(piece)]  # sorted, disjoint
    spans = list(names)
    if names or matcher.glued is not None:
        name_starts, name_ends = [a for a, _ in names], [b for _, b in names]
        for address in _ADDRESS.finditer(piece):
            start, end = address.start(), _trim_punctuation(piece, address)
            first, last = bisect_right(name_ends, start), bisect_left(name_starts, end)
            if first < last:
                # The whole address goes, with any identifying string that runs past its ends.
                spans.append((min(start, names[first][0]), max(end, names[last - 1][1])))
            elif matcher.glued is not None and matcher.glued.search(piece, start, end):
                spans.append((start, end))
    if not spans:
        return piece
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    parts, position = [], 0
    for start, end in merged:
        parts += [piece[position:start], placeholder]
        position = end
    parts.append(piece[position:])
    return "".join(parts)


def _trim_punctuation(text: str, address: re.Match[str]) -> int:
    """The end of an address without the sentence's punctuation ("see www.x.com.")."""
    end = address.end()
    while end > address.start() + 1 and text[end - 1] in _TRAILING_PUNCTUATION:
        end -= 1
    return end


@lru_cache(maxsize=64)
def _matcher(strings: tuple[str, ...]) -> _Matcher | None:
    variants: dict[str, tuple[int, str]] = {}  # lowercased pattern -> (text length, pattern)
    glued: dict[str, str] = {}
    for text in strings:
        if not isinstance(text, str) or not _ALNUM.search(text):
            continue
        for form in (text, unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)):
            words = form.split()
            squashed = "".join(_ALNUM.findall(form))
            candidates = [words, [squashed]] if len(words) > 1 else [words]
            for candidate in candidates:
                pattern = _bounded(candidate)
                variants.setdefault(pattern.lower(), (len(" ".join(candidate)), pattern))
            if len(squashed) >= _MIN_GLUED_LENGTH:
                glued.setdefault(squashed.lower(), re.escape(squashed))
    if not variants:
        return None
    # Longest first, so the longest string wins where several start at the same place. No match
    # may start or end next to a combining mark: that mark belongs to a letter of the same word.
    ordered = sorted(variants.values(), key=lambda item: (-item[0], item[1]))
    names = "|".join(pattern for _, pattern in ordered)
    glued_pattern = "|".join(sorted(glued.values(), key=lambda pattern: (-len(pattern), pattern)))
    return _Matcher(
        names=re.compile(f"(?<!{COMBINING_MARK})(?:{names})(?!{COMBINING_MARK})", re.IGNORECASE),
        glued=re.compile(glued_pattern, re.IGNORECASE) if glued_pattern else None,
    )


def _bounded(words: list[str]) -> str:
    """A pattern for the words with any separator between them, on word boundaries.

    Where the string starts with a letter, digit or mark, no letter or digit may come before it,
    and likewise at its end. The check before is made after the first character, as
    ``N(?<!L.)orthgate``, so that the regex engine can skip to where a first character occurs:
    many times faster than ``(?<!L)Northgate``.
    """
    body = _SEPARATOR.join(
        "".join(f"[{_APOSTROPHES}]" if char in _APOSTROPHES else re.escape(char) for char in word)
        for word in words
    )
    if _IS_WORD_CHAR.match(words[0][0]):  # Never escaped, so one character of the pattern.
        body = f"{body[0]}(?<!{LETTER_OR_DIGIT}.){body[1:]}"
    if _IS_WORD_CHAR.match(words[-1][-1]):
        body = f"{body}(?!{LETTER_OR_DIGIT})"
    return body
