"""The parroting aid: how much of a response restates the specification's own wording.

Evaluators are told how much of a response repeats the specification word for word, with the
echoed passages highlighted, so that a response which mirrors the buyer's language is not mistaken
for one that understands the need. It informs; it never changes a score.

A passage counts as echoed when a run of ``N`` consecutive words of the response also appears,
in the same order, in the specification. Words are compared normalised (Unicode NFKC, casefolded,
punctuation removed), so differences of case, punctuation and whitespace do not matter.

The measures:

- ``share``: of the response's ``N``-word runs (its word n-grams), the share found in the
  specification;
- ``spans``: the character ranges of the response covered by those runs, for highlighting;
- ``echoed_words`` and ``total_words``: the words inside the spans, and all words.

Words are cut as the specifications app cuts them (``texts.tokens``), so "don't", "co-op" and
"2.5" are one word each. Scripts that do not put spaces between words (Chinese, Japanese, Thai)
make one long "word" of a whole phrase, so little of such text will ever count as echoed.

Nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from openbuy.specifications.texts import tokens

N = 5  # words per n-gram


@dataclass(frozen=True)
class Echo:
    # The share (0.0 to 1.0) of the response's word n-grams that appear in the specification.
    share: float
    # Character ranges of the response covered by echoed n-grams: sorted, merged, non-overlapping.
    spans: tuple[tuple[int, int], ...]
    echoed_words: int  # words of the response inside the spans
    total_words: int


# --- Words ------------------------------------------------------------------------------------


def _is_word_char(char: str) -> bool:
    """Letters, digits and combining marks (accents, the vowel signs of Indic scripts)."""
    return char.isalnum() or unicodedata.category(char).startswith("M")


_HYPHENATED = re.compile(r"[^-]+")  # the parts of a hyphenated word


def _normalise(piece: str) -> str:
    """The comparable form of a word: NFKC, casefolded, only letters, digits and marks kept."""
    folded = unicodedata.normalize("NFKC", piece).casefold()
    if folded.isalnum():
        return folded
    return "".join(char for char in folded if _is_word_char(char))


def words(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text``: each as its normalised form with its start and end offsets.

    A word is a token of ``texts.tokens`` holding a letter or digit, so an apostrophe or a decimal
    point does not split it ("don't" and "2.5" compare as "dont" and "25"); a hyphen does
    ("fully-accessible" compares as "fully accessible"). Tokens that touch are one word:
    ``texts.tokens`` splits a word at a combining vowel sign (Devanagari, Bengali, …) and this
    joins it again. Punctuation and whitespace are not words. The normalised form is never empty
    and never holds whitespace.
    """
    found: list[tuple[str, int, int]] = []

    def add(start: int, end: int) -> None:
        for part in _HYPHENATED.finditer(text, start, end):
            normalised = _normalise(part.group())
            # Characters NFKC turns into punctuation can leave nothing to compare.
            if normalised:
                found.append((normalised, part.start(), part.end()))

    start: int | None = None  # where the word being read began
    offset = 0
    for token in tokens(text):
        if any(_is_word_char(char) for char in token):
            if start is None:
                start = offset
        elif start is not None:
            add(start, offset)
            start = None
        offset += len(token)
    if start is not None:
        add(start, offset)
    return found


# --- Echo -------------------------------------------------------------------------------------


def echo(response: str, specification: str, *, n: int = N) -> Echo:
    """How much of ``response`` repeats ``specification`` word for word, in runs of ``n`` words.

    Runs in linear time: the specification's n-grams go into a set, and each of the response's
    n-grams is looked up once.
    """
    if n < 1:
        raise ValueError(f"n-grams need at least one word, not {n}.")
    said = words(response)
    if len(said) < n:
        return Echo(share=0.0, spans=(), echoed_words=0, total_words=len(said))
    spec = [word for word, _, _ in words(specification)]
    known = {tuple(spec[i : i + n]) for i in range(len(spec) - n + 1)}
    normalised = [word for word, _, _ in said]

    grams = len(said) - n + 1
    matched = 0
    runs: list[list[int]] = []  # [first word, end word) of each echoed run, touching runs merged
    for i in range(grams):
        if tuple(normalised[i : i + n]) not in known:
            continue
        matched += 1
        if runs and i <= runs[-1][1]:
            runs[-1][1] = i + n
        else:
            runs.append([i, i + n])
    return Echo(
        share=matched / grams,
        spans=tuple((said[first][1], said[end - 1][2]) for first, end in runs),
        echoed_words=sum(end - first for first, end in runs),
        total_words=len(said),
    )


# --- Showing it -------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _clean_spans(spans: tuple[tuple[int, int], ...], text: str) -> list[tuple[int, int]]:
    """Spans clipped to the text, empty ones dropped, overlapping or touching ones merged, and
    no edge left between the ``\\r`` and ``\\n`` of a line break (so each break stays one)."""

    def settle(at: int) -> int:
        at = min(max(at, 0), len(text))
        if 0 < at < len(text) and text[at - 1] == "\r" and text[at] == "\n":
            return at + 1
        return at

    cleaned: list[tuple[int, int]] = []
    for start, end in sorted((settle(start), settle(end)) for start, end in spans):
        if start >= end:
            continue
        if cleaned and start <= cleaned[-1][1]:
            cleaned[-1] = (cleaned[-1][0], max(cleaned[-1][1], end))
        else:
            cleaned.append((start, end))
    return cleaned


def _html_piece(text: str) -> str:
    return _LINE_BREAK.sub("<br>", escape(text))


def highlight_html(response: str, echo: Echo) -> SafeString:
    """The response as HTML: escaped, each echoed span in ``<mark class="ob-echo">``, and each
    line break (``\\r\\n``, ``\\r`` or ``\\n``) as ``<br>``.

    The spans are offsets into the raw response (as ``echo`` returns them); the text is cut at
    them first and each piece escaped once, so nothing is escaped twice and every mark closes.
    """
    out: list[str] = []
    done = 0
    for start, end in _clean_spans(echo.spans, response):
        out.append(_html_piece(response[done:start]))
        out.append(f'<mark class="ob-echo">{_html_piece(response[start:end])}</mark>')
        done = end
    out.append(_html_piece(response[done:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of the response is escaped above


def _words(count: int) -> str:
    return f"{count:,} word" if count == 1 else f"{count:,} words"


def _percent(share: float) -> str:
    percent = round(share * 100)
    if percent == 0 and share > 0:
        return "Under 1%"
    if percent == 100 and share < 1:
        return "Over 99%"
    return f"{percent}%"


def describe(echo: Echo) -> str:
    """One plain-English sentence for evaluators, e.g. "42% of this response's 5-word phrases
    repeat the specification's own wording: the highlighted passages cover 310 of its 740 words."

    It assumes the echo was measured with the default ``N`` words per phrase.
    """
    if echo.total_words == 0:
        return "This response has no words to compare with the specification."
    if not echo.spans and echo.total_words < N:
        return (
            f"This response is too short to compare with the specification "
            f"(it has {_words(echo.total_words)}; phrases of {N} are compared)."
        )
    if not echo.spans:
        return (
            f"None of this response's {N}-word phrases repeat the specification's own wording "
            f"(0 of its {_words(echo.total_words)} highlighted)."
        )
    return (
        f"{_percent(echo.share)} of this response's {N}-word phrases repeat the specification's "
        f"own wording: the highlighted passages cover {echo.echoed_words:,} of its "
        f"{_words(echo.total_words)}."
    )
