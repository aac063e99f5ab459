"""Cross-site scripting, in a browser: a corpus of classic payloads goes through every text a
person can write, and through the query strings pages echo, and none of them runs.

Each payload, if it ran, would set ``window.__xss`` to a number saying which field it came through
and which payload it was (100 times the field's number plus the payload's: ``Corpus.where``). The
data is made through the services, as people would make it, and every page that shows it is read
in Chromium with the Content-Security-Policy *bypassed*, so that what is checked is the escaping
and the Markdown cleaning themselves (the policy has its own test, test_security.py). After each
page: ``window.__xss`` was never set (a setter installed before the page's own scripts records
any run, in frames too); no element has an ``on*`` or htmx ``hx-on`` attribute or a ``srcdoc``,
and no URL attribute holds a ``javascript:``, ``vbscript:`` or ``data:`` address (tabs and
newlines ignored, as browsers do); the only scripts are our own files under /static/; there is no
iframe, frame, object, embed, applet or base element, and no meta, link or style element in the
body. Every page read must show some payload text (query-string pages excepted), and every field
written must be on at least one page read, so the sweep cannot pass by reading empty pages. The
need, the specification and the process are then read again with the policy on, through
``Steps``, so axe checks them with the payload text present.

Fields covered (each gets as many payloads as its length limit allows; long ones get them all):

- people and organisations: user display names (``user_update_profile``), API token names,
  organisation names, descriptions and websites (``organisation_create``,
  ``organisation_update``);
- needs: title, description, who it affects, place, evidence links, an attachment's file name;
  the buyer's public answer (reason and link); ideas (title, description, the adoption reason); a
  ranking round (title, question);
- discussion: comments and replies on needs, ideas, specifications, suggestions and passages
  (Markdown, through nh3), an edited comment's earlier text, a comment held as spam, a report's
  detail, a moderator's decision reason and block reason;
- specifications: title, summary, section text (Markdown), a new section's heading, version
  notes, suggested edits (text, reason), the reasons a suggestion is accepted and rejected,
  comments on passages, acknowledgements at the lessons gate;
- processes: title, summary, how to enter; phase titles, descriptions, success and kill
  criteria; criteria names and descriptions; a lot's title; the reason a deadline is extended;
  the reason a process is cancelled and its "no lesson" reason; clarification questions and
  answers; submission answers and attached file names (to the panel, and once opened);
- evaluation: conflict declarations, score justifications, the moderated score's reason, the
  reason blinding is turned off, stage-gate reasons and the lesson a stop teaches, the award
  rationale and the reason for awarding below the top score (debriefs show them);
- contracts: title, milestones (title, acceptance criteria, the note when one is not accepted),
  outcome measures (name, unit), an amendment's reason, the termination reason and its "no
  lesson" reason;
- lessons: title, what was tried, what happened, why, what to do differently, tags, the page it
  is about (a ``javascript:`` address, kept as its path), the reason names were removed; a lesson
  imported from a spreadsheet for an organisation without an account (``attributed_to``);
- open data imported from another publisher: publisher name, address (a ``javascript:`` one,
  dropped) and licence, the tender's title, buyer and supplier names;
- query strings that pages echo: the search box (``/search/?q=``) and its filters, the filters
  of the lists of needs, ideas, specifications, processes, lessons, records and red flags, the
  receipt checker, version comparison and provenance, a phase's results, the
  comment-on-a-passage form (``?quote=``), the activity log's page, ``?next=`` on the sign-in
  page (also followed after signing in), the path of a page that does not exist.

Pages read, as the persona who sees each: the home page; needs (list, awaiting an answer, each
need; one as the buyer, with the answer form), ideas (list, one idea), search (a query
that finds the payloads and marks it), ranking rounds (list, one round); specifications (list,
a frozen one and a draft, the history, a version, a comparison, the provenance, suggestions and
each suggestion, a passage's comment, the forms that edit a section and suggest an edit, with
the payload text in their text boxes); processes (list, each one; the draft forms: details,
phases, criteria, lots, publish), questions, the supplier's submission form (payloads in its
text boxes), the opened submissions and each one, the evaluation panel (an evaluator's, and one
who declared conflicts), responses to score, results of each phase, the stage gate (the form and
its outcome), the award form and notice, debriefs, the receipt checker, the supplier's lists of
submissions and invitations; a contract; lessons (library, each one); organisations (list, three,
the edit form); the profile and API tokens; notifications; the moderation queue; a comment's
history; the activity log (two pages); the dashboards, a buyer's dashboard, red flags; open-data
records (list, ours and the imported one).

Not covered, and why: a lot's description and a bidder's comment when rating a buyer (both are
written, ``shown=False``: no page shows them, only the API and, for ratings, the averages); a
challenge's prize reasons (``Prize.reason``: a challenge is another kind of process; the award
notice prints them escaped, like the award rationale covered here); the reason an invitation is
revoked (``Invitation.reason``: revoking one would take a bidder out of the second phase; it is
published through the same process timeline as the deadline extension's reason, covered here);
the RSS feeds (XML, not HTML pages; Django's feed generator escapes them); e-mails (plain text).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from openbuy.accounts import services as accounts
from openbuy.accounts.models import Membership, Organisation, User
from openbuy.contracts import services as contracts
from openbuy.demo.personas import create_personas
from openbuy.discussion import moderation
from openbuy.discussion import services as discussion
from openbuy.evaluation import services as evaluation
from openbuy.lessons import capture, gate
from openbuy.lessons import services as lessons
from openbuy.lessons.models import Lesson
from openbuy.needs import ranking
from openbuy.needs import services as needs
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area, Need
from openbuy.opendata import flags, importing
from openbuy.opendata.models import Record
from openbuy.processes import services as processes
from openbuy.processes.models import Invitation, Submission
from openbuy.specifications import services as specs
from tests.system.conftest import Steps

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "persona-password-123"
NEIGHBOUR = Path(__file__).resolve().parents[2] / "openbuy/demo/data/neighbour-ocds.json"

# (what it tries, the payload). "§" becomes the number ``window.__xss`` is set to if it runs.
PAYLOADS = [
    ("a script element", "<script>window.__xss=§</script>"),
    ("an attribute break-out with an image", '"><img src=x onerror=window.__xss=§>'),
    ("a single-quote break-out with SVG", "'><svg onload=window.__xss=§>"),
    ("a Markdown javascript: link", "[a link](javascript:window.__xss=§)"),
    ("a javascript: link split by a tab", '<a href="jav&#x09;ascript:window.__xss=§">tab</a>'),
    ("a textarea break-out", "</textarea><script>window.__xss=§</script>"),
    ("a title break-out", "</title><img src=x onerror=window.__xss=§>"),
    ("an iframe srcdoc", '<iframe srcdoc="&lt;script&gt;parent.__xss=§&lt;/script&gt;"></iframe>'),
    (
        "mutation XSS (math, mglyph, style)",
        "<math><mtext></form><form><mglyph><style></math><img src onerror=window.__xss=§>",
    ),
    ("a Markdown data: link", "[data __xss=§](data:text/html;base64,{base64})"),
    ("template injection", "{{ 7|add:§ }}{% debug %}${§*0}#{§} __xss=§"),
    ("a script in SVG", "<svg><script>window.__xss=§</script></svg>"),
    ("details ontoggle", "<details open ontoggle=window.__xss=§>"),
    ("autofocus onfocus", "<input autofocus onfocus=window.__xss=§>"),
    ("a Markdown autolink", "<javascript:window.__xss=§>"),
    ("an entity-encoded javascript: link", '<a href="&#106;avascript:window.__xss=§">ent</a>'),
    ("an object with a data: URL", '<object data="data:text/html,&lt;script&gt;parent.__xss=§">'),
    ("a comment break-out", "<!--><img src=x onerror=window.__xss=§>-->"),
    ("a noscript break-out", '<noscript><p title="</noscript><img src=x onerror=window.__xss=§>">'),
    ("an htmx inline handler", '<div hx-on:htmx:load="window.__xss=§" hx-get="/">hx</div>'),
    (
        "Unicode look-alikes and a zero-width split",
        "＜script＞window.__xss=§＜/script＞<scr\u200bipt>window.__xss=§</scr\u200bipt>\u202e",
    ),
    ("a Markdown reference link", "[ref][r§]\n\n[r§]: javascript:window.__xss=§"),
    (
        "a button formaction",
        "<form><button formaction=javascript:window.__xss=§>go</button></form>",
    ),
    (
        "a base element and a meta refresh",
        '<base href="javascript:window.__xss=§//"><meta http-equiv="refresh" '
        'content="0;url=javascript:window.__xss=§">',
    ),
    ("a Markdown image with a handler", '![x" onerror="window.__xss=§](x)'),
    ("a JavaScript string break-out", "';window.__xss=§;//\\\";window.__xss=§;//\u2028</script>"),
    # Web addresses that pass validation (https, no spaces) and try to leave their attribute
    (
        "an address breaking out with a double quote",
        'https://x.example/"onfocus="window.__xss=§"x="',
    ),
    (
        "an address breaking out with a single quote",
        "https://x.example/'><svg/onload=window.__xss=§>",
    ),
    ("a javascript: address", "javascript:window.__xss=§"),
]
LINKS = range(len(PAYLOADS) - 3, len(PAYLOADS))  # the last three
# Left out of free text: links there, three to a post, would hold it for a moderator as spam.
HTTPS = LINKS[:2]


class Corpus:
    """Hands out payload text for each field, numbered so a payload that ran says where from."""

    def __init__(self) -> None:
        self.fields: list[str] = []
        self.unshown: set[int] = set()  # fields no page needs to show

    def text(
        self,
        field: str,
        limit: int = 5_000,
        *,
        lead: str = "",
        line: bool = False,
        shown: bool = True,
        name: bool = False,
    ) -> str:
        """As many payloads as fit in ``limit`` characters (all of them in a long field),
        after ``lead``; on one line for one-line fields, else a Markdown paragraph each.
        Unless ``shown`` is false, some page read must show the field's text. A file ``name``
        gets only payloads without "/" (uploads keep only what follows the last one)."""
        self.fields.append(field)
        number = len(self.fields)
        if not shown:
            self.unshown.add(number)
        separator = " " if line else "\n\n"
        # A label first: Markdown cleaning may drop every payload (an unclosed <style> takes
        # all that follows with it), and the page must still show that the field is there.
        parts = [f"{lead} xss-{number}" if lead else f"xss-{number}"]
        start = (number * 7) % len(PAYLOADS)  # short fields each get different payloads first
        for k in range(len(PAYLOADS)):
            index = (start + k) % len(PAYLOADS)
            if index in HTTPS:
                continue
            piece = self.payload(number, index)
            if line or name:
                piece = piece.replace("\n", " ")
            if name and "/" in piece:
                continue
            if len(separator.join([*parts, piece])) <= limit:
                parts.append(piece)
        return separator.join(parts)

    @staticmethod
    def payload(number: int, index: int) -> str:
        mark = str(number * 100 + index)
        script = f"<script>parent.__xss={mark}</script>".encode()
        text = PAYLOADS[index][1].replace("{base64}", base64.b64encode(script).decode())
        return text.replace("§", mark)

    def link(self, field: str, which: int = 0, *, shown: bool = True) -> str:
        """A web address: one of the three at the end of PAYLOADS, the https ones by default."""
        self.fields.append(field)
        if not shown:
            self.unshown.add(len(self.fields))
        return self.payload(len(self.fields), LINKS[which])

    def query(self, field: str) -> str:
        """A query-string value: several payloads in one (browsers send at most a few KB)."""
        return self.text(field, 600, line=True, shown=False)

    def where(self, mark: str) -> str:
        number, index = divmod(int(mark), 100)
        if not 1 <= number <= len(self.fields) or index >= len(PAYLOADS):
            return f"payload {mark}"
        return f"{self.fields[number - 1]}, through {PAYLOADS[index][0]} (payload {mark})"


# Run in every page and frame before its own scripts: a payload that runs sets __xss, which is
# recorded and reported on the console even if it runs after the checks.
RECORD_RUNS = """
(() => {
  const runs = [];
  Object.defineProperty(window, "__xssRuns", { value: runs });
  Object.defineProperty(window, "__xss", {
    get() { return runs.length ? runs[runs.length - 1] : undefined; },
    set(value) { runs.push(String(value)); console.error("XSS ran: __xss=" + value); },
  });
})();
"""

# Let handlers that fire after load (autofocus, ontoggle) have their turn, then look for what
# ran or slipped in; and say whether the expected text is on the page.
INSPECT = r"""async (expected) => {
  await new Promise((done) =>
    requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0))));
  const found = [];
  const show = (el) => el.outerHTML.slice(0, 240);
  const squash = (value) => value.replace(/[\u0000-\u0020\u007f]/g, "").toLowerCase();
  const risky = (value) => {
    const url = squash(value);
    return url.startsWith("javascript:") || url.startsWith("vbscript:")
      || (url.startsWith("data:") && !/^data:image\/(png|jpe?g|gif|webp)[;,]/.test(url));
  };
  const URLS = new Set(["href", "src", "action", "formaction", "data", "xlink:href", "poster",
    "background", "lowsrc", "ping", "codebase", "srcset"]);
  if (window.__xss !== undefined) found.push(`window.__xss is ${window.__xss}`);
  const forbidden = "iframe, frame, frameset, object, embed, applet, base, portal";
  for (const el of document.querySelectorAll(forbidden)) found.push(`element: ${show(el)}`);
  for (const el of document.body.querySelectorAll("meta, link, style")) {
    found.push(`element in the body: ${show(el)}`);
  }
  for (const el of document.querySelectorAll("script")) {
    const src = el.getAttribute("src");
    if (!src || !src.startsWith("/static/")) found.push(`script: ${show(el)}`);
  }
  for (const el of document.querySelectorAll("*")) {
    for (const attribute of el.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on") || /^(data-)?hx-on/.test(name) || name === "srcdoc") {
        found.push(`attribute ${name}: ${show(el)}`);
      } else if (URLS.has(name) && risky(attribute.value)) {
        found.push(`${name}="${attribute.value}": ${show(el)}`);
      } else if (name === "style" && /expression\(|javascript:|url\(/i.test(attribute.value)) {
        found.push(`style: ${show(el)}`);
      }
    }
  }
  const html = document.documentElement.outerHTML;
  const fields = new Set();  // whose text is on the page: by its label, or a payload's number
  for (const [, n] of html.matchAll(/\bxss-(\d+)/g)) fields.add(Number(n));
  for (const [, n] of html.matchAll(/__xss=(\d+)/g)) fields.add(Math.floor(Number(n) / 100));
  return [found, !expected || html.includes(expected), [...fields]];
}"""


class Sweep:
    """Reads pages with the Content-Security-Policy bypassed and records what ran or slipped in."""

    def __init__(self, browser, live_server, corpus: Corpus, people: dict) -> None:
        self.browser, self.base, self.corpus, self.people = browser, live_server.url, corpus, people
        self.problems: list[str] = []
        self.seen: set[int] = set()  # the fields whose text was on a page read
        self.pages = 0

    def context(self, who: str | None):
        context = self.browser.new_context(
            base_url=self.base, bypass_csp=True, viewport={"width": 1200, "height": 900}
        )
        context.set_default_timeout(15_000)
        context.add_init_script(RECORD_RUNS)
        if who is not None:
            # Signed in as the persona without the sign-in form (it has tests of its own).
            client = Client()
            client.force_login(self.people[who])
            name = django_settings.SESSION_COOKIE_NAME
            context.add_cookies(
                [{"name": name, "value": client.cookies[name].value, "url": self.base}]
            )
        page = context.new_page()
        page.on("console", lambda message: self._console(who, page, message))
        return page

    def _console(self, who, page, message) -> None:
        if message.text.startswith("XSS ran:"):
            self.problems.append(self._described(f"[{who or 'anyone'}] {page.url}: {message.text}"))

    def _described(self, problem: str) -> str:
        marks = sorted(set(re.findall(r"__xss=(\d+)", problem)))
        where = "; ".join(self.corpus.where(mark) for mark in marks)
        return f"{problem}\n    from: {where}" if where else problem

    def read(self, who: str | None, paths: list[str | tuple[str, str | None]]) -> None:
        """Read each page as ``who`` (None: signed out). A path may come with the text expected
        on it (by default, payload text: the page must show some for the check to mean much)."""
        page = self.context(who)
        try:
            for item in paths:
                path, expected = item if isinstance(item, tuple) else (item, "__xss")
                self.check(page, who, path, expected)
        finally:
            page.context.close()

    def check(self, page, who: str | None, path: str, expected: str | None = "__xss") -> None:
        """Read one page. Where text is expected it must be a 200; anything else must not fail."""
        label = f"[{who or 'anyone'}] {path[:160]}"
        response = page.goto(path, wait_until="load")
        self.pages += 1
        status = response.status if response is not None else 0
        if status >= 500 or (expected and status != 200):
            self.problems.append(f"{label}: HTTP {status}")
        found, shown, fields = page.evaluate(INSPECT, expected)
        self.seen.update(fields)
        self.problems += [self._described(f"{label}: {problem}") for problem in found]
        if not shown:
            self.problems.append(f"{label}: {expected!r} is not on the page, so it tested nothing")


def _user(email: str, name: str) -> User:
    user = User.objects.create_user(email, PASSWORD, name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")


def _neighbour_package(corpus: Corpus) -> bytes:
    """One release of the demo's neighbouring council, its words replaced by payloads."""
    package = json.loads(NEIGHBOUR.read_text(encoding="utf-8"))
    release = package["releases"][0]
    release["ocid"] = release["tender"]["id"] = "ocds-xsstest-0001"
    release["id"] = "ocds-xsstest-0001-award"
    buyer = corpus.text("imported buyer name", 150, line=True)
    supplier = corpus.text("imported supplier name", 150, line=True)
    for party in release["parties"]:
        party["name"] = buyer if "buyer" in party["roles"] else supplier
    release["buyer"]["name"] = buyer
    for holder in [release["tender"], *release["bids"]["details"], *release["awards"]]:
        for organisation in holder.get("tenderers", []) + holder.get("suppliers", []):
            organisation["name"] = supplier
    release["tender"]["title"] = corpus.text("imported tender title", 200, line=True)
    package["releases"] = [release]
    package["publisher"] = {
        "name": corpus.text("imported publisher name", 150, line=True),
        "uri": corpus.link("imported publisher address (dropped: not https)", 2, shown=False),
    }
    package["license"] = corpus.text("imported licence", 400, line=True)
    package["publicationPolicy"] = corpus.link("imported policy address", 2, shown=False)
    return json.dumps(package).encode()


