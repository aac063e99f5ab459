"""Who may reach what: the expected answer to every page and API operation, for every persona.

Read by ``test_permission_matrix.py``, which asks for every URL pattern of the site (a page row is
its route name) and every operation of the OpenAPI document (an API row is its method and path,
without ``/api/v1``) as each persona, and fails on any cell that differs, listing them all. A new
route fails the test until its row is added here: decide its column of answers, don't copy them.

The personas are the demo's (``openbuy/demo/personas.py``, the ``personas`` fixture): anonymous
(nobody signed in); a resident; frontline staff, buyer officer and organisation admin of
Riverside Borough Council, which owns every object asked about; a buyer officer of another
buyer (Hillside Health Trust); the evaluator (an invited expert on the council's panels); a
supplier member of the co-operative that submitted to every process; the site moderator; the
site admin. Frontline staff also sit on the council's panels, as staff evaluators.

The objects (the world of ``openbuy/opendata/tests/conftest.py`` plus a few more, see
``Objects`` in the test): an open need with a file, a comment, an idea and a ranking round; a
specification being drafted, with a suggestion and an annotation; a draft process; a live
tender holding the co-operative's sealed submission (with a file) and an unanswered question;
an opened tender under evaluation; an awarded tender with its contract (terminated); a staged
competition past its first stage gate; a challenge with prizes; a draft and a published lesson.
Which process a process route is asked about is set by ``PROCESS_FOR`` in the test (drafting
pages: the draft; the panel's pages: the opened tender; the award's: the awarded one; gates and
invitations: the staged one; prizes: the challenge; everything else: the live tender). A row
``name[variant]`` asks the same route about another object.

Each cell is the outcome of a GET for a page (redirects not followed):

  200      the page
  signin   a redirect to the sign-in page (allauth's, or the Django admin's, which is the same door)
  302      a redirect elsewhere (already signed in, nothing to show on this page, ...)
  403      refused
  404      not found, or hidden from this persona (drafts, sealed submissions)
  405      the route takes only POST: a GET is refused before any permission check

and for an API operation, with the persona's personal API token (none for anonymous):

  200/201/204  done (an unsafe operation runs inside a savepoint that is rolled back)
  401          no credentials
  403          refused by the permission check
  404          not found, or hidden from this persona
  422          past the permission check: the values were rejected (the query for a GET)

Unsafe operations are sent a body made from their schema (every required field with a plain
value of its type, ``sample_body`` in the test), so they pass the schema and reach the service,
which checks permission before it judges the values. A 422 therefore says "allowed to try";
403/404 say "refused". Where a service looks the object up from the body before checking (the
comment, follow and report targets), everyone signed in gets the same 404 or 422: for those the
permission is in the app's own API tests.

The pages that take only a POST (a row of 405s above: the buttons and small forms that act) have
a table of their own, ``POSTS_TABLE``: each is sent an empty form as each persona, inside a
savepoint that is rolled back. 302 or 400 (or 200) there means past the permission check, to the
form's own answer; 403 refused; 404 not shown; ``signin`` asked to sign in first.

Throttles, covered elsewhere and not repeated here: sign-in attempts per account and per
address, sign-ups per address and password resets per account (``accounts/tests/
test_sign_in.py``, the ``throttle`` tests, and the Django admin's sign-in going through the same
door); posting limits per person (``discussion/tests/test_moderation.py``: comments and reports;
``processes/tests/test_services.py``: clarification questions). The test module adds the posting
limits as a person meets them through the API, for each kind of post.
"""

from __future__ import annotations

ANONYMOUS = "anonymous"
PERSONAS = (
    ANONYMOUS,
    "resident",
    "frontline",
    "buyer",
    "org_admin",
    "other_buyer",
    "evaluator",
    "supplier",
    "moderator",
    "admin",
)


