"""Pure text functions behind open co-writing of specifications.

Nothing here touches the database. It holds:

- normalising and splitting section bodies into Markdown paragraphs (blocks) and words (tokens);
- the word-level diff shown between versions (``diff_html``, ``diff_counts``);
- the three-way merge of a suggestion into a section that changed since the suggestion was made
  (``merge_three``), with conflict markers when both sides changed the same words;
- provenance: which version introduced each paragraph (``carry_origins``);
- annotations: the visible text of a paragraph (``plain_text``), finding a quoted passage again
  after edits (``find_anchor``) and highlighting annotated passages in rendered HTML
  (``highlight_html``).
"""

from __future__ import annotations

import difflib
import html
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

import merge3
from django.utils.safestring import SafeString, mark_safe

from openbuy.discussion import markup

# --- Normalising, paragraphs and tokens -------------------------------------------------------


def normalise_newlines(text: str) -> str:
    r"""Unify line endings (``\r\n`` and ``\r`` become ``\n``), drop trailing whitespace on every
    line and drop blank lines at the start and the end.

    Leading indentation is kept: in Markdown it can make a code block or continue a list item.
    (Markdown's "two trailing spaces" line break does not survive; a new paragraph or list does.)
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return "\n".join(lines[start:end])


_BLANK_LINES = re.compile(r"\n{2,}")


def paragraphs(body: str) -> list[str]:
    """Split a Markdown body into its blocks: text separated by one or more blank lines.

    The body is normalised first, so each block has no blank lines around it and no trailing
    whitespace. The first line keeps its indentation (an indented code block or a list item's
    continuation means something different without it).
    """
    blocks = [b for b in _BLANK_LINES.split(normalise_newlines(body)) if b.strip()]
    # A "loose" list (items separated by blank lines) stays one block: split apart, each item
    # would render as a list of its own, every ordered one numbered 1.
    merged: list[str] = []
    for block in blocks:
        if merged and _continues_list(merged[-1], block):
            merged[-1] = merged[-1] + "\n\n" + block
        else:
            merged.append(block)
    return merged


_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]")


def _continues_list(previous: str, block: str) -> bool:
    """Whether ``block`` is the next item (or an indented continuation) of a list ending
    ``previous``."""
    if not any(_LIST_ITEM.match(line) for line in previous.split("\n")):
        return False
    return bool(_LIST_ITEM.match(block)) or block.startswith(("  ", "\t"))


def join_paragraphs(paras: Sequence[str]) -> str:
    """The inverse of ``paragraphs`` for normalised text: blocks separated by one blank line."""
    return "\n\n".join(paras)


# Letters and digits, plus combining accents (so a decomposed "é" stays inside its word).
_WORD_CHAR = r"(?:[^\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])"
_TOKEN = re.compile(
    rf"""
    [£$€¥]?{_WORD_CHAR}+                    # a word or number, with an optional currency sign
    (?:
        (?:['’-]|(?<=\d)[.,](?=\d))         # joined by an apostrophe or hyphen (don't, co-op)
        {_WORD_CHAR}+                       # or a decimal point / thousands separator (2.5, 1,000)
    )*
    | \s+                                   # a run of whitespace
    | .                                     # any other single character (punctuation, symbols)
    """,
    re.VERBOSE | re.DOTALL,
)


def tokens(text: str) -> list[str]:
    """Split text into words, single punctuation marks and whitespace runs.

    Every character belongs to exactly one token, so ``"".join(tokens(text)) == text``.
    """
    return _TOKEN.findall(text)


def _is_space(token: str) -> bool:
    return token.isspace()


def _blocks_of(token_list: Sequence[str]) -> list[int]:
    """Where each Markdown block starts in a token list (a block ends with its blank line)."""
    starts = [0]
    for index, token in enumerate(token_list[:-1]):
        if token.count("\n") >= 2 and token.isspace():
            starts.append(index + 1)
    return starts if token_list else []


class _TokenMatcher:
    """Match two token lists block by block first, then word by word inside changed blocks.

    Matching whole blocks (paragraphs) first keeps a deleted or inserted paragraph in one piece:
    a plain token matcher happily pairs the full stop and blank line of one paragraph with those
    of another, which makes diffs ragged and turns clean merges into conflicts. Both levels use
    ``difflib.SequenceMatcher`` without its "popular element" heuristic (which would stop common
    tokens such as a space from anchoring a long text). The class fits the matcher protocol
    ``merge3`` expects.
    """

    def __init__(
        self,
        isjunk: Callable[[str], bool] | None = None,
        a: Sequence[str] = (),
        b: Sequence[str] = (),
        autojunk: bool = False,
    ) -> None:
        self.a, self.b = list(a), list(b)

    def get_matching_blocks(self) -> list[tuple[int, int, int]]:
        a, b = self.a, self.b
        a_starts, b_starts = _blocks_of(a), _blocks_of(b)
        a_edges, b_edges = [*a_starts, len(a)], [*b_starts, len(b)]
        a_blocks = ["".join(a[a_edges[k] : a_edges[k + 1]]) for k in range(len(a_starts))]
        b_blocks = ["".join(b[b_edges[k] : b_edges[k + 1]]) for k in range(len(b_starts))]
        found: list[tuple[int, int, int]] = []

        def add(i: int, j: int, size: int) -> None:
            if found and found[-1][0] + found[-1][2] == i and found[-1][1] + found[-1][2] == j:
                i, j, size = found[-1][0], found[-1][1], found[-1][2] + size
                found.pop()
            if size:
                found.append((i, j, size))

        done_a = done_b = 0  # blocks dealt with so far
        matcher = difflib.SequenceMatcher(None, a_blocks, b_blocks, autojunk=False)
        for block_a, block_b, count in matcher.get_matching_blocks():
            # Between matching blocks: match word by word.
            i0, i1 = a_edges[done_a], a_edges[block_a]
            j0, j1 = b_edges[done_b], b_edges[block_b]
            words = difflib.SequenceMatcher(None, a[i0:i1], b[j0:j1], autojunk=False)
            for i, j, size in words.get_matching_blocks():
                add(i0 + i, j0 + j, size)
            if count:
                start_a, start_b = a_edges[block_a], b_edges[block_b]
                add(start_a, start_b, a_edges[block_a + count] - start_a)
            done_a, done_b = block_a + count, block_b + count
        return [*found, (len(a), len(b), 0)]

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:
        opcodes: list[tuple[str, int, int, int, int]] = []
        i = j = 0
        for block_a, block_b, size in self.get_matching_blocks():
            if i < block_a and j < block_b:
                opcodes.append(("replace", i, block_a, j, block_b))
            elif i < block_a:
                opcodes.append(("delete", i, block_a, j, block_b))
            elif j < block_b:
                opcodes.append(("insert", i, block_a, j, block_b))
            i, j = block_a + size, block_b + size
            if size:
                opcodes.append(("equal", block_a, i, block_b, j))
        return opcodes


# --- Diff between two versions ----------------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    deleted: str
    inserted: str


def _diff_runs(old: str, new: str) -> list[str | _Change]:
    """Unchanged text as ``str`` and changed runs as ``_Change``, in order.

    Changes separated only by spaces or tabs are joined into one (the words of a rewritten phrase
    read as one deletion and one insertion, not a patchwork); a line break keeps them apart.
    """
    old_tokens, new_tokens = tokens(old), tokens(new)
    runs: list[str | _Change] = []
    opcodes = _TokenMatcher(None, old_tokens, new_tokens).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            runs.append("".join(old_tokens[i1:i2]))
            continue
        change = _Change("".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2]))
        gap = runs[-1] if runs else None
        previous = runs[-2] if len(runs) >= 2 else None
        if (
            isinstance(gap, str)
            and isinstance(previous, _Change)
            and gap.isspace()
            and "\n" not in gap
        ):
            runs[-2:] = [
                _Change(
                    previous.deleted + gap + change.deleted,
                    previous.inserted + gap + change.inserted,
                )
            ]
        elif isinstance(gap, _Change):
            runs[-1] = _Change(gap.deleted + change.deleted, gap.inserted + change.inserted)
        else:
            runs.append(change)
    return runs


def diff_html(old: str, new: str) -> SafeString:
    """A word-level diff of two Markdown sources, as HTML for a ``white-space: pre-wrap`` block.

    Deleted text is in ``<del>`` and inserted text in ``<ins>``, each starting with a visually
    hidden "deleted: " / "inserted: " so the change is not shown by colour alone and screen readers
    announce it. A replaced run gives the ``<del>`` first, then the ``<ins>``. All text is escaped;
    line breaks stay as ``\\n``.
    """
    parts: list[str] = []
    for run in _diff_runs(normalise_newlines(old), normalise_newlines(new)):
        if isinstance(run, str):
            parts.append(html.escape(run))
            continue
        if run.deleted:
            parts.append(
                '<del class="ob-diff__del"><span class="govuk-visually-hidden">deleted: </span>'
                f"{html.escape(run.deleted)}</del>"
            )
        if run.inserted:
            parts.append(
                '<ins class="ob-diff__ins"><span class="govuk-visually-hidden">inserted: </span>'
                f"{html.escape(run.inserted)}</ins>"
            )
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def _count_words(text: str) -> int:
    return sum(1 for token in tokens(text) if not _is_space(token))


def diff_counts(old: str, new: str) -> tuple[int, int]:
    """``(words inserted, words deleted)`` between two versions.

    Whitespace is not counted; a punctuation mark counts as one word, so a change that only
    touches punctuation or Markdown syntax is not reported as "no change".
    """
    inserted = deleted = 0
    for run in _diff_runs(normalise_newlines(old), normalise_newlines(new)):
        if isinstance(run, _Change):
            inserted += _count_words(run.inserted)
            deleted += _count_words(run.deleted)
    return inserted, deleted


# --- Three-way merge --------------------------------------------------------------------------

RegionKind = Literal["same", "current", "suggested", "both", "conflict"]

CONFLICT_START = "<<<<<<< current text"
CONFLICT_MIDDLE = "======="
CONFLICT_END = ">>>>>>> suggested text"
_MARKERS = frozenset({CONFLICT_START, CONFLICT_MIDDLE, CONFLICT_END})


@dataclass(frozen=True)
class Region:
    """A stretch of the merge: the text of the base, of the current text and of the suggestion.

    ``kind`` is "same" (nobody changed it), "current" (changed only in the current text),
    "suggested" (changed only in the suggestion), "both" (both changed it the same way) or
    "conflict". Joining one field over all regions gives back that whole (normalised) text.
    """

    kind: RegionKind
    base: str
    current: str
    suggested: str

    @property
    def merged(self) -> str:
        """The text this region contributes to a merge (for a conflict: the current text)."""
        if self.kind == "suggested":
            return self.suggested
        return self.current


@dataclass(frozen=True)
class MergeResult:
    text: str
    conflicted: bool
    regions: list[Region]


def _token_regions(base: list[str], current: list[str], suggested: list[str]) -> list[Region]:
    """Align the three token lists with merge3 and classify every stretch between the places
    where all three agree."""
    sync = merge3.Merge3(
        base, current, suggested, sequence_matcher=_TokenMatcher
    ).find_sync_regions()
    regions: list[Region] = []
    iz = ia = ib = 0
    for zmatch, zend, amatch, aend, bmatch, bend in sync:
        base_gap, current_gap, suggested_gap = (
            base[iz:zmatch],
            current[ia:amatch],
            suggested[ib:bmatch],
        )
        if base_gap or current_gap or suggested_gap:
            kind: RegionKind
            if current_gap == suggested_gap:
                kind = "both"
            elif current_gap == base_gap:
                kind = "suggested"
            elif suggested_gap == base_gap:
                kind = "current"
            else:
                kind = "conflict"
            regions.append(
                Region(kind, "".join(base_gap), "".join(current_gap), "".join(suggested_gap))
            )
        if zend > zmatch:
            same = "".join(base[zmatch:zend])
            regions.append(Region("same", same, same, same))
        iz, ia, ib = zend, aend, bend
    return regions


def _join(first: Region, second: Region) -> Region:
    return Region(
        "conflict",
        first.base + second.base,
        first.current + second.current,
        first.suggested + second.suggested,
    )


def _starts_line(conflict: Region, before: Sequence[Region]) -> bool:
    """Whether a conflict can begin with its marker on a line of its own."""
    if all(side == "" or side.startswith("\n") for side in (conflict.current, conflict.suggested)):
        return True
    for region in reversed(before):
        if region.kind == "conflict":
            return True
        if region.merged:
            return region.merged.endswith("\n")
    return True


def _ends_line(conflict: Region, after: Region | None) -> bool:
    """Whether a conflict can end with its marker on a line of its own."""
    if all(side == "" or side.endswith("\n") for side in (conflict.current, conflict.suggested)):
        return True
    return after is None or (after.kind != "conflict" and after.merged.startswith("\n"))


def _widen_conflicts(regions: list[Region]) -> list[Region]:
    """Grow every conflict to whole lines, taking in the neighbouring text of the same lines.

    Unchanged text is split at a line break; a changed region next to a conflict on the same
    line joins it whole (both sides of the conflict then show that change).
    """
    widened: list[Region] = []
    pending = deque(regions)
    while pending:
        region = pending.popleft()
        if region.kind != "conflict":
            widened.append(region)
            continue
        while not _starts_line(region, widened):
            previous = widened.pop()
            if previous.kind == "same" and "\n" in previous.base:
                head, newline, tail = previous.base.rpartition("\n")
                widened.append(Region("same", head + newline, head + newline, head + newline))
                previous = Region("same", tail, tail, tail)
            region = _join(previous, region)
        while not _ends_line(region, pending[0] if pending else None):
            following = pending.popleft()
            if following.kind == "same" and "\n" in following.base:
                head, newline, tail = following.base.partition("\n")
                pending.appendleft(Region("same", newline + tail, newline + tail, newline + tail))
                following = Region("same", head, head, head)
            region = _join(region, following)
        widened.append(region)
    return widened


def _newlines_at_start(text: str) -> int:
    return len(text) - len(text.lstrip("\n"))


def _newlines_at_end(text: str) -> int:
    return len(text) - len(text.rstrip("\n"))


def _merged_text(regions: Sequence[Region]) -> str:
    """Write the merge out; each conflict becomes a marked block with every marker on its own
    line, keeping the line breaks (blank lines between paragraphs) around it."""
    out = ""
    owed: int | None = None  # line breaks still to write after the last conflict block
    for region in regions:
        if region.kind != "conflict":
            piece = region.merged
            if owed is not None and piece:
                body = piece.lstrip("\n")
                if not body:
                    owed = max(owed, len(piece))
                    continue
                piece = "\n" * max(owed, _newlines_at_start(piece), 1) + body
                owed = None
            out += piece
            continue
        before = max(_newlines_at_start(region.current), _newlines_at_start(region.suggested))
        if owed is not None:
            out += "\n" * max(owed, before, 1)
        elif out.strip("\n"):
            out = out.rstrip("\n") + "\n" * max(_newlines_at_end(out), before, 1)
        else:
            out = ""
        out += "\n".join(
            (
                CONFLICT_START,
                region.current.strip("\n"),
                CONFLICT_MIDDLE,
                region.suggested.strip("\n"),
                CONFLICT_END,
            )
        )
        owed = max(_newlines_at_end(region.current), _newlines_at_end(region.suggested))
    return normalise_newlines(out)


def merge_three(base: str, current: str, suggested: str) -> MergeResult:
    """Merge a suggestion, written against ``base``, into the ``current`` text.

    The merge works on word tokens (see ``tokens``), so edits to different words of the same
    paragraph both survive. Two different edits touching the same words (or adjacent words with
    nothing unchanged between them) conflict; a conflict is widened to whole lines and written
    as::

        <<<<<<< current text
        …the current lines…
        =======
        …the suggested lines…
        >>>>>>> suggested text
    """
    base, current, suggested = (normalise_newlines(t) for t in (base, current, suggested))
    regions = _widen_conflicts(_token_regions(tokens(base), tokens(current), tokens(suggested)))
    return MergeResult(
        text=_merged_text(regions),
        conflicted=any(region.kind == "conflict" for region in regions),
        regions=regions,
    )


def has_conflict_markers(text: str) -> bool:
    """Whether the text still holds a conflict marker line (the merge has not been resolved).

    A Setext heading underlined with exactly seven "=" counts too; use "#" headings instead.
    """
    return any(line.strip() in _MARKERS for line in text.splitlines())


# --- Provenance -------------------------------------------------------------------------------


def _collapse(text: str) -> str:
    return " ".join(text.split())


def carry_origins(
    old_paras: Sequence[str],
    old_origins: Sequence[int],
    new_paras: Sequence[str],
    new_origin: int,
    restored: tuple[Sequence[str], Sequence[int]] | None = None,
) -> list[int]:
    """The origin (number of the version that introduced it) of each paragraph of a new version.

    Paragraphs are compared with whitespace collapsed. In order of preference a new paragraph
    takes the origin of:

    1. the old paragraph it lines up with (``SequenceMatcher`` over the two paragraph lists);
    2. an equal old paragraph not lined up with anything (the paragraph moved);
    3. any equal old paragraph (the paragraph was copied: its words are still that author's);
    4. an equal paragraph of the version being restored, when reverting (``restored``);
    5. otherwise the paragraph is new: ``new_origin``.
    """
    if len(old_paras) != len(old_origins):
        raise ValueError(
            f"{len(old_paras)} old paragraphs but {len(old_origins)} origins: they must match."
        )
    if restored is not None and len(restored[0]) != len(restored[1]):
        raise ValueError(
            f"{len(restored[0])} restored paragraphs but {len(restored[1])} origins: "
            "they must match."
        )
    old = [_collapse(para) for para in old_paras]
    new = [_collapse(para) for para in new_paras]
    origins: list[int | None] = [None] * len(new)
    used: set[int] = set()
    for i, j, size in difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks():
        for k in range(size):
            origins[j + k] = old_origins[i + k]
            used.add(i + k)

    unused: dict[str, deque[int]] = {}
    any_old: dict[str, int] = {}
    for i, para in enumerate(old):
        any_old.setdefault(para, old_origins[i])
        if i not in used:
            unused.setdefault(para, deque()).append(old_origins[i])
    earlier: dict[str, deque[int]] = {}
    if restored is not None:
        for para, origin in zip(restored[0], restored[1], strict=True):
            earlier.setdefault(_collapse(para), deque()).append(origin)

    result: list[int] = []
    for j, para in enumerate(new):
        lined_up = origins[j]
        if lined_up is not None:
            result.append(lined_up)
        elif unused.get(para):
            result.append(unused[para].popleft())
        elif para in any_old:
            result.append(any_old[para])
        elif earlier.get(para):
            queue = earlier[para]
            result.append(queue.popleft() if len(queue) > 1 else queue[0])
        else:
            result.append(new_origin)
    return result


# --- Annotations ------------------------------------------------------------------------------

# Elements whose start or end separates words even without whitespace around them.
_BREAKING_TAGS = frozenset({"p", "br", "li", "ul", "ol", "blockquote", "pre", "h3", "h4"})
_VOID_TAGS = frozenset({"br", "hr", "img", "wbr"})


class _TextWalker(HTMLParser):
    """Walk sanitised HTML and compute its visible text with whitespace collapsed.

    A run of whitespace, also across tags, counts as one space; so does the edge of a block
    element or a ``<br>``. Whitespace before the first word is not counted and whitespace after
    the last word is dropped. ``offsets`` gives, for each character of a piece of text, its
    offset in the collapsed text (-1 for leading whitespace).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chars: list[str] = []
        self._space_due = False

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def _break(self) -> None:
        if self.chars:
            self._space_due = True

    def offsets(self, data: str) -> list[int]:
        positions: list[int] = []
        for char in data:
            if char.isspace():
                self._break()
                positions.append(len(self.chars) if self.chars else -1)
                continue
            if self._space_due:
                self.chars.append(" ")
                self._space_due = False
            positions.append(len(self.chars))
            self.chars.append(char)
        return positions

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKING_TAGS:
            self._break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKING_TAGS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKING_TAGS:
            self._break()

    def handle_data(self, data: str) -> None:
        self.offsets(data)


def _html_text(fragment: str) -> str:
    walker = _TextWalker()
    walker.feed(fragment)
    walker.close()
    return walker.text


def plain_text(markdown_paragraph: str) -> str:
    """The visible text of a Markdown paragraph once rendered, whitespace collapsed to single
    spaces. Offsets of annotations (``Anchor``, ``highlight_html``) count in this text."""
    return _html_text(markup.render(markdown_paragraph, trusted_links=True))


@dataclass(frozen=True)
class Anchor:
    paragraph: int
    start: int
    end: int


def _spaces_collapsed(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _occurrences(text: str, quote: str, *, ignore_case: bool) -> Iterator[int]:
    flags = re.IGNORECASE if ignore_case else 0
    for match in re.finditer(f"(?={re.escape(quote)})", text, flags):
        yield match.start()


def _common_suffix(a: str, b: str) -> int:
    size = 0
    while size < min(len(a), len(b)) and a[-1 - size] == b[-1 - size]:
        size += 1
    return size


def _common_prefix(a: str, b: str) -> int:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return size


def find_anchor(
    plain_paras: Sequence[str],
    quote: str,
    *,
    paragraph: int,
    start: int,
    prefix: str = "",
    suffix: str = "",
) -> Anchor | None:
    """Find an annotated passage again after the text changed.

    ``plain_paras`` are the paragraphs' plain texts (``plain_text``); ``paragraph`` and ``start``
    are where the quote was; ``prefix``/``suffix`` the text just before and after it then.
    An occurrence in the same paragraph wins, the one nearest ``start`` first. Otherwise the
    occurrence in another paragraph whose surroundings best match ``prefix``/``suffix`` wins, then
    the nearest paragraph. An exact match anywhere beats a case-insensitive one. ``None`` means the
    passage is gone (the annotation is outdated).
    """
    quote = _spaces_collapsed(quote).strip()
    if not quote:
        return None
    prefix, suffix = _spaces_collapsed(prefix), _spaces_collapsed(suffix)

    def context(para: int, at: int) -> int:
        text = plain_paras[para]
        return _common_suffix(text[:at], prefix) + _common_prefix(text[at + len(quote) :], suffix)

    for ignore_case in (False, True):
        if 0 <= paragraph < len(plain_paras):
            here = list(_occurrences(plain_paras[paragraph], quote, ignore_case=ignore_case))
            if here:
                at = min(here, key=lambda at: (abs(at - start), -context(paragraph, at), at))
                return Anchor(paragraph, at, at + len(quote))
        elsewhere = [
            (para, at)
            for para, text in enumerate(plain_paras)
            if para != paragraph
            for at in _occurrences(text, quote, ignore_case=ignore_case)
        ]
        if elsewhere:
            para, at = min(
                elsewhere,
                key=lambda found: (
                    -context(*found),
                    abs(found[0] - paragraph),
                    found[0],
                    found[1],
                ),
            )
            return Anchor(para, at, at + len(quote))
    return None


class _Highlighter(_TextWalker):
    """Copy sanitised HTML, wrapping the text inside the given ranges in ``<mark>`` elements.

    Marks only ever wrap text between two tags, so a range that crosses an element boundary is
    split into several marks and the HTML stays well-formed. Overlapping ranges nest: each text
    piece gets one ``<mark>`` per range covering it, the range that starts first outermost.
    """

    def __init__(self, ranges: Sequence[tuple[int, int, str]]) -> None:
        super().__init__()
        self.out: list[str] = []
        self._ranges = sorted(
            ((start, end, mark_id) for start, end, mark_id in ranges if start < end),
            key=lambda r: (r[0], -r[1]),
        )
        self._opened: set[int] = set()  # ranges whose first piece (with the id) is written
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        self.out.append(self.get_starttag_text() or "")
        if tag not in _VOID_TAGS:
            self._stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_startendtag(tag, attrs)
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        if tag in self._stack:
            while self._stack.pop() != tag:
                pass
        self.out.append(f"</{tag}>")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def _covering(self, offset: int) -> tuple[int, ...]:
        return tuple(i for i, (start, end, _) in enumerate(self._ranges) if start <= offset < end)

    def handle_data(self, data: str) -> None:
        if not data:
            return
        positions = self.offsets(data)
        # Text right inside a list is only the whitespace between items: no <mark> can go there.
        markable = not (self._stack and self._stack[-1] in {"ul", "ol"})
        piece_start = 0
        covering = self._covering(positions[0]) if markable else ()
        for index in range(1, len(data) + 1):
            following = self._covering(positions[index]) if markable and index < len(data) else None
            if following != covering:
                self._write(data[piece_start:index], covering)
                piece_start = index
                covering = following or ()

    def _write(self, text: str, covering: tuple[int, ...]) -> None:
        opening = []
        for i in covering:
            mark_id = self._ranges[i][2]
            if i in self._opened:
                opening.append('<mark class="ob-annotated">')
            else:
                self._opened.add(i)
                opening.append(f'<mark class="ob-annotated" id="{html.escape(mark_id)}">')
        self.out.append(
            "".join(opening) + html.escape(text, quote=False) + "</mark>" * len(opening)
        )


def highlight_html(html: str, ranges: Sequence[tuple[int, int, str]]) -> str:
    """Highlight annotated passages in the rendered HTML of one paragraph.

    ``ranges`` are ``(start, end, mark_id)`` offsets into ``plain_text`` of the same paragraph.
    Each range's text is wrapped in ``<mark class="ob-annotated">``; only the first piece of a
    range gets ``id="{mark_id}"`` (a range crossing e.g. ``<strong>`` is split into pieces).
    Overlapping ranges nest, so every annotation keeps its own mark and id. Ranges (or their
    parts) outside the text are ignored. ``html`` must already be sanitised (``markup.render``):
    tags are copied as they are and text is re-escaped.
    """
    length = len(_html_text(html))
    clipped = [
        (max(start, 0), min(end, length), mark_id)
        for start, end, mark_id in ranges
        if max(start, 0) < min(end, length)
    ]
    highlighter = _Highlighter(clipped)
    highlighter.feed(html)
    highlighter.close()
    return "".join(highlighter.out)
