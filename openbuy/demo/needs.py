"""Demo needs, written through the same services as real ones (so they are audited too)."""

from openbuy.discussion import services as comments
from openbuy.needs import ranking, services
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area, Need, NeedsPolicy

# (title, author, area slug, organisation key or "", affects, description, place, supporters)
NEEDS = [
    (
        "No step-free access at Riverside station",
        "resident",
        "transport-services-excl-waste-transport",
        "council",
        "Wheelchair users, older people and parents with buggies",
        "The only lift at Riverside station has been out of order since March. People who cannot "
        "use stairs get off one stop early and walk back along the main road.",
        "Riverside station",
        ["frontline", "supplier", "evaluator", "moderator"],
    ),
    (
        "Home care visits are too short to help people eat",
        "frontline",
        "health-and-social-work-services",
        "council",
        "Older people living alone who receive care",
        "Fifteen-minute visits leave no time to prepare a meal and stay while the person eats. "
        "Carers see people losing weight between reviews.",
        "",
        ["resident", "evaluator"],
    ),
    (
        "Potholes on Mill Lane damage bikes and wheelchairs",
        "resident",
        "construction-work",
        "",
        "Cyclists and wheelchair users on Mill Lane",
        "Deep potholes along Mill Lane fill with water and cannot be seen. Two cyclists fell in "
        "October.",
        "Mill Lane",
        ["supplier"],
    ),
    (
        "Hospital discharge letters arrive after the patient",
        "other_buyer",
        "health-and-social-work-services",
        "trust",
        "Patients leaving hospital and their GPs",
        "Discharge summaries reach GP practices days after the patient is home, so repeat "
        "prescriptions are missed.",
        "",
        ["frontline", "resident"],
    ),
    (
        "Library computers are booked out by 10am",
        "resident",
        "recreational-cultural-and-sporting-services",
        "council",
        "Job seekers without a computer at home",
        "People who need to apply for jobs online cannot get a computer slot after mid-morning.",
        "Central library",
        [],
    ),
    (
        "Bins in the town centre overflow at weekends",
        "supplier",
        "sewage-refuse-cleaning-and-environmental-services",
        "council",
        "Town-centre residents and businesses",
        "Collections stop on Friday afternoon; by Sunday the bins overflow and attract gulls.",
        "High Street",
        ["resident", "frontline"],
    ),
]


def create_needs(personas: dict) -> int:
    """Create the demo needs once; return how many were created."""
    if Need.objects.exists():
        return 0
    load_cpv_divisions(Area)
    NeedsPolicy.objects.get_or_create(
        organisation=personas["council"],
        defaults={"support_threshold": 3, "answer_within_days": 14},
    )
    made = []
    for title, author, area, org, affects, description, place, supporters in NEEDS:
        need = services.need_raise(
            actor=personas[author],
            title=title,
            description=description,
            affects=affects,
            area=area,
            organisation=personas[org] if org else None,
            place=place,
        )
        for key in supporters:
            services.need_support(actor=personas[key], need=need)
        made.append(need)
    minibus = services.idea_propose(
        actor=personas["supplier"],
        title="Bookable step-free minibus between the station and the high street",
        description="A wheelchair-accessible minibus, booked by text or phone, running every "
        "20 minutes while the lift is out of order. Drivers from our co-operative.",
        need=made[0],
        cost_band="10k_100k",
        on_behalf_of=personas["coop"],
    )
    for key in ["resident", "frontline"]:
        services.idea_support(actor=personas[key], idea=minibus)
    services.idea_propose(
        actor=personas["resident"],
        title="Open the library's meeting room as a second computer room in the mornings",
        description="The meeting room is empty most mornings. Six laptops there would double "
        "the number of people who can apply for jobs before noon.",
        need=made[4],
        cost_band="under_10k",
    )
    services.idea_propose(
        actor=personas["frontline"],
        title="Text reminders for bin collection changes",
        description="Residents sign up once and get a text the day before a changed "
        "collection. Nobody has raised this as a need, but crews see missed bins every bank "
        "holiday.",
        cost_band="under_10k",
    )
    first = comments.comment_post(
        actor=personas["frontline"],
        target=made[0],
        body="Our community transport drivers see this **every day**: people wait at the "
        "bottom of the stairs for someone to carry their buggy.",
        stance="for",
    )
    comments.comment_post(
        actor=personas["resident"],
        target=made[0],
        body="Thank you. Is the lift the council's or the rail operator's?",
        stance="question",
        parent=first,
    )
    services.need_answer(
        actor=personas["buyer"],
        need=made[5],
        status="adopted",
        reason="We will trial weekend collections in the town centre from January, and publish "
        "the results.",
    )
    services.need_answer(
        actor=personas["buyer"],
        need=made[1],
        status="considering",
        reason="Our adult social care team is reviewing visit lengths with the care providers.",
    )
    council_open = list(
        Need.objects.filter(
            pk__in=[n.pk for n in made],
            organisation=personas["council"],
            status__in=Need.OPEN_STATUSES,
        )
    )
    if len(council_open) >= 2:
        round_ = ranking.round_open(
            actor=personas["buyer"],
            organisation=personas["council"],
            title="What should Riverside tackle first this winter?",
            needs=council_open,
        )
        for key in ["resident", "frontline", "supplier"]:
            while (pair := ranking.next_pair(round_, personas[key])) is not None:
                left, right = pair
                # Demo answers: the need with more supports tends to win.
                winner = left if left.support_count >= right.support_count else right
                ranking.compare(
                    actor=personas[key], ranking=round_, left=left, right=right, winner=winner
                )
    return len(made)