def parse(text: str) -> dict[str, dict[str, str]]:
    """A table as {row: {persona: outcome}}. Blank lines and ``#`` comments are skipped; the
    first line is the header and must name the personas in order."""
    lines = [line.split() for line in text.splitlines() if line.strip() and line[0] != "#"]
    header, *rows = lines
    assert tuple(header[1:]) == PERSONAS, f"the header must name {PERSONAS}"
    table: dict[str, dict[str, str]] = {}
    for words in rows:
        # A page's key is its route name; an operation's is its method and path.
        key = " ".join(words[: len(words) - len(PERSONAS)])
        assert len(words) - len(PERSONAS) in {1, 2}, f"{key}: one cell per persona"
        assert key not in table, f"{key} is in the table twice"
        table[key] = dict(zip(PERSONAS, words[-len(PERSONAS) :], strict=True))
    return table


PAGES = """
route                                   anonymous   resident    frontline   buyer       org_admin   other_buyer evaluator   supplier    moderator   admin

# accounts
accounts:member-add                     signin      405         405         405         405         405         405         405         405         405
accounts:member-change                  signin      405         405         405         405         405         405         405         405         405
accounts:organisation-create            signin      403         403         403         403         403         403         403         403         200
accounts:organisation-detail            200         200         200         200         200         200         200         200         200         200
accounts:organisation-edit              signin      403         403         403         200         403         403         403         403         200
accounts:organisation-list              200         200         200         200         200         200         200         200         200         200
accounts:profile                        signin      200         200         200         200         200         200         200         200         200
accounts:token-revoke                   signin      405         405         405         405         405         405         405         405         405
accounts:tokens                         signin      200         200         200         200         200         200         200         200         200

# admin
admin:account_emailaddress_add          signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:account_emailaddress_change       signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:account_emailaddress_changelist   signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:account_emailaddress_delete       signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:account_emailaddress_history      signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:accounts_apitoken_add             signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:accounts_apitoken_change          signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:accounts_apitoken_changelist      signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:accounts_apitoken_delete          signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:accounts_apitoken_history         signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:accounts_organisation_add         signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:accounts_organisation_change      signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:accounts_organisation_changelist  signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:accounts_organisation_delete      signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:accounts_organisation_history     signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:accounts_user_add                 signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:accounts_user_change              signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:accounts_user_changelist          signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:accounts_user_delete              signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:accounts_user_history             signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:app_list                          signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:audit_auditevent_add              signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:audit_auditevent_change           signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:audit_auditevent_changelist       signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:audit_auditevent_delete           signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:audit_auditevent_history          signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:auth_group_add                    signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:auth_group_change                 signin      signin      signin      signin      signin      signin      signin      signin      signin      302
admin:auth_group_changelist             signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:auth_group_delete                 signin      signin      signin      signin      signin      signin      signin      signin      signin      302
admin:auth_group_history                signin      signin      signin      signin      signin      signin      signin      signin      signin      302
admin:autocomplete                      signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:index                             signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:jsi18n                            signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:login                             signin      403         403         403         403         403         403         403         403         302
admin:logout                            302         302         302         302         302         302         302         302         302         405
admin:needs_area_add                    signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:needs_area_change                 signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:needs_area_changelist             signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:needs_area_delete                 signin      signin      signin      signin      signin      signin      signin      signin      signin      403
admin:needs_area_history                signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:password_change                   signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:password_change_done              signin      signin      signin      signin      signin      signin      signin      signin      signin      200
admin:view_on_site                      signin      signin      signin      signin      signin      signin      signin      signin      signin      404

# audit
audit:activity                          200         200         200         200         200         200         200         200         200         200

# contracts
contracts:amend                         signin      403         403         200         200         403         403         403         403         403
contracts:complete                      signin      403         403         200         200         403         403         403         403         403
contracts:detail                        200         200         200         200         200         200         200         200         200         200
contracts:milestone_add                 signin      403         403         200         200         403         403         403         403         403
contracts:milestone_decide              signin      403         403         200         200         403         403         403         403         403
contracts:outcome_add                   signin      403         403         200         200         403         403         403         403         403
contracts:outcome_record                signin      403         403         404         404         403         403         403         403         403
contracts:sign                          signin      404         404         302         302         404         404         404         404         404
contracts:terminate                     signin      403         403         200         200         403         403         403         403         403

# discussion
discussion:decide                       signin      405         405         405         405         405         405         405         405         405
discussion:edit                         signin      200         403         403         403         403         403         403         403         403
discussion:follow                       signin      405         405         405         405         405         405         405         405         405
discussion:history                      200         200         200         200         200         200         200         200         200         200
discussion:moderation                   signin      403         403         403         403         403         403         403         200         200
discussion:notifications                signin      200         200         200         200         200         200         200         200         200
discussion:post                         signin      405         405         405         405         405         405         405         405         405
discussion:report                       signin      200         200         200         200         200         200         200         200         200

# evaluation
evaluation:attachment                   signin      403         404         403         403         403         404         403         403         403
evaluation:award                        signin      403         403         200         200         403         403         403         403         403
evaluation:award_notice                 200         200         200         200         200         200         200         200         200         200
evaluation:debrief                      200         200         200         200         200         200         200         200         200         200
evaluation:evaluate                     signin      403         200         403         403         403         200         403         403         403
evaluation:evaluators                   signin      403         403         200         200         403         403         403         403         403
evaluation:gate                         signin      403         403         200         200         403         403         403         403         403
evaluation:gate_outcome                 200         200         200         200         200         200         200         200         200         200
evaluation:moderate                     signin      403         403         200         200         403         403         403         403         403
evaluation:panel                        signin      403         200         200         200         403         200         403         403         403
evaluation:prizes                       signin      403         403         200         200         403         403         403         403         403
evaluation:rate                         signin      403         403         403         403         403         403         200         403         403
evaluation:results                      signin      403         200         200         200         403         200         403         403         403
evaluation:unblind                      signin      403         403         200         200         403         403         403         403         403

# insights
insights:buyer                          200         200         200         200         200         200         200         200         200         200
insights:overview                       200         200         200         200         200         200         200         200         200         200
insights:red-flags                      200         200         200         200         200         200         200         200         200         200

# lessons
lessons:create                          signin      403         403         200         200         200         403         403         403         403
lessons:detail[draft]                   404         404         404         200         200         404         404         404         404         404
lessons:detail[published]               200         200         200         200         200         200         200         200         200         200
lessons:edit                            signin      404         404         200         200         404         404         404         404         404
lessons:feed                            200         200         200         200         200         200         200         200         200         200
lessons:library                         200         200         200         200         200         200         200         200         200         200
lessons:organisation-feed               200         200         200         200         200         200         200         200         200         200
lessons:publish                         signin      405         405         405         405         405         405         405         405         405
lessons:redact                          signin      403         403         200         200         403         403         403         403         403

# needs
needs:answer                            signin      405         405         405         405         405         405         405         405         405
needs:attachment                        200         200         200         200         200         200         200         200         200         200
needs:attachment-upload                 signin      405         405         405         405         405         405         405         405         405
needs:awaiting                          200         200         200         200         200         200         200         200         200         200
needs:create                            signin      200         200         200         200         200         200         200         200         200
needs:detail                            200         200         200         200         200         200         200         200         200         200
needs:feed                              200         200         200         200         200         200         200         200         200         200
needs:feed-filtered                     200         200         200         200         200         200         200         200         200         200
needs:idea-adopt                        signin      405         405         405         405         405         405         405         405         405
needs:idea-create                       signin      200         200         200         200         200         200         200         200         200
needs:idea-detail                       200         200         200         200         200         200         200         200         200         200
needs:idea-list                         200         200         200         200         200         200         200         200         200         200
needs:idea-support                      405         405         405         405         405         405         405         405         405         405
needs:idea-withdraw                     signin      405         405         405         405         405         405         405         405         405
needs:list                              200         200         200         200         200         200         200         200         200         200
needs:policy                            signin      403         403         200         200         403         403         403         403         200
needs:round                             200         200         200         200         200         200         200         200         200         200
needs:round-close                       signin      405         405         405         405         405         405         405         405         405
needs:round-compare                     signin      405         405         405         405         405         405         405         405         405
needs:round-create                      signin      403         403         200         200         403         403         403         403         200
needs:rounds                            200         200         200         200         200         200         200         200         200         200
needs:search                            200         200         200         200         200         200         200         200         200         200
needs:similar                           200         200         200         200         200         200         200         200         200         200
needs:support                           405         405         405         405         405         405         405         405         405         405

# opendata
opendata:download-flat                  404         404         404         404         404         404         404         404         404         404
opendata:download-records               200         200         200         200         200         200         200         200         200         200
opendata:download-releases              200         200         200         200         200         200         200         200         200         200
opendata:index                          200         200         200         200         200         200         200         200         200         200
opendata:record                         200         200         200         200         200         200         200         200         200         200
opendata:records                        200         200         200         200         200         200         200         200         200         200

# pages
pages:home                              200         200         200         200         200         200         200         200         200         200

# processes
processes:answer                        signin      405         405         405         405         405         405         405         405         405
processes:create                        signin      403         403         200         200         403         403         403         403         403
processes:criteria                      signin      404         404         200         200         404         404         404         404         404
processes:decide                        signin      403         403         200         200         403         403         403         403         403
processes:detail[awarded]               200         200         200         200         200         200         200         200         200         200
processes:detail[draft]                 404         404         404         200         200         404         404         404         404         404
processes:detail[evaluating]            200         200         200         200         200         200         200         200         200         200
processes:detail[live]                  200         200         200         200         200         200         200         200         200         200
processes:edit                          signin      404         404         200         200         404         404         404         404         404
processes:extend                        signin      403         403         200         200         403         403         403         403         403
processes:feed                          200         200         200         200         200         200         200         200         200         200
processes:invitation_respond            signin      405         405         405         405         405         405         405         405         405
processes:invitation_revoke             signin      403         403         200         200         403         403         403         403         403
processes:invitations                   signin      200         200         200         200         200         200         200         200         200
processes:invite                        signin      403         403         200         200         403         403         403         403         403
processes:list                          200         200         200         200         200         200         200         200         200         200
processes:lots                          signin      404         404         200         200         404         404         404         404         404
processes:mine                          signin      200         200         200         200         200         200         200         200         200
processes:next_phase                    signin      405         405         405         405         405         405         405         405         405
processes:open                          signin      403         403         200         200         403         403         403         403         403
processes:phase                         signin      404         404         200         200         404         404         404         404         404
processes:publish                       signin      404         404         200         200         404         404         404         404         404
processes:questions                     200         200         200         200         200         200         200         200         200         200
processes:receipt                       200         200         200         200         200         200         200         200         200         200
processes:submission                    signin      403         403         403         403         403         403         200         403         403
processes:submission_detail             signin      404         404         200         200         404         404         200         404         404
processes:submission_file               signin      404         404         404         404         404         404         200         404         404
processes:submissions                   200         200         200         200         200         200         200         200         200         200
processes:withdraw_question             signin      405         405         405         405         405         405         405         405         405

# sign-in and account (django-allauth)
account_change_password                 signin      200         200         200         200         200         200         200         200         200
account_confirm_email                   200         200         200         200         200         200         200         200         200         200
account_confirm_login_code              signin      302         302         302         302         302         302         302         302         302
account_email                           signin      200         200         200         200         200         200         200         200         200
account_email_verification_sent         200         200         200         200         200         200         200         200         200         200
account_inactive                        200         200         200         200         200         200         200         200         200         200
account_login                           200         302         302         302         302         302         302         302         302         302
account_logout                          302         200         200         200         200         200         200         200         200         200
account_reauthenticate                  signin      200         200         200         200         200         200         200         200         200
account_reset_password                  200         200         200         200         200         200         200         200         200         200
account_reset_password_done             200         200         200         200         200         200         200         200         200         200
account_reset_password_from_key         200         200         200         200         200         200         200         200         200         200
account_reset_password_from_key_done    200         200         200         200         200         200         200         200         200         200
account_set_password                    signin      302         302         302         302         302         302         302         302         302
account_signup                          200         302         302         302         302         302         302         302         302         302

# site
healthz                                 200         200         200         200         200         200         200         200         200         200

# specifications
specifications:annotate                 signin      200         200         200         200         200         200         200         200         200
specifications:annotation               200         200         200         200         200         200         200         200         200         200
specifications:annotation-withdraw      signin      405         405         405         405         405         405         405         405         405
specifications:compare                  200         200         200         200         200         200         200         200         200         200
specifications:create                   signin      403         403         200         200         200         403         403         403         403
specifications:detail                   200         200         200         200         200         200         200         200         200         200
specifications:edit                     signin      403         403         200         200         403         403         403         403         403
specifications:freeze                   signin      403         403         200         200         403         403         403         403         403
specifications:history                  200         200         200         200         200         200         200         200         200         200
specifications:list                     200         200         200         200         200         200         200         200         200         200
specifications:provenance               200         200         200         200         200         200         200         200         200         200
specifications:reopen                   signin      405         405         405         405         405         405         405         405         405
specifications:revert                   signin      405         405         405         405         405         405         405         405         405
specifications:section-add              signin      403         403         200         200         403         403         403         403         403
specifications:section-change           signin      405         405         405         405         405         405         405         405         405
specifications:section-edit             signin      403         403         200         200         403         403         403         403         403
specifications:suggest                  signin      200         200         200         200         200         200         200         200         200
specifications:suggestion               200         200         200         200         200         200         200         200         200         200
specifications:suggestion-decide        signin      405         405         405         405         405         405         405         405         405
specifications:suggestions              200         200         200         200         200         200         200         200         200         200
specifications:version                  200         200         200         200         200         200         200         200         200         200
"""  # noqa: E501

