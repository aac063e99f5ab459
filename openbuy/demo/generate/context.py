"""What the steps of a generation run share: the scale, the seeded randomness, the clock the
data is set against, and the records one step leaves for the next (who the buyers are, which
needs were adopted, which failures need a lesson …)."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from openbuy.demo.generate.writer import Writer
from openbuy.lessons.models import Lesson
from openbuy.needs.models import Area

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
YEARS = 3  # how far back the data goes


@dataclass(frozen=True)
class Scale:
    """How much to generate. Everything else (users, organisations, scores …) follows."""

    needs: int
    supports: int
    comments: int
    ideas: int
    specifications: int
    processes: int
    lessons: int

    @property
    def idea_supports(self) -> int:
        return self.ideas * 5

    @property
    def residents(self) -> int:
        return max(150, self.needs * 2 // 5)

    @property
    def buyers(self) -> int:
        return max(4, self.needs // 500)

    @property
    def suppliers(self) -> int:
        return max(12, self.needs // 50)

    @property
    def experts(self) -> int:
        return max(4, self.processes // 50)

    @property
    def moderators(self) -> int:
        return max(2, self.needs // 20_000)

    @property
    def objects(self) -> int:
        """The main objects the progress bar counts."""
        return (
            self.needs
            + self.ideas
            + self.comments
            + self.specifications
            + self.processes
            + self.lessons
        )


SCALES = {
    "large": Scale(100_000, 1_000_000, 200_000, 20_000, 2_000, 10_000, 20_000),
    "medium": Scale(10_000, 100_000, 20_000, 2_000, 200, 1_000, 2_000),
    "small": Scale(100, 1_000, 200, 20, 10, 20, 20),
}


@dataclass(slots=True)
class Buyer:
    id: int
    name: str
    admin: int
    officers: list[int]
    frontline: list[int]
    threshold: int
    answer_days: int


@dataclass(slots=True)
class Supplier:
    id: int
    name: str
    size: str
    social: bool
    members: list[int]


@dataclass(slots=True)
class NeedRecord:
    """What later steps need to know of a need: comments, ideas and specifications use it."""

    id: int
    theme: int
    title: str
    affects: str
    organisation: int | None  # after any answer
    created: datetime
    until: datetime  # supports and ideas only before this (it closed, or now)
    visible: bool
    supports: int
    adopted: bool


@dataclass(slots=True)
class Target:
    """Something people comment on: a need, an idea or a specification."""

    content_type: int
    id: int
    theme: int
    organisation: int | None
    created: datetime
    weight: float


@dataclass(slots=True)
class Failure:
    """A failure the app would not let pass without a lesson, or the reason there is none."""

    kind: str
    organisation: int
    content_type: int
    object_id: int
    label: str
    url: str
    recorded_by: int
    at: datetime
    stage: str
    area: int | None
    theme: int
    cost: object | None = None


@dataclass
class Context:
    scale: Scale
    seed: int
    anchor: datetime  # "now" for the data: every date is set against it
    writer: Writer
    advance: Callable[[int], None]  # the progress bar, in main objects
    first_names: list[str] = field(default_factory=list)
    last_names: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # user id -> public name
    users: list[int] = field(default_factory=list)  # everyone who may support or comment
    residents: list[int] = field(default_factory=list)
    experts: list[int] = field(default_factory=list)
    buyers: list[Buyer] = field(default_factory=list)
    buyer_weights: list[float] = field(default_factory=list)
    buyer_by_id: dict[int, Buyer] = field(default_factory=dict)
    suppliers: list[Supplier] = field(default_factory=list)
    supplier_of: dict[int, Supplier] = field(default_factory=dict)  # member -> organisation
    frontline_of: dict[int, int] = field(default_factory=dict)  # frontline user -> buyer id
    areas: dict[str, int] = field(default_factory=dict)  # CPV division -> area id
    area_objects: dict[int, Area] = field(default_factory=dict)
    content_types: dict[str, int] = field(default_factory=dict)  # "app.model" -> id
    needs: list[NeedRecord] = field(default_factory=list)
    # buyer id -> its adopted ideas: (id, title, when adopted)
    adopted_ideas: dict[int, list[tuple[int, str, datetime]]] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)  # the published ones, for the index
    taken_slugs: set[str] = field(default_factory=set)  # organisations already there

    @property
    def start(self) -> datetime:
        return self.anchor - timedelta(days=365 * YEARS)

    def rng(self, step: str) -> random.Random:
        """A generator of its own for each step, so that changing one step leaves the others'
        content as it was."""
        return random.Random(f"{self.seed}:{step}")  # noqa: S311 - repeatable data, no secrets

    def buyer(self, rng: random.Random) -> Buyer:
        """A buyer organisation, the larger ones (listed first) more often."""
        return rng.choices(self.buyers, cum_weights=self.buyer_weights)[0]


def between(rng: random.Random, low: datetime, high: datetime) -> datetime:
    """A moment in [low, high), to the second (``low`` when the range is empty)."""
    span = (high - low).total_seconds()
    return low + timedelta(seconds=int(rng.random() * span)) if span > 0 else low


def zipf_weights(rng: random.Random, count: int, exponent: float) -> list[float]:
    """Long-tailed weights in random order: a few items get most, most get a little."""
    ranks = list(range(1, count + 1))
    rng.shuffle(ranks)
    return [1 / rank**exponent for rank in ranks]


def allocate(total: int, weights: Sequence[float], cap: int) -> list[int]:
    """Split ``total`` in proportion to ``weights``, none above ``cap``, summing to exactly
    ``total`` (or to what the caps allow). Items of weight 0 get nothing."""
    if not weights:
        return []
    whole = sum(weights)
    shares = [total * w / whole for w in weights] if whole else [0.0] * len(weights)
    counts = [min(cap, int(s)) for s in shares]
    left = total - sum(counts)
    order = sorted(
        (i for i, w in enumerate(weights) if w > 0), key=lambda i: shares[i] - int(shares[i])
    )
    order.reverse()
    while left > 0:
        moved = 0
        for i in order:
            if left == 0:
                break
            if counts[i] < cap:
                counts[i] += 1
                left -= 1
                moved += 1
        if not moved:
            break
    return counts


def distinct(rng: random.Random, items: Sequence[int], count: int) -> list[int]:
    """``count`` different items, like ``rng.sample`` but a few times faster for the small
    samples of a large population that supports are."""
    if count * 2 > len(items):
        return rng.sample(items, count)
    size = len(items)
    picked: dict[int, None] = {}  # a dict keeps the order they were drawn in
    while len(picked) < count:
        picked[items[int(rng.random() * size)]] = None
    return list(picked)


def choose_weighted(rng: random.Random, cumulative: list[float]) -> int:
    """The index of one item, given cumulative weights."""
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))
