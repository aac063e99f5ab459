"""Fail when a browser test (tests/system) was skipped or none ran: CI makes them mandatory."""

import sys
import xml.etree.ElementTree as ET

cases = [
    case
    for case in ET.parse(sys.argv[1]).getroot().iter("testcase")
    if case.get("classname", "").startswith("tests.system")
]
skipped = [case.get("name") for case in cases if case.find("skipped") is not None]
if not cases:
    sys.exit("No browser test ran.")
if skipped:
    sys.exit(f"{len(skipped)} browser tests were skipped: {', '.join(skipped)}")
print(f"{len(cases)} browser tests ran, none skipped.")