API = """
operation                                                       anonymous   resident    frontline   buyer       org_admin   other_buyer evaluator   supplier    moderator   admin

# activity
GET /activity                                                   200         200         200         200         200         200         200         200         200         200

# areas
GET /areas                                                      200         200         200         200         200         200         200         200         200         200

# awards
POST /awards/{award_id}/contract                                401         403         403         422         422         403         403         403         403         403

# comments
GET /comments                                                   422         422         422         422         422         422         422         422         422         422
PATCH /comments/{pk}                                            401         200         403         403         403         403         403         403         403         403
POST /comments                                                  401         404         404         404         404         404         404         404         404         404

# contracts
GET /contracts                                                  200         200         200         200         200         200         200         200         200         200
GET /contracts/{pk}                                             200         200         200         200         200         200         200         200         200         200
POST /contracts/{pk}/amendments                                 401         403         403         422         422         403         403         403         403         403
POST /contracts/{pk}/complete                                   401         403         403         422         422         403         403         403         403         403
POST /contracts/{pk}/milestones                                 401         403         403         422         422         403         403         403         403         403
POST /contracts/{pk}/milestones/{milestone_id}/accept           401         403         403         422         422         403         403         403         403         403
POST /contracts/{pk}/milestones/{milestone_id}/reject           401         403         403         422         422         403         403         403         403         403
POST /contracts/{pk}/outcomes                                   401         403         403         422         422         403         403         403         403         403
POST /contracts/{pk}/terminate                                  401         403         403         422         422         403         403         403         403         403
PUT /contracts/{pk}/outcomes/{outcome_id}                       401         403         403         404         404         403         403         403         403         403

# follows
DELETE /follows                                                 401         422         422         422         422         422         422         422         422         422
POST /follows                                                   401         404         404         404         404         404         404         404         404         404

# ideas
DELETE /ideas/{pk}/support                                      401         200         200         200         200         200         200         200         200         200
GET /ideas                                                      200         200         200         200         200         200         200         200         200         200
GET /ideas/{pk}                                                 200         200         200         200         200         200         200         200         200         200
POST /ideas                                                     401         201         201         201         201         201         201         201         201         201
POST /ideas/{pk}/adopt                                          401         403         403         200         200         403         403         403         403         403
POST /ideas/{pk}/support                                        401         200         200         200         200         200         200         200         200         200
POST /ideas/{pk}/withdraw                                       401         403         403         403         403         403         403         200         403         403

# insights
GET /insights/buyers/{slug}                                     200         200         200         200         200         200         200         200         200         200
GET /insights/overview                                          200         200         200         200         200         200         200         200         200         200
GET /insights/red-flags                                         200         200         200         200         200         200         200         200         200         200

# lessons
GET /lessons                                                    200         200         200         200         200         200         200         200         200         200
GET /lessons/captures                                           200         200         200         200         200         200         200         200         200         200
GET /lessons/root-causes                                        200         200         200         200         200         200         200         200         200         200
GET /lessons/similar                                            422         422         422         422         422         422         422         422         422         422
GET /lessons/{pk}[draft]                                        404         404         404         200         200         404         404         404         404         404
GET /lessons/{pk}[published]                                    200         200         200         200         200         200         200         200         200         200
POST /lessons                                                   401         403         403         201         201         201         403         403         403         403
POST /lessons/{pk}/publish                                      401         403         403         422         422         403         403         403         403         403
POST /lessons/{pk}/redactions                                   401         403         403         422         422         403         403         403         403         403

# me
GET /me                                                         401         200         200         200         200         200         200         200         200         200

# needs
DELETE /needs/{pk}/support                                      401         200         200         200         200         200         200         200         200         200
GET /needs                                                      200         200         200         200         200         200         200         200         200         200
GET /needs/{pk}                                                 200         200         200         200         200         200         200         200         200         200
GET /needs/{pk}/answers                                         200         200         200         200         200         200         200         200         200         200
POST /needs                                                     401         422         422         422         422         422         422         422         422         422
POST /needs/{pk}/answers                                        401         403         403         422         422         403         403         403         403         403
POST /needs/{pk}/support                                        401         200         200         200         200         200         200         200         200         200
POST /needs/{pk}/support/move                                   401         422         422         422         422         422         422         422         422         422

# notifications
GET /notifications                                              401         200         200         200         200         200         200         200         200         200

# ocds
GET /ocds/records                                               200         200         200         200         200         200         200         200         200         200
GET /ocds/records/{ocid}                                        200         200         200         200         200         200         200         200         200         200
GET /ocds/releases                                              200         200         200         200         200         200         200         200         200         200
GET /ocds/releases/{release_id}                                 200         200         200         200         200         200         200         200         200         200

# organisations
DELETE /organisations/{slug}/members/{member_id}                401         403         403         403         204         403         403         403         403         403
GET /organisations                                              200         200         200         200         200         200         200         200         200         200
GET /organisations/{slug}                                       200         200         200         200         200         200         200         200         200         200
GET /organisations/{slug}/members                               200         200         200         200         200         200         200         200         200         200
GET /organisations/{slug}/ratings                               200         200         200         200         200         200         200         200         200         200
PATCH /organisations/{slug}                                     401         403         403         403         200         403         403         403         403         200
PATCH /organisations/{slug}/members/{member_id}                 401         403         403         403         200         403         403         403         403         403
POST /organisations                                             401         403         403         403         403         403         403         403         403         201
POST /organisations/{slug}/members                              401         403         403         403         422         403         403         403         403         403

# processes
GET /processes                                                  200         200         200         200         200         200         200         200         200         200
GET /processes/invitations/mine                                 401         200         200         200         200         200         200         200         200         200
GET /processes/receipts/{sha256}                                404         404         404         404         404         404         404         404         404         404
GET /processes/submissions/mine                                 401         200         200         200         200         200         200         200         200         200
GET /processes/{pk}/award                                       200         200         200         200         200         200         200         200         200         200
GET /processes/{pk}/debriefs/{ref}                              200         200         200         200         200         200         200         200         200         200
GET /processes/{pk}/evaluation/assignments                      401         403         200         403         403         403         200         403         403         403
GET /processes/{pk}/evaluation/declarations                     401         403         200         403         403         403         200         403         403         403
GET /processes/{pk}/evaluation/panel                            403         403         200         200         200         403         200         403         403         403
GET /processes/{pk}/evaluation/results                          403         403         200         200         200         403         200         403         403         403
GET /processes/{pk}/evaluation/submissions/{ref}/answers        401         403         200         403         403         403         200         403         403         403
GET /processes/{pk}/gates/{number}                              200         200         200         200         200         200         200         200         200         200
GET /processes/{pk}/questions                                   200         200         200         200         200         200         200         200         200         200
GET /processes/{pk}/questions/waiting                           401         403         403         200         200         403         403         403         403         403
GET /processes/{pk}/submissions                                 200         200         200         200         200         200         200         200         200         200
GET /processes/{pk}/timeline                                    200         200         200         200         200         200         200         200         200         200
GET /processes/{pk}[draft]                                      404         404         404         200         200         404         404         404         404         404
GET /processes/{pk}[live]                                       200         200         200         200         200         200         200         200         200         200
POST /processes                                                 401         403         403         201         201         403         403         403         403         403
POST /processes/invitations/{pk}/accept                         401         403         403         403         403         403         403         422         403         403
POST /processes/invitations/{pk}/decline                        401         403         403         403         403         403         403         422         403         403
POST /processes/{pk}/cancel                                     401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/evaluation/award                           401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/evaluation/criteria/{number}/unblind       401         403         403         200         200         403         403         403         403         403
POST /processes/{pk}/evaluation/declarations                    401         403         422         403         403         403         422         403         403         403
POST /processes/{pk}/evaluation/evaluators                      401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/evaluation/gate                            401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/evaluation/moderations                     401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/evaluation/prizes                          401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/extend                                     401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/invitations/{invitation_id}/revoke         401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/invite                                     401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/next-phase                                 401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/open                                       401         403         403         422         422         403         403         403         403         403
POST /processes/{pk}/publish                                    401         404         404         422         422         404         404         404         404         404
POST /processes/{pk}/questions                                  401         403         403         403         403         403         403         201         403         403
POST /processes/{pk}/questions/{question_id}/answer             401         403         403         200         200         403         403         403         403         403
POST /processes/{pk}/rating                                     401         403         403         403         403         403         403         201         403         403
POST /processes/{pk}/submission/withdraw                        401         403         403         403         403         403         403         200         403         403
POST /processes/{pk}/unsuccessful                               401         403         403         422         422         403         403         403         403         403
PUT /processes/{pk}/criteria                                    401         404         404         422         422         404         404         404         404         404
PUT /processes/{pk}/evaluation/scores                           401         403         422         403         403         403         422         403         403         403
PUT /processes/{pk}/phases/{number}                             401         404         404         200         200         404         404         404         404         404
PUT /processes/{pk}/submission                                  401         403         403         403         403         403         403         422         403         403

# rankings
GET /rankings/{pk}                                              200         200         200         200         200         200         200         200         200         200
GET /rankings/{pk}/pair                                         401         200         200         200         200         200         200         200         200         200
POST /rankings/{pk}/comparisons                                 401         422         422         422         422         422         422         422         422         422

# reports
POST /reports                                                   401         404         404         404         404         404         404         404         404         404

# search
GET /search                                                     422         422         422         422         422         422         422         422         422         422

# specifications
GET /specifications                                             200         200         200         200         200         200         200         200         200         200
GET /specifications/{pk}                                        200         200         200         200         200         200         200         200         200         200
GET /specifications/{pk}/annotations                            200         200         200         200         200         200         200         200         200         200
GET /specifications/{pk}/diff                                   422         422         422         422         422         422         422         422         422         422
GET /specifications/{pk}/lint                                   200         200         200         200         200         200         200         200         200         200
GET /specifications/{pk}/provenance                             200         200         200         200         200         200         200         200         200         200
GET /specifications/{pk}/suggestions                            200         200         200         200         200         200         200         200         200         200
GET /specifications/{pk}/suggestions/{suggestion_id}            200         200         200         200         200         200         200         200         200         200
GET /specifications/{pk}/versions                               200         200         200         200         200         200         200         200         200         200
GET /specifications/{pk}/versions/{number}                      200         200         200         200         200         200         200         200         200         200
POST /specifications/{pk}/annotations                           401         422         422         422         422         422         422         422         422         422
POST /specifications/{pk}/annotations/{annotation_id}/withdraw  401         200         403         403         403         403         403         403         403         403
POST /specifications/{pk}/suggestions                           401         422         422         422         422         422         422         422         422         422
POST /specifications/{pk}/suggestions/{suggestion_id}/accept    401         403         403         200         200         403         403         403         403         403
POST /specifications/{pk}/suggestions/{suggestion_id}/reject    401         403         403         200         200         403         403         403         403         403
POST /specifications/{pk}/suggestions/{suggestion_id}/withdraw  401         403         403         403         403         403         403         200         403         403

# tokens
DELETE /tokens/{token_id}                                       401         404         404         200         404         404         404         404         404         404
GET /tokens                                                     401         200         200         200         200         200         200         200         200         200
POST /tokens                                                    401         201         201         201         201         201         201         201         201         201
"""  # noqa: E501