def test_no_payload_runs_on_any_page(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    corpus = Corpus()
    t = corpus.text
    with time_machine.travel(timezone.now(), tick=True) as clock:
        people = create_personas(password=PASSWORD)
        load_cpv_divisions(Area)
        sweep = Sweep(browser, live_server, corpus, people)
        council = people["council"]
        buyer, admin = people["buyer"], people["admin"]

        # People and organisations
        for key in ("resident", "supplier", "frontline", "evaluator", "buyer"):
            person = people[key]
            accounts.user_update_profile(
                actor=person,
                user=person,
                name=t(f"the display name of {person.email}", 150, lead="Name", line=True),
            )
            person.refresh_from_db()
        for key in ("council", "bigco", "coop"):
            org = people[key]
            details = {}
            if key != "coop":  # its page is read like the others'
                details = {
                    "description": t(f"the description of {org.slug}", 3_000),
                    "website": corpus.link(f"the website of {org.slug}"),
                }
            accounts.organisation_update(
                actor=admin,
                organisation=org,
                name=t(f"the name of {org.slug}", 200, lead=org.name, line=True),
                **details,
            )
            org.refresh_from_db()
        accounts.api_token_create(
            actor=people["resident"], name=t("an API token's name", 100, line=True)
        )
        zed_org = accounts.organisation_create(
            actor=admin,
            name=t("a new organisation's name", 200, lead="Zed", line=True),
            kind=Organisation.Kind.SUPPLIER,
            size=Organisation.Size.SMALL,
            description=t("a new organisation's description", 3_000),
        )
        people["zed"] = zed = _user("zed@example.org", "Zed")
        accounts.membership_add(
            actor=admin, organisation=zed_org, email=zed.email, role=Membership.Role.SUPPLIER
        )
        rhys = people["rival"] = _user("rhys@example.org", "Rhys Northgate")
        Membership.objects.create(
            user=rhys, organisation=people["bigco"], role=Membership.Role.SUPPLIER
        )

        # Needs, ideas, a ranking round, talk about them
        def need(title_field: str) -> Need:
            return needs.need_raise(
                actor=people["resident"],
                title=t(title_field, 150, lead="Lift", line=True),
                description=t("a need's description", 10_000, lead="The lift is broken."),
                affects=t("who a need affects", 300, line=True),
                place=t("a need's place", 200, line=True),
                evidence=corpus.link(f"{title_field}: evidence link 1")
                + "\n"
                + corpus.link(f"{title_field}: evidence link 2", 1),
                area="transport-services-excl-waste-transport",
                organisation=council,
            )

        lift, bus = need("a need's title"), need("a second need's title")
        needs.attachment_add(
            actor=people["resident"],
            need=lift,
            upload=_pdf(t("a need's attachment name", 180, name=True) + ".pdf"),
        )
        needs.needs_policy_update(
            actor=buyer,
            organisation=council,
            support_threshold=1,
            answer_within_days=14,
            vote_budget=None,
        )
        needs.need_support(actor=people["supplier"], need=bus)
        round_ = ranking.round_open(
            actor=buyer,
            organisation=council,
            title=t("a ranking round's title", 150, line=True),
            question=t("a ranking round's question", 200, line=True),
            needs=[lift, bus],
        )
        idea = needs.idea_propose(
            actor=people["supplier"],
            title=t("an idea's title", 150, lead="Minibus", line=True),
            description=t("an idea's description", 5_000),
            need=lift,
            on_behalf_of=people["coop"],
        )
        needs.need_answer(
            actor=buyer,
            need=lift,
            status="adopted",
            reason=t("the buyer's answer to a need", 10_000),
            link_url=corpus.link("the link in the buyer's answer", 1),
        )
        lift.refresh_from_db()
        idea = needs.idea_adopt(actor=buyer, idea=idea, reason=t("the idea adoption reason"))
        said = discussion.comment_post(
            actor=people["frontline"],
            target=lift,
            body=t("a comment on a need (Markdown)", 5_000),
            stance="for",
        )
        discussion.comment_post(
            actor=people["resident"], target=lift, body=t("a reply", 5_000), parent=said
        )
        discussion.comment_edit(
            actor=people["frontline"], comment=said, body=t("an edited comment", 5_000)
        )
        spam = discussion.comment_post(
            actor=people["supplier"],
            target=lift,
            body="Click here: https://a.example https://b.example https://c.example\n\n"
            + t("a comment held as spam", 4_000),
        )
        moderation.decide(
            actor=people["moderator"],
            target=spam,
            decision="restore",
            reason=t("a moderator's reason", 500, line=True),
        )
        moderation.report(
            actor=people["resident"],
            target=idea,
            reason="other",
            detail=t("a report's detail", 2_000),
        )
        discussion.comment_post(
            actor=people["frontline"], target=idea, body=t("a comment on an idea", 5_000)
        )

        # A specification written in the open: sections, suggestions, passages, versions
        spec = specs.specification_create(
            actor=buyer,
            organisation=council,
            title=t("a specification's title", 150, lead="Evening", line=True),
            summary=t("a specification's summary", 1_000),
            needs=[lift],
            ideas=[idea],
            value_amount="120000",
        )
        opening = "Residents need the library open in the evening."
        specs.section_edit(
            actor=buyer,
            spec=spec,
            key="outcomes",
            body=opening + "\n\n" + t("a specification section (Markdown)", 19_000),
            note=t("a version note", 1_000),
        )
        specs.section_add(
            actor=buyer,
            spec=spec,
            heading=t("a new section's heading", 150, line=True),
            body=t("a new section's text", 5_000),
        )
        spec.refresh_from_db()
        body = spec.latest.section("outcomes")["body"]
        accepted = specs.suggestion_create(
            actor=people["supplier"],
            spec=spec,
            section_key="outcomes",
            proposed_text=body + "\n\n" + t("a suggested edit's text", 5_000),
            reason=t("a suggested edit's reason", 2_000),
            on_behalf_of=people["coop"],
        )
        rejected = specs.suggestion_create(
            actor=people["resident"],
            spec=spec,
            section_key="outcomes",
            proposed_text=t("a rejected suggestion's text", 5_000),
            reason=t("a rejected suggestion's reason", 2_000),
        )
        specs.suggestion_accept(
            actor=buyer, suggestion=accepted, reason=t("the reason a suggestion is accepted", 2_000)
        )
        specs.suggestion_reject(
            actor=buyer, suggestion=rejected, reason=t("the reason a suggestion is rejected", 2_000)
        )
        passage = specs.annotation_create(
            actor=people["resident"],
            spec=spec,
            section_key="outcomes",
            paragraph=0,
            quote="open in the evening",
            body=t("a comment on a passage", 5_000),
        )
        for target, field in ((spec, "specification"), (accepted, "suggestion")):
            discussion.comment_post(
                actor=people["resident"], target=target, body=t(f"a comment on a {field}", 5_000)
            )
        discussion.comment_post(
            actor=people["supplier"], target=passage, body=t("a reply to a passage's comment")
        )
        spec.refresh_from_db()
        specs.specification_freeze(actor=buyer, spec=spec)
        spec.refresh_from_db()

        # A second specification, still being drafted, with an open suggestion and a passage
        draft = specs.specification_create(
            actor=buyer,
            organisation=council,
            title=t("a draft specification's title", 150, lead="Draft", line=True),
        )
        specs.section_edit(
            actor=buyer,
            spec=draft,
            key="outcomes",
            body=opening + "\n\n" + t("a draft specification's section", 19_000),
        )
        draft.refresh_from_db()
        open_suggestion = specs.suggestion_create(
            actor=people["supplier"],
            spec=draft,
            section_key="outcomes",
            proposed_text=t("an open suggestion's text", 5_000),
            reason=t("an open suggestion's reason", 2_000),
        )
        specs.annotation_create(
            actor=people["frontline"],
            spec=draft,
            section_key="outcomes",
            paragraph=0,
            quote="library open",
            body=t("a comment on a draft's passage", 5_000),
        )

        # A tender drafted with lots, then cancelled
        tender = processes.process_create(
            actor=buyer,
            specification=draft,
            kind="tender",
            title=t("a cancelled tender's title", 150, line=True),
        )
        processes.lots_set(
            actor=buyer,
            process=tender,
            lots=[
                {
                    "title": t("a lot's title", 150, line=True),
                    # Only the API shows it: no page does (see the docstring).
                    "description": t("a lot's description", 5_000, shown=False),
                    "value_amount": "1000",
                }
            ],
        )
        sweep.read(
            "buyer",
            [
                f"/processes/{tender.pk}/lots/",
            ],
        )
        processes.process_cancel(
            actor=buyer,
            process=tender,
            reason=t("the reason a process is cancelled", 2_000),
            lesson=capture.no_lesson(t("a cancellation's no-lesson reason", 2_000)),
        )

        # A staged competition: three suppliers, two go forward, one is awarded
        start = timezone.now()
        process = processes.process_create(
            actor=buyer,
            specification=spec,
            kind="staged",
            title=t("a process's title", 150, lead="Evening", line=True),
            summary=t("a process's summary", 5_000),
            how_to_enter=t("how to enter a process", 5_000),
        )
        processes.phases_set(actor=buyer, process=process, count=2)
        for number, (enquiry, deadline) in {1: (1, 2), 2: (11, 12)}.items():
            processes.phase_update(
                actor=buyer,
                process=process,
                number=number,
                title=t(f"phase {number}'s title", 150, line=True),
                description=t(f"phase {number}'s description", 5_000),
                success_criteria=t(f"phase {number}'s success criteria", 2_000),
                kill_criteria=t(f"phase {number}'s kill criteria", 2_000),
                take_forward=2 if number == 1 else None,
                enquiry_end=start + timedelta(days=enquiry),
                deadline=start + timedelta(days=deadline),
            )
        processes.criteria_set(
            actor=buyer,
            process=process,
            criteria=[
                {
                    "kind": kind,
                    "weight": weight,
                    "name": t(f"the {kind} criterion's name", 150, lead=kind, line=True),
                    "description": t(f"the {kind} criterion's description", 5_000),
                }
                for kind, weight in (("quality", 60), ("price", 20), ("social_value", 20))
            ],
        )
        sweep.read(
            "buyer",
            [
                f"/processes/{process.pk}/edit/",
                f"/processes/{process.pk}/phases/1/",
                f"/processes/{process.pk}/criteria/",
                f"/processes/{process.pk}/publish/",
            ],
        )
        processes.process_publish(actor=buyer, process=process)
        process.refresh_from_db()
        question = processes.question_ask(
            actor=people["supplier"], process=process, text=t("a clarification question", 3_000)
        )
        processes.question_answer(
            actor=buyer, question=question, answer=t("the answer to a question", 10_000)
        )
        processes.deadline_extend(
            actor=buyer,
            process=process,
            deadline=start + timedelta(days=3),
            reason=t("the reason a deadline is extended", 2_000),
        )
        bidders = {"coop": people["supplier"], "bigco": rhys, "zed": zed}
        organisations = {"coop": people["coop"], "bigco": people["bigco"], "zed": zed_org}

        def submit(key: str, phase: int, price: str) -> Submission:
            answers = {
                str(c.number): t(f"{key}'s phase {phase} answer to criterion {c.number}", 20_000)
                for c in process.criteria.exclude(kind="price")
            }
            return processes.submission_save(
                actor=bidders[key],
                process=process,
                organisation=organisations[key],
                answers=answers,
                price=price,
                add_files=[_pdf(t(f"{key}'s phase {phase} file name", 180, name=True) + ".pdf")],
                submit=True,
            )

        first = {
            key: submit(key, 1, price) for key, price in (("coop", "9000"), ("bigco", "12000"))
        }
        first["zed"] = submit("zed", 1, "10000")
        sweep.read(
            "supplier",
            [f"/processes/{process.pk}/submission/", f"/processes/{process.pk}/questions/"],
        )
        receipt = first["coop"].receipt

        def score(phase_submissions: dict, marks: dict, label: str) -> None:
            for who in ("frontline", "evaluator"):
                for key, submission in phase_submissions.items():
                    evaluation.declare(actor=people[who], submission=submission, has_conflict=False)
                    for criterion in process.criteria.exclude(kind="price"):
                        evaluation.score_set(
                            actor=people[who],
                            submission=submission,
                            criterion=criterion,
                            score=marks[key][who],
                            justification=t(
                                f"{who}'s {label} justification, {key}, {criterion.kind}"
                            ),
                        )

        # Phase 1 opened, declared, scored (with a disagreement moderated), the gate decided
        process.refresh_from_db()
        clock.move_to(process.phase.deadline + timedelta(hours=1))
        processes.phase_open(actor=buyer, process=process)
        process.refresh_from_db()
        for who, kind in (("frontline", "staff"), ("evaluator", "expert"), ("org_admin", "staff")):
            evaluation.evaluator_add(actor=buyer, process=process, user=people[who], kind=kind)
        social = process.criteria.get(kind="social_value")
        evaluation.unblind(
            actor=buyer, criterion=social, reason=t("the reason blinding is turned off", 2_000)
        )
        for key, submission in first.items():
            submission.refresh_from_db()
            evaluation.declare(
                actor=people["org_admin"],
                submission=submission,
                has_conflict=True,
                details=t(f"a conflict declared with {key}", 2_000),
            )
        marks = {
            "coop": {"frontline": "8", "evaluator": "3"},
            "bigco": {"frontline": "5", "evaluator": "5"},
            "zed": {"frontline": "7", "evaluator": "7"},
        }
        score(first, marks, "phase 1")
        quality = process.criteria.get(kind="quality")
        evaluation.moderate(
            actor=buyer,
            submission=first["coop"],
            criterion=quality,
            score="6",
            reason=t("the reason for a moderated score", 2_000),
        )
        refs = {key: s.public_id for key, s in first.items()}
        sweep.read(
            "evaluator",
            [
                f"/processes/{process.pk}/evaluation/",
                f"/processes/{process.pk}/evaluation/{refs['coop']}/",
            ],
        )
        sweep.read("org_admin", [f"/processes/{process.pk}/evaluation/"])  # her conflicts
        sweep.read(
            "buyer",
            [
                f"/processes/{process.pk}/evaluation/results/",
                f"/processes/{process.pk}/evaluation/gate/",
            ],
        )
        evaluation.gate_decide(
            actor=buyer,
            process=process,
            decisions={
                refs["coop"]: ("continue", t("the reason a supplier continues", 2_000)),
                refs["zed"]: ("continue", t("the reason a second supplier continues", 2_000)),
                refs["bigco"]: ("stop", t("the reason a supplier is stopped", 2_000)),
            },
            lesson=capture.lesson(
                title=t("a stage gate lesson's title", 200, line=True),
                tried=t("a stage gate lesson's what was tried"),
                happened=t("a stage gate lesson's what happened"),
                why=t("a stage gate lesson's why"),
                do_differently=t("a stage gate lesson's what to do differently"),
            ),
        )

        # Phase 2 for the two taken forward, awarded below the top score
        for key in ("coop", "zed"):
            processes.invitation_respond(
                actor=bidders[key],
                invitation=Invitation.objects.get(phase__number=2, organisation=organisations[key]),
                accept=True,
            )
        process.refresh_from_db()
        processes.phase_start_next(actor=buyer, process=process)
        process.refresh_from_db()
        second = {
            key: submit(key, 2, price) for key, price in (("coop", "48000"), ("zed", "50000"))
        }
        clock.move_to(process.phase.deadline + timedelta(hours=1))
        processes.phase_open(actor=buyer, process=process)
        process.refresh_from_db()
        for submission in second.values():
            submission.refresh_from_db()
        score(
            second,
            {
                "coop": {"frontline": "7", "evaluator": "7"},
                "zed": {"frontline": "8", "evaluator": "8"},
            },
            "phase 2",
        )
        final = {key: s.public_id for key, s in second.items()}
        sweep.read("evaluator", [f"/processes/{process.pk}/evaluation/{final['zed']}/"])
        sweep.read(
            "buyer",
            [f"/processes/{process.pk}/evaluation/award/", f"/processes/{process.pk}/submissions/"],
        )
        award = evaluation.award(
            actor=buyer,
            process=process,
            submission=second["coop"],
            rationale=t("an award's rationale", 2_000),
            below_top_reason=t("the reason for awarding below the top score", 2_000),
        )
        process.refresh_from_db()
        evaluation.rate(
            actor=people["supplier"],
            process=process,
            organisation=people["coop"],
            marks=dict.fromkeys(evaluation.RATED, 4),
            comment=t("a bidder's rating comment (shown nowhere)", 2_000, shown=False),
        )

        # The contract, run and ended early
        clock.move_to(award.standstill_ends + timedelta(hours=1))
        contract = contracts.contract_sign(
            actor=buyer,
            award=award,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=365),
            title=t("a contract's title", 150, line=True),
        )
        due = timezone.localdate() + timedelta(days=30)
        milestones = [
            contracts.milestone_add(
                actor=buyer,
                contract=contract,
                title=t(f"milestone {n}'s title", 150, line=True),
                acceptance_criteria=t(f"milestone {n}'s acceptance criteria", 5_000),
                due_on=due,
            )
            for n in (1, 2)
        ]
        contracts.milestone_decide(
            actor=buyer,
            milestone=milestones[0],
            accept=False,
            note=t("the note when a milestone is not accepted", 5_000),
        )
        outcome = contracts.outcome_add(
            actor=buyer,
            contract=contract,
            name=t("an outcome measure's name", 150, line=True),
            target="400",
            unit=t("an outcome measure's unit", 50, line=True),
        )
        contracts.outcome_record(actor=buyer, outcome=outcome, actual="380")
        contracts.amend(
            actor=buyer, contract=contract, value_change="100", reason=t("an amendment's reason")
        )
        contracts.terminate(
            actor=buyer,
            contract=contract,
            reason=t("the reason a contract is terminated", 5_000),
            lesson=capture.no_lesson(t("a termination's no-lesson reason", 2_000)),
        )

        # Lessons: written (about the specification), names removed, acknowledged, imported
        lesson = lessons.lesson_create(
            actor=buyer,
            organisation=council,
            data={
                "title": t("a lesson's title", 200, lead="Ask", line=True),
                "tried": "Ramsay ran it.\n\n" + t("a lesson's what was tried"),
                "happened": t("a lesson's what happened"),
                "why": t("a lesson's why"),
                "do_differently": t("a lesson's what to do differently"),
                "tags": t("a lesson's tags", 300, line=True),
                "about": f"javascript:/specifications/{spec.pk}/",
            },
        )
        lessons.lesson_redact(
            actor=buyer,
            lesson=lesson,
            names=["Ramsay"],
            reason=t("the reason names were removed", 2_000),
        )
        for target in (spec, process):
            lessons.acknowledge(
                actor=buyer,
                target=target,
                acknowledgements=[
                    gate.Acknowledgement(
                        lesson.pk, gate.Verdict.ADDRESSED, t("a lessons-gate acknowledgement")
                    )
                ],
            )
        row = [
            t(f"an imported lesson's {name}", 200 if name == "title" else 1_000, line=True)
            for name in ("title", "tried", "happened", "why", "do_differently")
        ]
        row += ["", t("an imported lesson's organisation (attributed_to)", 200, line=True)]
        sheet = io.StringIO()
        csv.writer(sheet).writerows([lessons.COLUMNS, row])
        report = lessons.import_csv(sheet.getvalue(), actor=admin)
        assert report.errors == [] and report.stored == 1, report.errors
        moderation.block(
            actor=people["moderator"],
            user=people["zed"],
            reason=t("a moderator's reason for blocking", 500, line=True),
        )

        # Open data from another publisher, with its red flags
        importing.import_file(io.BytesIO(_neighbour_package(corpus)), validate=False)
        flags.refresh()

        # Then no payload runs on any page that shows them
        records = [f"/open-data/records/{r.ocid}/" for r in Record.objects.all()]
        assert len(records) >= 2, records  # ours and the imported one
        lesson_ids = list(Lesson.objects.values_list("pk", flat=True))
        q = corpus.query
        sweep.read(
            None,
            [
                "/",
                "/needs/",
                f"/needs/{lift.pk}/",
                f"/needs/{bus.pk}/",
                "/needs/awaiting-answer/",
                "/ideas/",
                f"/ideas/{idea.pk}/",
                "/search/?q=lift",  # finds the needs, with the word marked in their text
                "/specifications/",
                f"/specifications/{spec.pk}/",
                f"/specifications/{spec.pk}/history/",
                f"/specifications/{spec.pk}/versions/2/",
                f"/specifications/{spec.pk}/compare/?from_version=1&to_version={spec.version_count}",
                f"/specifications/{spec.pk}/provenance/",
                f"/specifications/{spec.pk}/suggestions/",
                f"/specifications/{spec.pk}/suggestions/{accepted.pk}/",
                f"/specifications/{spec.pk}/suggestions/{rejected.pk}/",
                f"/specifications/{spec.pk}/annotations/{passage.pk}/",
                f"/specifications/{draft.pk}/suggestions/{open_suggestion.pk}/",
                "/processes/",
                f"/processes/{process.pk}/",
                f"/processes/{process.pk}/questions/",
                f"/processes/{process.pk}/submissions/",
                f"/processes/{process.pk}/gates/1/",
                f"/processes/{process.pk}/evaluation/results/?phase=1",
                f"/processes/{process.pk}/evaluation/results/",
                f"/processes/{process.pk}/award/",
                f"/processes/{process.pk}/debriefs/{final['coop']}/",
                f"/processes/{process.pk}/debriefs/{refs['bigco']}/",
                f"/processes/receipts/?sha256={receipt}",
                f"/contracts/{contract.pk}/",
                "/lessons/",
                *[f"/lessons/{pk}/" for pk in lesson_ids],
                "/organisations/",
                f"/organisations/{council.slug}/",
                f"/organisations/{people['bigco'].slug}/",
                f"/organisations/{zed_org.slug}/",
                "/activity/",
                "/activity/?page=2",  # the older events: names, organisations, needs
                f"/comments/{said.pk}/history/",
                "/insights/?publisher=all",
                "/insights/red-flags/?publisher=all",
                f"/insights/buyers/{council.slug}/",
                "/open-data/records/?publisher=all",
                *records,
            ],
        )
        sweep.read(
            "buyer",
            [
                f"/needs/{lift.pk}/",
                "/rankings/",
                f"/rankings/{round_.pk}/",
                f"/specifications/{draft.pk}/",
                f"/specifications/{draft.pk}/sections/outcomes/edit/",
                f"/processes/{tender.pk}/",
                f"/processes/{process.pk}/submissions/{refs['zed']}/",
                f"/processes/{process.pk}/submissions/{final['coop']}/",
                f"/contracts/{contract.pk}/",
                "/notifications/",
            ],
        )
        sweep.read(
            "supplier",
            [
                f"/specifications/{draft.pk}/sections/outcomes/suggest/",
                f"/specifications/{draft.pk}/annotate/?section=outcomes&paragraph=0&start=0&"
                + urlencode({"quote": q("?quote= on the comment-on-a-passage form")}),
                "/processes/invitations/",
                "/processes/mine/",
                f"/processes/{process.pk}/submission/",
            ],
        )
        sweep.read("moderator", ["/moderation/"])
        sweep.read("admin", [f"/organisations/{council.slug}/edit/"])
        sweep.read("rival", [f"/processes/{process.pk}/submissions/{refs['bigco']}/"])
        sweep.read("resident", ["/notifications/", "/account/", "/account/tokens/"])

        # Query strings that pages echo (what matters is that nothing runs; none need show it)
        def query(path: str, *names: str) -> tuple[str, None]:
            values = {name: q(f"?{name}= on {path}") for name in names}
            return f"{path}?{urlencode(values)}", None

        sweep.read(
            None,
            [
                (query("/search/", "q", "kind", "area", "organisation", "status")[0], "__xss"),
                query("/needs/", "q", "area", "organisation", "place", "status", "sort", "page"),
                query("/needs/similar/", "title"),
                query("/ideas/", "q", "status", "page"),
                query("/specifications/", "q", "status", "organisation", "page"),
                query(f"/specifications/{spec.pk}/compare/", "from_version", "to_version"),
                query("/processes/", "q", "kind", "buyer", "area", "status", "page"),
                query("/processes/receipts/", "sha256"),
                query("/lessons/", "q", "stage", "organisation", "tag", "area", "page"),
                query("/open-data/records/", "q", "publisher", "page"),
                query("/insights/", "publisher"),
                query("/insights/red-flags/", "code", "publisher", "buyer", "page"),
                query("/account/login/", "next"),
                ("/no-such-page/" + quote(q("a path that does not exist")), None),
            ],
        )

        # ?next= on the sign-in page, followed after signing in, goes nowhere it should not
        page = sweep.context(None)
        nowhere = corpus.link("?next= followed after signing in", 2, shown=False)
        page.goto("/account/login/?" + urlencode({"next": nowhere}))
        page.fill("input[name=login]", "rosa@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.locator("main button[type=submit]").first.click()
        page.wait_for_load_state()
        assert page.url.startswith(live_server.url), page.url
        found, _, _ = page.evaluate(INSPECT, None)
        sweep.problems += [f"after sign-in with ?next=: {problem}" for problem in found]
        page.context.close()

        # And with the policy on, axe passes on a sample with the payloads on the page
        anyone = Steps(_policed(browser, live_server))
        axe_failures = []
        for path in (
            f"/needs/{lift.pk}/",
            f"/specifications/{spec.pk}/",
            f"/processes/{process.pk}/",
        ):
            try:
                anyone.visit(path)
            except AssertionError as failure:
                axe_failures.append(str(failure))
        anyone.page.context.close()

    unseen = [
        field
        for number, field in enumerate(corpus.fields, start=1)
        if number not in sweep.seen and number not in corpus.unshown
    ]
    assert unseen == [], f"written, but on none of the {sweep.pages} pages read: {unseen}"
    assert sweep.problems == [], "\n".join(sweep.problems)
    assert axe_failures == [], "\n".join(axe_failures)


def _policed(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()
