"""Generated people and organisations: residents, buyer organisations with their officers and
frontline staff, suppliers of every size (some of them social enterprises) with their members,
invited experts and moderators.

Nobody can sign in with a password: each account has an unusable one, as Django makes for
accounts created without a password. Tests and benchmarks sign in with ``force_login``.
"""

from __future__ import annotations

from faker import Faker

from openbuy.accounts.models import Membership, Organisation, User
from openbuy.demo.generate import words
from openbuy.demo.generate.context import DAY, Buyer, Context, Supplier, between, cumulative
from openbuy.needs.models import NeedsPolicy

# The streets Faker makes that sound like British ones ("Kerr Lane", not "Kerr Stravenue").
STREET_ENDINGS = (
    "Road", "Street", "Lane", "Avenue", "Close", "Way", "Drive", "Crescent", "Place", "Gardens",
    "Grove", "Hill", "Court", "Terrace", "Walk", "Green", "Row", "Park", "View", "Square", "Mews",
)  # fmt: skip
SIZES = [("micro", 45), ("small", 30), ("medium", 17), ("large", 8)]
THRESHOLDS = [10, 25, 50, 100]
ANSWER_DAYS = [14, 21, 30, 60]


def name_pools(ctx: Context) -> None:
    """First names, surnames and streets, from Faker seeded with the run's seed."""
    fake = Faker("en_GB")
    fake.seed_instance(ctx.seed)
    ctx.first_names = sorted({fake.first_name() for _ in range(600)})
    ctx.last_names = sorted({fake.last_name() for _ in range(900)})
    ctx.streets = sorted(
        {street for _ in range(4000) if (street := fake.street_name()).endswith(STREET_ENDINGS)}
    )


def run(ctx: Context) -> None:
    rng = ctx.rng("people")
    name_pools(ctx)
    users = ctx.writer.table(
        User,
        "id",
        "password",
        "is_superuser",
        "email",
        "name",
        "site_role",
        "is_active",
        "email_notifications",
        "date_joined",
    )
    organisations = ctx.writer.table(
        Organisation,
        "id",
        "name",
        "slug",
        "kind",
        "size",
        "is_social_enterprise",
        "time_zone",
        "description",
        "website",
        "created_at",
    )
    memberships = ctx.writer.table(Membership, "id", "user", "organisation", "role", "created_at")
    policies = ctx.writer.table(
        NeedsPolicy, "id", "organisation", "support_threshold", "answer_within_days"
    )
    joined_from, joined_to = ctx.start - 365 * DAY, ctx.start
    slugs = set(ctx.taken_slugs)

    def person(site_role: str = "") -> int:
        pk = users.new_id()
        first, last = rng.choice(ctx.first_names), rng.choice(ctx.last_names)
        name = f"{first} {last}"
        email = f"{first}.{last}.{pk}@example.org".lower().replace(" ", "").replace("'", "")
        users.add(
            pk,
            f"!{rng.getrandbits(128):032x}",  # unusable, as make_password(None) makes
            False,
            email,
            name,
            site_role,
            True,
            rng.choice(["daily", "daily", "immediate", "never"]),
            between(rng, joined_from, joined_to),
        )
        ctx.names[pk] = name
        return pk

    def slug_for(name: str) -> str:
        from django.utils.text import slugify

        base = slugify(name)[:70]
        slug, n = base, 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.add(slug)
        return slug

    def organisation(name: str, kind: str, size: str, social: bool, description: str) -> int:
        pk = organisations.new_id()
        slug = slug_for(name)
        organisations.add(
            pk,
            name,
            slug,
            kind,
            size,
            social,
            "Europe/London",
            description,
            f"https://www.{slug}.example.org",
            between(rng, joined_from, joined_to),
        )
        return pk

    def member(user: int, org: int, role: str) -> None:
        memberships.add(memberships.new_id(), user, org, role, between(rng, joined_from, joined_to))

    for _ in range(ctx.scale.moderators):
        person(User.SiteRole.MODERATOR)

    buyer_names: set[str] = set()
    for _ in range(ctx.scale.buyers):
        name = ""
        while not name or name in buyer_names:
            pattern = words.pick(rng, words.BUYER_KINDS)
            name = pattern.format(town=rng.choice(words.TOWNS))
            if len(buyer_names) >= len(words.TOWNS) * len(words.BUYER_KINDS):
                name += f" {len(buyer_names)}"
        buyer_names.add(name)
        pk = organisation(
            name,
            Organisation.Kind.BUYER,
            "",
            False,
            f"{name} buys services for the people of {name.split()[0]}.",
        )
        admin = person()
        member(admin, pk, Membership.Role.ADMIN)
        officers = [person() for _ in range(rng.randint(2, 6))]
        frontline = [person() for _ in range(rng.randint(3, 12))]
        for user in officers:
            member(user, pk, Membership.Role.BUYER)
        for user in frontline:
            member(user, pk, Membership.Role.FRONTLINE)
            ctx.frontline_of[user] = pk
        threshold, days = 25, 30
        if rng.random() < 0.6:
            threshold, days = rng.choice(THRESHOLDS), rng.choice(ANSWER_DAYS)
            policies.add(policies.new_id(), pk, threshold, days)
        ctx.buyers.append(Buyer(pk, name, admin, officers, frontline, threshold, days))
        ctx.buyer_by_id[pk] = ctx.buyers[-1]
    # Larger buyers (the first, by weight) get more needs and run more processes.
    ctx.buyer_weights = cumulative([1 / (i + 1) ** 0.7 for i in range(len(ctx.buyers))])

    for _ in range(ctx.scale.suppliers):
        size = words.pick(rng, SIZES)
        social = size in ("micro", "small") and rng.random() < 0.25
        trade = rng.choice(words.TRADES)
        if social:
            name = f"{rng.choice(words.TOWNS)} {trade} {rng.choice(words.SOCIAL_FORMS)}"
        else:
            name = f"{rng.choice(ctx.last_names)} {trade} {words.COMPANY_FORMS[size]}"
        pk = organisation(
            name,
            Organisation.Kind.SUPPLIER,
            size,
            social,
            f"{'A social enterprise' if social else 'A company'} providing "
            f"{trade.lower()} to councils and public bodies.",
        )
        members = [person() for _ in range(rng.randint(1, 4))]
        member(members[0], pk, Membership.Role.ADMIN)
        for user in members[1:]:
            member(user, pk, Membership.Role.SUPPLIER)
        supplier = Supplier(pk, name, size, social, members)
        ctx.suppliers.append(supplier)
        for user in members:
            ctx.supplier_of[user] = supplier

    ctx.experts = [person() for _ in range(ctx.scale.experts)]
    ctx.residents = [person() for _ in range(ctx.scale.residents)]
    ctx.users = sorted(ctx.names)
    ctx.writer.flush()