# The pages that take only a POST (their GET row above is 405 for everyone signed in), sent an
# empty form: 302 is the page's answer to a persona allowed to act (back, with a message saying
# what was missing or what was done), 200 the form shown again; 403 refused; 404 not shown.
POSTS_TABLE = """
route                                   anonymous   resident    frontline   buyer       org_admin   other_buyer evaluator   supplier    moderator   admin
accounts:member-add                     signin      403         403         403         400         403         403         403         403         403
accounts:member-change                  signin      403         403         403         302         403         403         403         403         403
# the buyer's own token: nobody else's is found
accounts:token-revoke                   signin      404         404         302         404         404         404         404         404         404
discussion:decide                       signin      403         403         403         403         403         403         403         302         302
discussion:follow                       signin      302         302         302         302         302         302         302         302         302
# anyone signed in may comment on the open need: the empty comment is refused as such
discussion:post                         signin      400         400         400         400         400         400         400         400         400
lessons:publish                         signin      404         404         302         302         404         404         404         404         404
needs:answer                            signin      403         403         400         400         403         403         403         403         403
# the need's author (the resident) adds files to it
needs:attachment-upload                 signin      302         403         403         403         403         403         403         403         403
needs:idea-adopt                        signin      403         403         400         400         403         403         403         403         403
needs:idea-support                      signin      302         302         302         302         302         302         302         302         302
# the idea's author (the supplier) withdraws it
needs:idea-withdraw                     signin      403         403         403         403         403         403         302         403         403
needs:round-close                       signin      403         403         302         302         403         403         403         403         302
needs:round-compare                     signin      302         302         302         302         302         302         302         302         302
needs:support                           signin      302         302         302         302         302         302         302         302         302
processes:answer                        signin      403         403         400         400         403         403         403         403         403
# an invitation is found only by the invited organisation's members
processes:invitation_respond            signin      404         404         404         404         404         404         302         404         404
processes:next_phase                    signin      403         403         302         302         403         403         403         403         403
# the asker (the supplier) withdraws; to anyone else the question has no asker to match
processes:withdraw_question             signin      404         404         404         404         404         404         302         404         404
# the annotation's author (the resident) withdraws it
specifications:annotation-withdraw      signin      302         403         403         403         403         403         403         403         403
specifications:reopen                   signin      403         403         302         302         403         403         403         403         403
specifications:revert                   signin      403         403         302         302         403         403         403         403         403
specifications:section-change           signin      403         403         302         302         403         403         403         403         403
specifications:suggestion-decide        signin      403         403         302         302         403         403         403         403         403
"""  # noqa: E501
