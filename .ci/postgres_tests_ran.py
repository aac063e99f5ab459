"""Fail the PostgreSQL pass when a test was skipped for any reason but being SQLite's own, or
when the tests that exist for PostgreSQL did not run: two app servers on one database, a server
on a read-only database. They skip themselves on SQLite, so only this pass proves them."""

import sys
import xml.etree.ElementTree as ET

NEEDS_POSTGRES = (
    "openbuy.pages.tests.test_two_servers",
    "openbuy.pages.tests.test_read_only_server",
)

cases = list(ET.parse(sys.argv[1]).getroot().iter("testcase"))
problems = []
for case in cases:
    skipped = case.find("skipped")
    if skipped is not None and "vendor != 'sqlite'" not in (skipped.get("message") or ""):
        name = f"{case.get('classname')}.{case.get('name')}"
        problems.append(f"{name} was skipped: {skipped.get('message')}")
for module in NEEDS_POSTGRES:
    ran = [
        case
        for case in cases
        if case.get("classname", "").startswith(module) and case.find("skipped") is None
    ]
    if not ran:
        problems.append(f"no test of {module} ran")
if problems:
    sys.exit("\n".join(problems))
print(f"{len(cases)} tests on PostgreSQL; none skipped but SQLite's own.")
