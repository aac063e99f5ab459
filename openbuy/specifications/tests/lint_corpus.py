"""Sentences of the kind UK public buyers write, each with the rules it should break.

Checked with a contract value of £200,000 and the readability rule switched off, so the limits in
play are: turnover up to £400,000 and insurance up to £5,000,000 pass.
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    id: str
    text: str
    rules: frozenset[str]


def _case(id: str, text: str, *rules: str) -> Case:
    return Case(id, text, frozenset(rules))


CORPUS: list[Case] = [
    # --- Clean: outcomes in plain words, and near misses that must not be flagged ---------
    _case(
        "clean-calls-answered",
        "The service must answer 95% of calls from residents within two minutes.",
    ),
    _case(
        "clean-school-food",
        "Meals must meet the School Food Standards and be served hot at the point of service.",
    ),
    _case(
        "clean-brand-or-an-equivalent",
        "Suppliers may propose Microsoft Teams or an equivalent video calling service.",
    ),
    _case(
        "clean-iso-or-equivalent",
        "Bidders must hold ISO 9001 certification or equivalent evidence of quality management.",
    ),
    _case(
        "clean-turnover-exactly-twice",
        "Bidders must have a minimum annual turnover of £400,000.",
    ),
    _case(
        "clean-employers-liability-5m",
        "Employer's liability insurance of £5 million is required by law.",
    ),
    _case(
        "clean-public-liability-5m",
        "Public liability insurance of £5m must be in place before work starts.",
    ),
    _case(
        "clean-acronym-defined-before",
        "Small and Medium-sized Enterprises (SMEs) are encouraged to bid for every lot.",
    ),
    _case(
        "clean-acronym-defined-after",
        "Every care worker needs a DBS (Disclosure and Barring Service) check before starting.",
    ),
    _case(
        "clean-acronym-wcag",
        "The website must meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA.",
    ),
    _case(
        "clean-bus-frequency",
        "Buses must run every 12 minutes between 7am and 7pm on weekdays.",
    ),
    _case(
        "clean-contract-length",
        "The contract will run for three years, with an option to extend for one more year.",
    ),
    _case(
        "clean-staff-experience",
        "Staff must have at least two years' experience of supporting people with dementia.",
    ),
    _case(
        "clean-turnover-ceiling",
        "Suppliers with an annual turnover below £1 million are welcome to bid.",
    ),
    _case(
        "clean-units-after-number",
        "Laptops must have at least 16 GB of memory and a battery that lasts eight hours.",
    ),
    _case(
        "clean-housing-windows",
        "Windows must be double glazed and meet Part L of the Building Regulations.",
    ),
    _case(
        "clean-catering-apple-juice",
        "Apple juice and water must be available at every school lunch.",
    ),
    _case(
        "clean-sap-energy-rating",
        "New homes must achieve a SAP rating of at least 81.",
    ),
    _case(
        "clean-vehicle-or-similar",
        "Refuse collection vehicles will be a Mercedes-Benz Econic or similar.",
    ),
    _case(
        "clean-repairs-outcome",
        "Emergency repairs must make the home safe within four hours of the tenant's call.",
    ),
    _case(
        "clean-install-is-the-outcome",
        "The contractor must install a working smoke alarm in every bedroom.",
    ),
    _case(
        "clean-legal-registration",
        "Engineers must hold Gas Safe registration before working on boilers.",
    ),
    _case(
        "clean-invoices",
        "The council will pay correct invoices within 30 days of receipt.",
    ),
    _case(
        "clean-may-use",
        "Contractors may use any method that meets the performance standards in Annex B.",
    ),
    _case(
        "clean-buyer-describes-its-own-history",
        "The council's library service has been established for 50 years.",
    ),
    _case(
        "clean-buyer-describes-its-own-insurance",
        "The council holds public liability insurance of £50 million for its own events.",
    ),
    _case(
        "clean-staff-turnover",
        "Staff turnover must stay below 10% a year across the care homes.",
    ),
    # --- brand ------------------------------------------------------------------------
    _case(
        "brand-laptops",
        "The supplier must provide 200 Dell Latitude 5540 laptops for school staff.",
        "brand",
    ),
    _case(
        "brand-operating-system",
        "All staff devices must run Microsoft Windows 11 Enterprise.",
        "brand",
    ),
    _case(
        "brand-certified-engineers",
        "Engineers who maintain the network must be Cisco-certified.",
        "brand",
    ),
    _case(
        "brand-hosting",
        "Patient records must be stored in AWS in the London region.",
        "brand",
    ),
    _case(
        "brand-classroom-tablets",
        "Each classroom will have an Apple iPad 10 for every two pupils.",
        "brand",
    ),
    _case(
        "brand-model-number",
        "Replacement servers must be PowerEdge R760 units with three years of support.",
        "brand",
    ),
    _case(
        "brand-equivalent-in-other-sentence-does-not-count",
        "Drawings must be supplied in AutoCAD format. Other files may be PDF or equivalent.",
        "brand",
    ),
    # --- inputs -----------------------------------------------------------------------
    _case(
        "inputs-written-in-and-brand",
        "The new booking system must be written in Java and run on Oracle databases.",
        "inputs",
        "brand",
    ),
    _case(
        "inputs-staff-numbers",
        "The supplier shall provide 12 full-time officers to staff the help desk.",
        "inputs",
    ),
    _case(
        "inputs-materials",
        "Contractors must use concrete blocks from the council's approved list for all walls.",
        "inputs",
    ),
    _case(
        "inputs-built-on",
        "The school's new website must be built on WordPress.",
        "inputs",
    ),
    _case(
        "inputs-delivered-using",
        "Gritting must be delivered using the council's own depots and vehicles.",
        "inputs",
    ),
    _case(
        "inputs-employ",
        "The care home provider shall employ a minimum of 8 night staff.",
        "inputs",
    ),
    # --- long-sentence ----------------------------------------------------------------
    _case(
        "long-hospital-discharge",
        "The provider will be expected to work closely with social workers, district nurses, "
        "occupational therapists, housing officers and families to make sure that every person "
        "leaving hospital has a safe and timely package of care in place.",
        "long-sentence",
    ),
    _case(
        "long-school-menus",
        "Menus must offer a hot meal, a vegetarian choice and a cold option every day, cater for "
        "every recorded allergy and religious need, and change with the seasons at least twice "
        "during each school year.",
        "long-sentence",
    ),
    _case(
        "long-with-jargon",
        "The successful supplier will work with the council to deliver a joined-up service for "
        "residents across all six districts, including evening and weekend cover, and will "
        "leverage local networks to reach people who do not use the internet.",
        "long-sentence",
        "jargon",
    ),
    # --- jargon -----------------------------------------------------------------------
    _case(
        "jargon-leverage",
        "The supplier should leverage its existing networks to reach more tenants.",
        "jargon",
    ),
    _case(
        "jargon-holistic-end-to-end",
        "We want a holistic, end-to-end approach to managing council tax accounts.",
        "jargon",
    ),
    _case(
        "jargon-three-in-one",
        "Going forward, the provider will utilise best-of-breed tools.",
        "jargon",
    ),
    _case(
        "jargon-stakeholder-engagement",
        "Stakeholder engagement is a large part of this transport contract.",
        "jargon",
    ),
    _case(
        "jargon-prior-to",
        "Prior to the start of term, the caterer will test every new recipe with pupils.",
        "jargon",
    ),
    # --- acronym ----------------------------------------------------------------------
    _case(
        "acronym-ppe",
        "All staff must wear PPE at all times on site.",
        "acronym",
    ),
    _case(
        "acronym-kpi",
        "The provider must report monthly against each KPI in Schedule 3.",
        "acronym",
    ),
    _case(
        "acronym-two-plural",
        "Bids from SMEs and VCSE organisations are welcome.",
        "acronym",
    ),
    _case(
        "acronym-gdpr",
        "Bidders should describe how they will keep residents' data safe under the UK GDPR.",
        "acronym",
    ),
    _case(
        "acronym-initials-do-not-match",
        "Each ward will receive a weekly report (MRSA) from the laboratory.",
        "acronym",
    ),
    # --- turnover ---------------------------------------------------------------------
    _case(
        "turnover-minimum-annual",
        "Bidders must have a minimum annual turnover of £2 million.",
        "turnover",
    ),
    _case(
        "turnover-at-least",
        "Suppliers must show a turnover of at least £750,000 in each of the last two financial "
        "years.",
        "turnover",
    ),
    _case(
        "turnover-iso-code",
        "An annual turnover exceeding GBP 1.5m is required.",
        "turnover",
    ),
    _case(
        "turnover-amount-first",
        "The bus operator must have £5m annual turnover.",
        "turnover",
    ),
    # --- years-trading ----------------------------------------------------------------
    _case(
        "years-trading-for-at-least",
        "The supplier must have been trading for at least three years.",
        "years-trading",
    ),
    _case(
        "years-audited-accounts",
        "Bidders must provide 3 years' audited accounts.",
        "years-trading",
    ),
    _case(
        "years-in-business",
        "The contractor must have a minimum of 5 years in business.",
        "years-trading",
    ),
    _case(
        "years-established",
        "Care providers must have been established for at least two years.",
        "years-trading",
    ),
    # --- insurance --------------------------------------------------------------------
    _case(
        "insurance-professional-indemnity",
        "The contractor must hold professional indemnity insurance of £10 million.",
        "insurance",
    ),
    _case(
        "insurance-public-liability",
        "Public liability cover of at least £20m is required for this catering contract.",
        "insurance",
    ),
    _case(
        "insurance-second-of-two",
        "The builder needs employer's liability of £5m and public liability of £10m.",
        "insurance",
    ),
    # --- accreditation ----------------------------------------------------------------
    _case(
        "accreditation-cyber-essentials",
        "Suppliers must hold Cyber Essentials Plus certification.",
        "accreditation",
    ),
    _case(
        "accreditation-iso-14001",
        "The grounds maintenance contractor must be accredited to ISO 14001.",
        "accreditation",
    ),
    _case(
        "accreditation-chas-and-acronym",
        "All bidders are required to have CHAS accreditation before tender.",
        "accreditation",
        "acronym",
    ),
    _case(
        "accreditation-prince2",
        "Project managers must hold a PRINCE2 Practitioner certificate.",
        "accreditation",
    ),
    _case(
        "accreditation-is-mandatory",
        "ISO 9001 certification is mandatory for all catering suppliers.",
        "accreditation",
    ),
    # --- several rules at once --------------------------------------------------------
    _case(
        "mixed-jargon-accreditation-brand",
        "Going forward, the supplier must hold ISO 27001 and use Salesforce.",
        "jargon",
        "accreditation",
        "brand",
    ),
    _case(
        "mixed-insurance-years-acronym",
        "The contractor must have 5 years' trading history, public liability insurance of £10m "
        "and a CDM plan.",
        "years-trading",
        "insurance",
        "acronym",
    ),
]
