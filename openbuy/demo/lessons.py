"""Demo lessons: the register as it looks once a few councils use it.

Written through the same services as real ones: two of the council's own lessons, one kept as
a draft with a named officer still in it (for the buyer to remove and publish), the Health
Trust's lessons, and a neighbouring council's register imported from the sample spreadsheet
shipped with openbuy (``openbuy/lessons/data/sample_register.csv``) — attributed to
organisations that have no account here. The demo specification about evening library access
shows the most similar of them beside its text while it is drafted.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from openbuy.accounts.models import Membership
from openbuy.lessons import services
from openbuy.lessons.models import Lesson

SAMPLE = Path(services.__file__).resolve().parent / "data" / "sample_register.csv"

COUNCIL = [
    {
        "title": "Library self-service kiosks went unused",
        "tried": "Touch-screen kiosks in three branch libraries, so staff could be moved to "
        "other work.",
        "happened": "Most visitors queued for the one remaining member of staff; the kiosks "
        "were used for under a tenth of loans.",
        "why": "We specified the kiosks from a supplier's catalogue and did not watch how "
        "residents, many of them older, actually borrowed books.",
        "do_differently": "Watch and ask the people who will use a service before specifying "
        "it, and try a prototype in one branch before buying for all.",
        "stage": "specification",
        "tags": "libraries, self-service, user research",
        "cost_amount": "36000",
        "cost_currency": "GBP",
    },
    {
        "title": "Waste collection app delivered nine months late",
        "tried": "A fixed-price contract for a bin-collection app, with the whole scope "
        "specified up front.",
        "happened": "Changes to collection rounds during the build were priced as variations; "
        "the app launched nine months late and 40% over budget.",
        "why": "A fixed scope for something that would change, and no phased delivery to learn "
        "from early.",
        "do_differently": "Buy in stages with a working first release in weeks, and keep the "
        "scope open where the service itself is changing.",
        "stage": "delivery",
        "tags": "apps, waste, agile",
        "cost_amount": "52000",
        "cost_currency": "GBP",
    },
]
DRAFT = {
    "title": "Translation framework priced out community interpreters",
    "tried": "A single translation and interpreting framework for all council services.",
    "happened": "The two national agencies that won it subcontracted the community "
    "interpreters we used before, at half their rate; several stopped working with us. Officer "
    "Dana Whitfield raised it in March.",
    "why": "One large lot and a price weighting of 70% left no room for local providers.",
    "do_differently": "Keep a lot for community interpreting and weight quality and social "
    "value properly.",
    "stage": "competition",
    "tags": "small suppliers, social value",
}
TRUST = [
    {
        "title": "Evening clinic opening without staff drew few patients",
        "tried": "Opened an outpatient clinic in the evenings with self check-in and one nurse.",
        "happened": "Attendance stayed low; patients said they felt unsafe in an empty building "
        "after dark and did not know it was open.",
        "why": "We assumed demand for evening opening without asking patients when and how they "
        "wanted to come.",
        "do_differently": "Ask the people who would come when they need the service, and pilot "
        "with staff present and publicity before changing hours.",
        "stage": "need",
        "tags": "opening hours, evenings, access",
    },
]


def create_lessons(personas: dict) -> int:
    """Write the demo lessons once; return how many were written now."""
    if Lesson.objects.filter(organisation=personas["council"]).exists():
        return 0
    council, trust = personas["council"], personas["trust"]
    buyer, other = personas["buyer"], personas["other_buyer"]
    made = 0
    with transaction.atomic():
        for data in COUNCIL:
            services.lesson_create(actor=buyer, organisation=council, data=data)
            made += 1
        services.lesson_create(actor=buyer, organisation=council, data=DRAFT, publish=False)
        made += 1
        if Membership.objects.filter(user=other, organisation=trust).exists():
            for data in TRUST:
                services.lesson_create(actor=other, organisation=trust, data=data)
                made += 1
        report = services.import_csv(SAMPLE.read_bytes(), actor=None)
        made += report.stored
    return made
