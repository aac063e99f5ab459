"""The words generated data is written in: themes of everyday public problems (streetlights,
step-free transport, housing repairs …), each with the sentences residents, buyers and suppliers
would use about it, so that lists, search and lesson matching behave as they would on real text.

Everything here is plain data and small functions over a ``random.Random``: the same generator
state always gives the same text. Comment bodies are plain sentences with no Markdown syntax, so
their HTML is one ``<p>`` per paragraph (see :func:`comment_html`).
"""

from __future__ import annotations

import bisect
import functools
import html
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

TOWNS = [
    "Riverside", "Hillside", "Ashford Vale", "Kingsmead", "Northbridge", "Eastwick", "Millbrook",
    "Stonebury", "Westhaven", "Oakfield", "Brackenholme", "Larkhill", "Fernley", "Castleford Green",
    "Thornbury Cross", "Wyecombe", "Redmarsh", "Elmstead", "Harrowgate Park", "Selbourne",
    "Marlow Heath", "Cheswick", "Dunmore", "Pennington", "Glenfield", "Holbrook", "Kirkby Moor",
    "Linwood", "Moorcroft", "Newhaven Quay", "Ormsby", "Pelham", "Queensferry", "Rowan Bank",
    "Saltmarsh", "Tadley End", "Upton Lea", "Wickham Rise", "Yarrowby", "Brookhurst",
]  # fmt: skip

PLACES = [
    "the station", "the high street", "the leisure centre", "the central library", "the market",
    "the health centre", "the bus station", "the community centre", "the primary school",
    "the retail park", "the recycling centre", "the town hall", "the hospital", "the canal path",
    "the football ground", "the swimming pool", "the youth club", "the church hall",
]  # fmt: skip

BUYER_KINDS = [
    ("{town} Borough Council", 30),
    ("{town} City Council", 10),
    ("{town} County Council", 8),
    ("{town} District Council", 12),
    ("{town} Health Trust", 10),
    ("{town} Community Health Partnership", 4),
    ("{town} Housing Association", 10),
    ("{town} Schools Trust", 8),
    ("{town} Fire and Rescue Service", 4),
    ("{town} Transport Authority", 4),
]

TRADES = [
    "Lighting", "Transport", "Building Services", "Repairs", "Care", "Digital", "Surfacing",
    "Waste Services", "Landscapes", "Catering", "Drainage", "Engineering", "Consulting",
    "Facilities", "Mobility", "Energy", "Community Services", "Training", "Software", "Cleaning",
]  # fmt: skip

SOCIAL_FORMS = ["Co-operative", "Community Interest Company", "Social Enterprise", "Trust"]
COMPANY_FORMS = {"micro": "Ltd", "small": "Ltd", "medium": "Ltd", "large": "plc"}


@dataclass(frozen=True)
class Theme:
    """One kind of everyday problem, and how people talk about it at every stage."""

    key: str
    division: str  # the CPV division of its area
    service: str  # what a buyer would buy, as a noun phrase ("street lighting")
    titles: tuple[str, ...]
    affects: tuple[str, ...]
    problems: tuple[str, ...]
    ideas: tuple[tuple[str, str], ...]
    outcomes: tuple[str, ...]
    constraints: tuple[str, ...]
    unknowns: tuple[str, ...]
    comments: tuple[str, ...] = field(default=())


THEMES: tuple[Theme, ...] = (
    Theme(
        "streetlights",
        "31",
        "street lighting",
        (
            "Streetlights out on {street}",
            "Dark footpath between {street} and {place}",
            "Broken streetlights on {street} make people feel unsafe",
            "No lighting on the path to {place} after dark",
            "Streetlights on {street} switch off at midnight",
        ),
        (
            "People walking home after dark on {street}",
            "Shift workers and older residents near {place}",
            "Parents walking children to school in winter",
            "Women walking alone at night in {town}",
        ),
        (
            "{n} streetlights on {street} have been out for {weeks} weeks.",
            "The path is unlit after six in the evening in winter, so people walk the long way "
            "round along the main road.",
            "Residents have reported the lights several times but nothing has changed.",
            "Since the lights went out there have been two bag snatchings near {place}.",
            "The lights switch off at midnight to save money, just as the late shift walks home "
            "from {place}.",
        ),
        (
            (
                "Motion-sensing LED lights on {street}",
                "Replace the old lamps with LED lanterns that dim to a glow and brighten when "
                "someone walks past. They use a fraction of the energy, so they can stay on all "
                "night.",
            ),
            (
                "Report a broken light by text",
                "Put a number on every lamp post so that anyone can text it in when a light is "
                "out, and get a text back when it is fixed.",
            ),
        ),
        (
            "Every footpath on the route is lit from dusk to dawn.",
            "A broken light is fixed within five working days of being reported.",
            "Fewer people say they avoid the route after dark, measured by a yearly survey.",
        ),
        (
            "Lights must not shine into bedroom windows.",
            "Lanterns must meet the dark skies guidance near the nature reserve.",
        ),
        (
            "We do not know how many lamp columns need replacing rather than repairing.",
            "We do not know whether the existing cables can carry smart controls.",
        ),
        (
            "I walk this way every night after work and it is pitch black.",
            "My daughter will not walk home this way any more.",
            "The light outside number {n} has been flickering for months.",
        ),
    ),
    Theme(
        "step-free",
        "60",
        "accessible transport",
        (
            "No step-free access at {town} station",
            "Lift out of order at {place} again",
            "Wheelchair users cannot get on the buses to {place}",
            "Dropped kerbs missing on {street}",
            "No accessible taxi after eight in the evening in {town}",
        ),
        (
            "Wheelchair users, older people and parents with buggies",
            "Disabled people who rely on public transport in {town}",
            "People with limited mobility living near {street}",
            "Carers taking people to appointments at {place}",
        ),
        (
            "The only lift at {place} has been out of order for {weeks} weeks.",
            "People who cannot use stairs get off one stop early and walk back along the main "
            "road.",
            "The ramp on the number {n} bus is often broken, and drivers cannot deploy it by hand.",
            "There is no dropped kerb between {street} and the bus stop, so wheelchair users go "
            "into the road.",
            "The accessible taxi firm stopped its evening service last year.",
        ),
        (
            (
                "Bookable step-free minibus between the station and the high street",
                "A wheelchair-accessible minibus, booked by text or phone, running every twenty "
                "minutes while the lift is out of order.",
            ),
            (
                "Live lift status on the council website",
                "Show whether each lift is working, updated every five minutes, so people can "
                "plan a different route before they set out.",
            ),
        ),
        (
            "Anyone who cannot use stairs can get from the platform to the high street within "
            "fifteen minutes, at any time trains run.",
            "Lift outages are fixed within forty-eight hours, and announced as they happen.",
        ),
        (
            "Vehicles must meet the public service vehicle accessibility rules.",
            "Drivers must be trained in disability awareness before they start.",
        ),
        (
            "We do not know how many journeys a day need step-free help.",
            "We do not know whether the rail operator will share the cost of the lift.",
        ),
        (
            "I use a wheelchair and this adds forty minutes to every trip.",
            "My mum has stopped going into town because of this.",
            "It happened again this morning, with no warning at the station.",
        ),
    ),
    Theme(
        "housing-repairs",
        "50",
        "housing repairs and maintenance",
        (
            "Damp and mould in flats on {street}",
            "Repairs on the {town} estate take months",
            "Broken heating in the tower blocks near {place}",
            "Leaking roofs on {street} not fixed",
            "No way to track a repair request",
        ),
        (
            "Tenants of the {town} estate, many with young children",
            "Council tenants on {street}",
            "Older tenants living alone in sheltered housing",
            "Families with asthma living in damp homes",
        ),
        (
            "Black mould has come back in {n} flats on {street} after being painted over.",
            "Tenants wait an average of {weeks} weeks for a repair to be booked.",
            "The heating in the tower blocks fails every winter and takes days to fix.",
            "Nobody can tell tenants when the repair team will come, so they take days off "
            "work and wait in.",
            "Children in the block have been to hospital with breathing problems.",
        ),
        (
            (
                "Fix the cause of damp, not the mould",
                "Survey every flat for ventilation and insulation, and fix the cause before "
                "redecorating.",
            ),
            (
                "Repair appointments with a two-hour window",
                "Book repairs online or by phone with a two-hour slot and a text when the "
                "operative is on the way.",
            ),
        ),
        (
            "Every reported case of damp and mould is inspected within ten working days.",
            "Urgent repairs are completed within twenty-four hours, routine ones within twenty "
            "working days.",
            "Tenants can see the status of every repair they have reported.",
        ),
        (
            "All work must meet the decent homes standard.",
            "Operatives must carry identification and be checked before entering homes.",
        ),
        (
            "We do not know how many homes have damp caused by the building itself.",
            "We do not know the state of the heating systems in the older blocks.",
        ),
        (
            "We have had mould in the bedroom for two years now.",
            "I took three days off work waiting for a plumber who never came.",
            "The same problem on {street}, and we were told it was our fault for drying washing "
            "inside.",
        ),
    ),
    Theme(
        "potholes",
        "45",
        "highway maintenance",
        (
            "Potholes on {street} damage bikes and wheelchairs",
            "Pavement on {street} is broken and uneven",
            "Road surface outside {place} keeps breaking up",
            "Potholes come back weeks after being filled",
        ),
        (
            "Cyclists and wheelchair users on {street}",
            "Older people walking to {place}",
            "Drivers and bus passengers in {town}",
        ),
        (
            "Deep potholes along {street} fill with water and cannot be seen.",
            "Two cyclists fell on {street} in {month}.",
            "The same potholes are patched every few weeks and open up again after rain.",
            "Paving slabs outside {place} are lifted by tree roots and people trip on them.",
        ),
        (
            (
                "Resurface the worst streets instead of patching",
                "Use the patching budget for a smaller number of full resurfacing jobs on the "
                "streets with the most repeat repairs.",
            ),
            (
                "Photograph and map every reported pothole",
                "Let people report a pothole with a photo and see it on a public map with the "
                "date it will be fixed.",
            ),
        ),
        (
            "Dangerous defects are made safe within twenty-four hours of being reported.",
            "Fewer repeat repairs on the same stretch of road, measured each quarter.",
        ),
        (
            "Work must keep one lane open and a safe route for pedestrians at all times.",
            "Materials must include recycled aggregate where the specification allows.",
        ),
        (
            "We do not know how much of the network needs full resurfacing.",
            "We do not know how long the new repair materials last on our roads.",
        ),
        (
            "I burst a tyre on this one last week.",
            "The pothole outside number {n} is now the size of a paddling pool.",
        ),
    ),
    Theme(
        "bins",
        "90",
        "waste collection",
        (
            "Bins in the town centre overflow at weekends",
            "Missed bin collections on {street}",
            "No recycling bins at {place}",
            "Fly-tipping behind {place} never cleared",
            "Nobody told us the bin day changed",
        ),
        (
            "Town-centre residents and businesses in {town}",
            "Residents of {street} and the streets around it",
            "People living in flats with no room for several bins",
        ),
        (
            "Collections stop on Friday afternoon; by Sunday the bins overflow and attract gulls.",
            "Bins on {street} have been missed {n} times since {month}.",
            "Fly-tipped mattresses behind {place} have been there for {weeks} weeks.",
            "When a bank holiday moves the collection, most residents do not know.",
            "There is nowhere to recycle glass within a mile of {place}.",
        ),
        (
            (
                "Text reminders for bin collection changes",
                "Residents sign up once and get a text the day before a changed collection.",
            ),
            (
                "Weekend collections in the town centre",
                "Empty the town-centre bins on Saturday and Sunday mornings during the summer.",
            ),
        ),
        (
            "No town-centre bin is more than three-quarters full at any time over a weekend.",
            "Fewer missed collections and calls about them, measured against last year.",
        ),
        (
            "Collections must be quiet between ten at night and seven in the morning near homes.",
            "Vehicles must meet the clean air zone standard.",
        ),
        (
            "We do not know how much of the waste comes from businesses rather than passers-by.",
            "We do not know how many residents would sign up for reminders.",
        ),
        (
            "The gulls have ripped the bags open again this morning.",
            "Our bins were missed again, third time this month.",
        ),
    ),
    Theme(
        "library-computers",
        "92",
        "library and digital inclusion services",
        (
            "Library computers are booked out by ten",
            "No wifi at {place} library",
            "Nowhere to print documents in {town}",
            "Help with online forms only available once a week",
        ),
        (
            "Job seekers without a computer at home",
            "Older people who need help with online forms",
            "Students without a laptop or broadband",
        ),
        (
            "People who need to apply for jobs online cannot get a computer slot after "
            "mid-morning.",
            "The wifi at the library drops out every few minutes, so forms time out.",
            "The only digital help session is on Tuesday mornings and is always full.",
            "There are {n} computers for a town of {thousands} thousand people.",
        ),
        (
            (
                "Open the meeting room as a second computer room in the mornings",
                "The meeting room is empty most mornings; six laptops there would double the "
                "number of people who can apply for jobs before noon.",
            ),
            (
                "Lend laptops and data like library books",
                "Let people borrow a laptop with a mobile data allowance for three weeks at a "
                "time.",
            ),
        ),
        (
            "Anyone who comes to the library before four to apply for a job can get at least "
            "an hour on a computer that day.",
            "Digital help is available every weekday, without booking.",
        ),
        (
            "Devices must be wiped between loans and kept up to date.",
            "Help must be offered in the main community languages of the town.",
        ),
        (
            "We do not know how many people are turned away each day.",
            "We do not know whether a lending scheme would be used outside the town centre.",
        ),
        (
            "I queued at nine and still did not get a slot.",
            "The volunteers are brilliant but there are not enough of them.",
        ),
    ),
    Theme(
        "home-care",
        "85",
        "home care",
        (
            "Home care visits are too short to help people eat",
            "Carers arrive at different times every day",
            "No home care available in rural {town}",
            "Nobody tells families when a care visit is cancelled",
        ),
        (
            "Older people living alone who receive care",
            "Families caring for a relative with dementia",
            "Disabled adults living independently in {town}",
        ),
        (
            "Fifteen-minute visits leave no time to prepare a meal and stay while the person eats.",
            "Carers see people losing weight between reviews.",
            "Visits are scheduled across the county, so carers spend more time driving than "
            "caring.",
            "Families find out a visit was missed only when they call in the evening.",
            "{n} people in the villages are waiting for a package of care.",
        ),
        (
            (
                "Neighbourhood care teams",
                "Small teams of carers who each look after the people in a few streets, so "
                "visits are longer and travel is shorter.",
            ),
            (
                "A text to the family when a visit is missed",
                "Send an automatic text to the named relative whenever a visit is cancelled or "
                "more than an hour late.",
            ),
        ),
        (
            "Every visit that includes a meal lasts at least thirty minutes.",
            "People see the same small group of carers each week.",
        ),
        (
            "Carers must be paid for travel time between visits.",
            "Providers must be registered with the Care Quality Commission.",
        ),
        (
            "We do not know how many people need longer visits.",
            "We do not know whether providers can recruit in the rural areas.",
        ),
        (
            "My dad had four different carers last week.",
            "This is exactly what happened to my grandmother.",
        ),
    ),
    Theme(
        "school-meals",
        "55",
        "school catering",
        (
            "School meals run out before the last sitting",
            "No hot meals at {place} primary school",
            "School dinners do not cater for allergies",
            "Children going hungry in the school holidays",
        ),
        (
            "Pupils eating in the last lunch sitting",
            "Children with food allergies and their parents",
            "Families on low incomes during the school holidays",
        ),
        (
            "By the last sitting there is often only bread and a yoghurt left.",
            "The school kitchen closed in {year} and meals arrive cold in boxes.",
            "Parents of children with allergies are told to send a packed lunch.",
            "Teachers see children come back after the holidays thinner and tired.",
        ),
        (
            (
                "Cook on site again",
                "Reopen the school kitchen and cook fresh meals, shared with the nursery next "
                "door.",
            ),
            (
                "Holiday lunch clubs with activities",
                "Run lunch clubs in the school holidays with sport and crafts, free for children "
                "on free school meals.",
            ),
        ),
        (
            "Every child who wants a hot meal gets one, whatever sitting they are in.",
            "Meals meet the school food standards and every allergy on file is catered for.",
        ),
        (
            "Menus must meet the school food standards.",
            "Allergen information must be shown for every dish.",
        ),
        (
            "We do not know how many children skip lunch because the food has run out.",
            "We do not know how many families would use holiday clubs.",
        ),
        ("My son came home starving again.", "The same happens at the junior school."),
    ),
    Theme(
        "parks",
        "77",
        "parks and green spaces maintenance",
        (
            "Playground at {place} closed for months",
            "Grass in {street} park not cut all summer",
            "No benches along the canal path",
            "Broken fence lets dogs into the play area",
        ),
        (
            "Families with young children near {place}",
            "Older people who walk in the park every day",
            "Dog walkers and runners in {town}",
        ),
        (
            "The swings have been taped off since {month} with no sign of repair.",
            "The grass is knee high and hides broken glass.",
            "There is nowhere to sit for a mile along the canal path, so older people stop "
            "walking it.",
            "The play area fence has a gap and dogs get in every day.",
        ),
        (
            (
                "Friends of the park volunteer days",
                "Monthly volunteer days with tools provided, so residents can help keep the "
                "park tidy.",
            ),
            (
                "Benches every few hundred metres",
                "Put benches along the canal path, sponsored by local businesses.",
            ),
        ),
        (
            "Play equipment is inspected weekly and repaired within two weeks.",
            "Grass in play and picnic areas is kept short from April to October.",
        ),
        (
            "Work must not disturb nesting birds between March and August.",
            "Equipment must meet the play safety standards.",
        ),
        (
            "We do not know how many people use the canal path each day.",
            "We do not know the condition of the older play equipment.",
        ),
        ("We used to go every day before it closed.", "The grass cutting stopped in June."),
    ),
    Theme(
        "flooding",
        "90",
        "drainage and flood prevention",
        (
            "{street} floods every time it rains",
            "Blocked drains outside {place}",
            "Gardens on {street} flood from the brook",
        ),
        (
            "Households on {street} and the streets below it",
            "People walking to {place} in wet weather",
            "Homeowners who cannot get flood insurance",
        ),
        (
            "The drains on {street} have been blocked since {month} and the road floods.",
            "Water comes up through the floor of {n} houses after heavy rain.",
            "The brook overflows into gardens because the culvert is full of rubbish.",
        ),
        (
            (
                "Clear the drains before the autumn rains",
                "Clear every gully on the streets that flooded last year during September.",
            ),
            (
                "Rain gardens to slow the water",
                "Plant rain gardens on the verges so that the water soaks in before it reaches "
                "the drains.",
            ),
        ),
        (
            "No home on the street floods in a one-in-thirty-year storm.",
            "Gullies on the priority streets are cleared twice a year.",
        ),
        (
            "Work must not increase flood risk downstream.",
            "Any work near the brook needs the consent of the environment regulator.",
        ),
        (
            "We do not know who owns the culvert under the road.",
            "We do not know the condition of the older drains.",
        ),
        ("Our kitchen flooded again last night.", "I have photos from every flood since 2019."),
    ),
    Theme(
        "mental-health",
        "85",
        "community mental health support",
        (
            "Waiting lists for talking therapy in {town} are too long",
            "Nowhere to go in a mental health crisis at night",
            "No mental health support for young people in {town}",
        ),
        (
            "Adults waiting for therapy in {town}",
            "Young people and their families",
            "People in crisis and the people who look after them",
        ),
        (
            "People wait {weeks} weeks for a first appointment with a therapist.",
            "After five in the evening the only place to go in a crisis is the emergency "
            "department.",
            "Young people are turned away because they are not ill enough, and come back worse.",
        ),
        (
            (
                "A crisis cafe open in the evenings",
                "A calm place run by trained staff and volunteers, open from six until midnight.",
            ),
            (
                "Drop-in sessions at the youth club",
                "Weekly drop-in sessions with a counsellor at the youth club, no referral needed.",
            ),
        ),
        (
            "Nobody waits more than six weeks for a first appointment.",
            "Anyone in crisis can talk to someone in person until midnight.",
        ),
        (
            "Staff must hold the relevant professional registration.",
            "Services must follow the safeguarding policies of the partnership.",
        ),
        (
            "We do not know how many people give up waiting.",
            "We do not know how many people would use an evening service.",
        ),
        ("I waited nine months for a first appointment.", "This would have helped my brother."),
    ),
    Theme(
        "public-toilets",
        "45",
        "public toilets",
        (
            "No public toilets in {town} town centre",
            "Toilets at {place} locked in the afternoon",
            "No changing places toilet within ten miles",
        ),
        (
            "Older people, disabled people and families with small children",
            "People with bowel and bladder conditions",
            "Disabled people who need a hoist and a changing bench",
        ),
        (
            "The toilets at {place} close at two in the afternoon.",
            "People with bladder conditions plan their trips around the few toilets left.",
            "The nearest changing places toilet is {n} miles away.",
        ),
        (
            (
                "Community toilet scheme",
                "Pay local cafes and shops to let anyone use their toilets, with a sticker in "
                "the window.",
            ),
            (
                "A changing places toilet at the leisure centre",
                "Build a changing places toilet with a hoist and an adult-sized bench.",
            ),
        ),
        (
            "There is a free, accessible toilet open all day within five minutes' walk of the "
            "high street.",
        ),
        ("Toilets must meet the changing places standard where one is built.",),
        ("We do not know how many shops would join a community toilet scheme.",),
        ("We cut our trips short because of this.",),
    ),
    Theme(
        "bus-stops",
        "34",
        "bus shelters and real-time information",
        (
            "No shelter at the bus stop on {street}",
            "Bus times at {place} are always wrong",
            "Bus stop on {street} has no seat",
        ),
        (
            "Bus passengers waiting on {street}",
            "Older people and parents with children waiting in the rain",
            "People who cannot read small print timetables",
        ),
        (
            "The shelter on {street} was removed in {year} and never replaced.",
            "The screen at {place} shows buses that never come.",
            "People wait up to forty minutes in the rain with nowhere to sit.",
        ),
        (
            (
                "Shelters with seats on the busiest stops",
                "Put a shelter with a seat at every stop used by more than a hundred people a day.",
            ),
            (
                "Real bus times by text",
                "Text the stop number and get the real time of the next bus back.",
            ),
        ),
        ("Every busy stop has a shelter, a seat and accurate real-time information.",),
        ("Shelters must leave enough room on the pavement for wheelchairs and buggies.",),
        ("We do not know which stops are busiest in the evening.",),
        ("I stood in the rain for half an hour yesterday.",),
    ),
    Theme(
        "online-services",
        "72",
        "online services and software",
        (
            "Council website forms time out before you finish",
            "Cannot pay council tax online with a screen reader",
            "No way to report a problem online in {town}",
            "Online booking for {place} does not work on a phone",
        ),
        (
            "Residents who use screen readers",
            "People who use the council website on a phone",
            "Everyone who contacts the council",
        ),
        (
            "The benefit form times out after twenty minutes and loses everything.",
            "The council tax payment page cannot be used with a screen reader.",
            "The booking page for {place} does not work on a phone, and most people only have a "
            "phone.",
            "People phone the contact centre because the online form failed, and wait an hour.",
        ),
        (
            (
                "Save and come back later on every form",
                "Let people save a form and finish it later, with a link sent by email.",
            ),
            (
                "Test every new form with disabled residents",
                "Pay residents who use assistive technology to test each form before it goes live.",
            ),
        ),
        (
            "Every online service meets the accessibility regulations.",
            "Fewer people phone because an online form failed.",
        ),
        (
            "The service must meet the Web Content Accessibility Guidelines, level AA.",
            "Personal data must be kept in the United Kingdom.",
        ),
        (
            "We do not know how many people give up on the online forms.",
            "We do not know whether the old system can be connected to a new one.",
        ),
        ("It logged me out three times.", "My screen reader cannot find the pay button."),
    ),
    Theme(
        "air-quality",
        "90",
        "air quality monitoring",
        (
            "Traffic fumes outside {place} school",
            "Idling buses at {place}",
            "No air quality readings for {street}",
        ),
        (
            "Children at schools on busy roads",
            "People with asthma living on {street}",
            "Residents near the bus station",
        ),
        (
            "Parents leave engines running at drop-off outside the school gates.",
            "Buses idle for twenty minutes at {place} with their engines on.",
            "The nearest air monitor is {n} miles away, so nobody knows how bad {street} is.",
        ),
        (
            (
                "School streets at drop-off and pick-up",
                "Close the road outside the school to traffic for thirty minutes at each end of "
                "the day.",
            ),
            (
                "Cheap sensors on lamp posts",
                "Put low-cost air quality sensors on lamp posts and publish the readings.",
            ),
        ),
        ("Air quality is measured on every street near a school, and published daily.",),
        ("Sensors must be calibrated against the reference monitor every quarter.",),
        ("We do not know how accurate low-cost sensors are in winter.",),
        ("My son's inhaler use goes up every term.",),
    ),
    Theme(
        "youth",
        "92",
        "youth services",
        (
            "Nothing for teenagers to do in {town} in the evenings",
            "Youth club at {place} closed",
            "No safe space for young people after school",
        ),
        (
            "Young people aged eleven to eighteen in {town}",
            "Parents of teenagers",
            "Shopkeepers on the high street",
        ),
        (
            "The youth club closed in {year} and nothing replaced it.",
            "Teenagers hang around the shops because there is nowhere else to go.",
            "The sports hall is booked by adult clubs every evening.",
        ),
        (
            (
                "Open the school sports hall in the evenings",
                "Keep one school sports hall open three evenings a week with youth workers.",
            ),
            (
                "Detached youth workers in the town centre",
                "Youth workers who meet young people where they already are.",
            ),
        ),
        ("Every young person has somewhere safe to go three evenings a week.",),
        ("Staff must hold enhanced background checks.",),
        ("We do not know what young people themselves would choose.",),
        ("My kids have nowhere to go.", "There used to be a great club here."),
    ),
    Theme(
        "loneliness",
        "98",
        "community support for older people",
        (
            "Older people isolated in {town}",
            "Lunch club at {place} closing",
            "No transport to the day centre",
        ),
        (
            "Older people living alone",
            "People who have lost a partner",
            "Carers who cannot leave the house",
        ),
        (
            "Many older people on {street} see nobody from one week to the next.",
            "The lunch club at {place} loses its funding in {month}.",
            "The community bus to the day centre stopped running last year.",
        ),
        (
            (
                "Befriending by phone and in person",
                "Match volunteers with older people for a weekly call and a monthly visit.",
            ),
            (
                "Keep the lunch club going with local cafes",
                "Pay a local cafe to host the lunch club once a week.",
            ),
        ),
        ("Fewer older people say they often feel lonely, measured by a yearly survey.",),
        ("Volunteers must be checked and trained.",),
        ("We do not know how many older people live alone in each ward.",),
        ("My neighbour has not been out since Christmas.",),
    ),
    Theme(
        "community-safety",
        "35",
        "community safety and CCTV",
        (
            "Anti-social behaviour at {place}",
            "CCTV at {place} does not work",
            "Unsafe underpass on {street}",
        ),
        (
            "Shopkeepers and shoppers in {town}",
            "People walking through the underpass on {street}",
            "Residents near {place}",
        ),
        (
            "Shop windows at {place} have been broken {n} times this year.",
            "The cameras at {place} have not recorded anything for months.",
            "People avoid the underpass on {street} after dark.",
        ),
        (
            (
                "Brighter underpass with murals",
                "Light the underpass and let young people paint it with local artists.",
            ),
            (
                "Fix the cameras and publish when they work",
                "Repair the cameras and publish their working status each month.",
            ),
        ),
        ("People say they feel safe walking through the town centre after dark.",),
        ("Cameras must be operated under the surveillance camera code of practice.",),
        ("We do not know how many incidents go unreported.",),
        ("I was followed through there last week.",),
    ),
)

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip

EVIDENCE_HOSTS = ["https://www.example.org/reports/", "https://data.example.gov.uk/", ""]

GENERIC_COMMENTS = (
    "Supporting this. It affects everyone on our street.",
    "Thank you for raising this. It has been a problem for years.",
    "I reported the same thing last year and heard nothing back.",
    "This would make a real difference to people who cannot drive.",
    "It is worse in the winter.",
    "Could this be done as part of the work already planned for the area?",
    "Our residents group would be happy to help with this.",
    "Same problem where we live, two streets away.",
    "Good idea, but who would pay for it after the first year?",
    "The council answered a similar need last year: worth looking at what they did.",
    "I work nearby and see this every day.",
    "Please keep us updated on this.",
)
QUESTION_COMMENTS = (
    "Has anyone asked when this will be fixed?",
    "Is this the council's job or someone else's?",
    "Does anyone know who to contact about this?",
)
AGAINST_COMMENTS = (
    "I am not sure this is the best use of the money, given everything else.",
    "I do not think this is as bad as described: it was fine when I passed today.",
    "This would cost a lot for very few people.",
)
STANCES = [("for", 50), ("", 25), ("question", 15), ("against", 10)]

BUYER_REPLIES = (
    "Thank you. We have passed this to the team responsible and will update this page.",
    "We are looking at this as part of next year's budget.",
    "Our officers will visit the site this month and report back here.",
)

LESSON_PATTERNS: tuple[dict[str, str], ...] = (
    dict(
        title="Lowest price won the {service} contract and could not deliver",
        tried="We tendered {service} with price weighted at seventy per cent.",
        happened="The cheapest bidder won, could not recruit enough staff and handed the "
        "contract back after {months} months.",
        why="Price outweighed quality so heavily that an unrealistic bid won.",
        do="Weigh quality above price, and ask bidders to explain abnormally low prices before "
        "award.",
        tags="price weighting, abnormally low bid, staffing",
        stage="evaluation",
    ),
    dict(
        title="The new {service} system could not talk to the old one",
        tried="We bought a new system for {service} through an open tender.",
        happened="Go-live slipped by {months} months because the supplier could not connect it "
        "to our existing records.",
        why="We did not test the integration with the legacy system before award.",
        do="Run a paid integration test with the shortlisted suppliers before choosing one.",
        tags="integration, legacy system, testing",
        stage="specification",
    ),
    dict(
        title="Nobody bid for the {service} tender",
        tried="We advertised a {service} contract for four weeks.",
        happened="No bids arrived, and we had to extend the existing contract at a higher price.",
        why="The insurance and turnover demands ruled out every local supplier.",
        do="Set insurance and turnover demands in proportion to the contract value, and talk to "
        "the market before publishing.",
        tags="market engagement, insurance, turnover, small suppliers",
        stage="competition",
    ),
    dict(
        title="Residents were not asked what they needed from {service}",
        tried="Officers wrote the {service} specification from the previous contract.",
        happened="The new service repeated the old complaints, and usage fell in the first year.",
        why="The specification described inputs, not the outcomes residents wanted.",
        do="Start the specification from residents' needs and write outcomes, not tasks.",
        tags="outcomes, engagement, residents",
        stage="need",
    ),
    dict(
        title="{Service} milestones had no acceptance criteria",
        tried="We paid the {service} supplier on a schedule of milestones.",
        happened="Milestones were signed off when the work was not finished, and the budget ran "
        "out before the service worked.",
        why="The milestones said what would be delivered, not how we would check it.",
        do="Write acceptance criteria for every milestone and test them before paying.",
        tags="milestones, acceptance, contract management",
        stage="delivery",
    ),
    dict(
        title="Accessibility was checked only at the end of the {service} project",
        tried="We procured {service} and planned an accessibility audit before launch.",
        happened="The audit found problems that took {months} months to fix, and launch slipped.",
        why="Accessibility was not part of the specification or the acceptance tests.",
        do="Put the accessibility standard in the specification and test with disabled "
        "residents at every stage.",
        tags="accessibility, testing, disabled residents",
        stage="specification",
    ),
    dict(
        title="One large lot shut small suppliers out of {service}",
        tried="We let {service} for the whole area as a single contract.",
        happened="Only two national firms could bid, and the winner subcontracted most of the "
        "work to the local firms that could not bid.",
        why="The contract was too big for small and local suppliers.",
        do="Split the contract into lots by area or by service, and say so in the notice.",
        tags="lots, small suppliers, local economy",
        stage="competition",
    ),
    dict(
        title="The {service} budget was set before the need was understood",
        tried="We set aside a budget for {service} in the annual plan.",
        happened="The budget covered half of what the bids said it would cost, and the process "
        "was cancelled.",
        why="The estimate came from the last contract, not from what the need required.",
        do="Test the budget with the market and with past spend before publishing.",
        tags="budget, estimate, market engagement",
        stage="specification",
    ),
    dict(
        title="Exit plan missing from the {service} contract",
        tried="We signed a five-year {service} contract.",
        happened="At the end the supplier would not hand over the data, and the new supplier "
        "started {months} months late.",
        why="The contract did not say how data and knowledge would be handed over.",
        do="Write an exit plan into the contract, including data formats and a handover period.",
        tags="exit, data, handover, termination",
        stage="delivery",
    ),
    dict(
        title="Evaluators scored {service} bids without training",
        tried="Three officers scored the {service} bids.",
        happened="Their scores differed so much that the award was challenged, and we had to "
        "re-run the evaluation.",
        why="The panel was not trained on the scoring scale and did not moderate.",
        do="Train the panel on the scale, score independently, then moderate with notes.",
        tags="evaluation, moderation, challenge",
        stage="evaluation",
    ),
    dict(
        title="The {service} pilot was too short to learn anything",
        tried="We ran a three-month pilot of {service}.",
        happened="By the time residents knew about it, the pilot had ended, and the results "
        "could not be compared.",
        why="The pilot length was set by the funding year, not by what we needed to measure.",
        do="Set the pilot length from the outcome measures, and publicise it from the start.",
        tags="pilot, evaluation, outcomes",
        stage="delivery",
    ),
    dict(
        title="Questions from bidders went unanswered before the {service} deadline",
        tried="We published {service} with a three-week deadline.",
        happened="Bidders' questions were answered in the last two days, and two suppliers "
        "withdrew.",
        why="Nobody was given time to answer clarification questions.",
        do="Name who answers questions and answer within three working days.",
        tags="clarification, questions, timetable",
        stage="competition",
    ),
)

LESSON_PATTERNS += (
    dict(
        title="Frontline staff were left out of the {service} design",
        tried="We designed the new {service} with the supplier and senior managers.",
        happened="Frontline staff found the new process slower than the old one, and used "
        "workarounds within {months} months.",
        why="The people who deliver the service every day were not part of the design.",
        do="Put frontline staff on the design team and test each change with them first.",
        tags="frontline staff, design, adoption",
        stage="specification",
    ),
    dict(
        title="Social value promises in the {service} contract were never checked",
        tried="We weighted social value at twenty per cent in the {service} tender.",
        happened="The winner promised apprenticeships and local jobs; two years later nobody "
        "could say whether they had happened.",
        why="The contract had no social value measures and nobody reported on them.",
        do="Turn each social value promise into a measure in the contract, reported quarterly.",
        tags="social value, contract management, measures",
        stage="delivery",
    ),
    dict(
        title="The {service} framework was too rigid to change",
        tried="We called off {service} from a national framework to save time.",
        happened="When residents' needs changed, the framework terms did not allow the change, "
        "and we had to start again after {months} months.",
        why="We chose the route for speed without checking whether it allowed change.",
        do="Check that the route to market allows the changes you can foresee before using it.",
        tags="framework, flexibility, change control",
        stage="competition",
    ),
    dict(
        title="Data protection was settled after the {service} contract was signed",
        tried="We signed the {service} contract and then agreed how personal data would be "
        "handled.",
        happened="The data protection assessment found problems, and go-live slipped by "
        "{months} months while the supplier changed its hosting.",
        why="The data protection impact assessment was not part of the specification.",
        do="Complete the data protection assessment before publishing, and put its conditions "
        "in the specification.",
        tags="data protection, hosting, personal data",
        stage="specification",
    ),
    dict(
        title="Mobilisation time for {service} was too short",
        tried="We gave the new {service} supplier four weeks to start.",
        happened="The supplier could not recruit and train staff in time, and residents had no "
        "service for the first {months} weeks.",
        why="The timetable did not allow for recruitment, vetting and training.",
        do="Agree a realistic mobilisation plan with bidders, and keep the old service running "
        "until the new one is ready.",
        tags="mobilisation, timetable, handover",
        stage="delivery",
    ),
    dict(
        title="Bids for {service} could not be compared",
        tried="We asked bidders to describe their approach to {service} in their own words.",
        happened="Every bid was structured differently, and the panel spent weeks comparing "
        "them; the losing bidders challenged the result.",
        why="The questions did not match the evaluation criteria.",
        do="Ask one question per criterion, with a word limit, and publish the scoring guide.",
        tags="evaluation, questions, scoring guide",
        stage="evaluation",
    ),
)
LESSON_DETAILS = (
    "",
    " Residents complained to their councillors.",
    " The same happened to a neighbouring council two years earlier.",
    " Frontline staff had warned about this during the engagement.",
    " The extra cost came out of next year's budget.",
    " The story was in the local paper.",
    " The audit committee asked for a report.",
)
WHY_DETAILS = (
    "",
    " Nobody owned the risk.",
    " The timetable was set by the budget year, not by the work.",
    " The people who knew the service were not asked.",
    " We copied the previous contract without reading it closely.",
)
DO_DETAILS = (
    "",
    " Add this to the procurement checklist.",
    " Share the lesson with neighbouring councils.",
    " Check it again at the next stage gate.",
    " Ask an experienced buyer to review the plan before publishing.",
)

NO_LESSON_REASONS = (
    "The need was met by another organisation before we could award.",
    "The budget was withdrawn at the end of the financial year; there was nothing wrong with "
    "the process itself.",
    "A change in the law made the service unnecessary.",
    "The process is being combined with a neighbouring council's.",
)

CANCEL_REASONS = (
    "The budget for this was withdrawn in the annual spending review.",
    "The need has been met by a regional scheme.",
    "We found a mistake in the specification and will publish it again.",
    "The partner organisation withdrew its share of the funding.",
)
UNSUCCESSFUL_REASONS = (
    "None of the bids met the minimum quality threshold.",
    "Every bid was above the budget.",
    "The only bid did not answer the specification.",
)
STOP_REASONS = (
    "The feasibility study did not show that the idea could meet the success criteria.",
    "The prototype missed the kill criterion on cost per journey.",
    "The approach scored well but depends on data we cannot share.",
    "The team could not show how it would scale beyond the pilot area.",
)
CONTINUE_REASONS = (
    "The study met every success criterion and the costs are credible.",
    "A strong prototype, tested with residents, within the phase budget.",
    "Met the success criteria; the risks are understood and managed.",
)
ANSWERS = (
    "Yes. Please say in your response how you would do this.",
    "No: the buyer will provide this. Price your response without it.",
    "The specification has been clarified: see the amended section.",
    "Either is acceptable, as long as the outcome is met.",
)
QUESTIONS = (
    "Will the buyer share the data on current use of the service?",
    "May we subcontract part of the work to a local charity?",
    "Is there an incumbent supplier, and will staff transfer?",
    "Can the start date move if the contract is signed late?",
    "Does the budget include VAT?",
    "Do you expect bidders to provide their own equipment?",
)
RATING_COMMENTS = (
    "A clear specification and a useful debrief.",
    "The deadline was tight for a small supplier.",
    "Questions were answered quickly and in public: thank you.",
    "The debrief explained our scores well.",
    "",
)
MILESTONES = (
    ("Mobilisation complete", "Staff recruited and trained, and the service plan agreed."),
    ("First month of service", "Every outcome measure reported, with no critical failures."),
    ("Mid-term review", "Outcome measures on track against their targets."),
    ("Resident feedback survey", "At least two hundred residents surveyed, results published."),
    ("Final report", "A report on every outcome measure, with the data, published openly."),
)
OUTCOMES = (
    ("Residents reached", "residents", 2000),
    ("Repairs completed on time", "per cent", 95),
    ("Complaints", "complaints", 50),
    ("Journeys made", "journeys", 10000),
)
AMENDMENT_REASONS = (
    "Extended to two more wards at the residents' request.",
    "Added evening hours after the mid-term review.",
    "Reduced scope: one site closed for building work.",
)
TERMINATION_REASONS = (
    "The supplier went into administration.",
    "Repeated failure to meet the milestones, after a formal warning.",
)
SUGGESTION_REASONS = (
    "Say how this is measured, or nobody can prove the outcome.",
    "Residents without the internet would be left out as written.",
    "This demand rules out small local suppliers.",
    "The timescale is not realistic for the winter months.",
    "Make it clear who owns the data.",
)
SUGGESTION_ADDITIONS = (
    "This is checked every month and the results are published.",
    "Residents without the internet can use the service by phone or in person.",
    "Small and local suppliers may bid for part of the work.",
    "The supplier hands over all data at the end of the contract in an open format.",
    "Progress is reported to residents at a public meeting twice a year.",
)
REJECTION_REASONS = (
    "This is already covered in the constraints section.",
    "We cannot commit to this within the budget.",
    "The law requires the wording we have used.",
)


@functools.cache
def _cumulative(weighted: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    return [v for v, _ in weighted], list(itertools.accumulate(w for _, w in weighted))


def pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    """One value of ``[(value, weight)]``, in proportion to the weights."""
    values, cumulative = _cumulative(tuple(weighted))
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def one(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice``, for the hot loops (same distribution, a fraction of the time)."""
    return items[int(rng.random() * len(items))]


_LISTS = {"town": TOWNS, "place": PLACES, "month": MONTHS}
_RANGES = {
    "n": (2, 30),
    "weeks": (3, 30),
    "months": (3, 18),
    "year": (2015, 2023),
    "thousands": (20, 200),
}


class _Slots(dict):
    """A template's placeholders, each drawn only when the template uses it."""

    def __init__(self, rng: random.Random, streets: Sequence[str]) -> None:
        super().__init__()
        self.rng, self.streets = rng, streets

    def __missing__(self, key: str) -> str | int:
        r = self.rng.random()
        value: str | int
        if key in _RANGES:
            low, high = _RANGES[key]
            value = low + int(r * (high - low + 1))
        else:
            items = self.streets if key == "street" else _LISTS[key]
            value = items[int(r * len(items))]
        self[key] = value
        return value


def fill(rng: random.Random, template: str, streets: Sequence[str]) -> str:
    """A template with its places, numbers and dates filled in."""
    if "{" not in template:
        return template
    return template.format_map(_Slots(rng, streets))


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def need(rng: random.Random, theme: Theme, streets: list[str]) -> tuple[str, str, str, str]:
    """A need's title, description, who it affects and where: one street throughout."""
    street = rng.choice(streets)
    on_street = [street]
    template = rng.choice(theme.titles)
    if "{" not in template:  # say where, as people do
        template += one(rng, (" in {town}", " on {street}", " near {place}", " in {town}", ""))
    title = fill(rng, template, on_street)[:150]
    sentences = rng.sample(theme.problems, k=min(len(theme.problems), rng.randint(2, 4)))
    description = " ".join(fill(rng, s, on_street) for s in sentences)
    affects = fill(rng, rng.choice(theme.affects), on_street)[:300]
    place = street if "{street}" in template or rng.random() < 0.5 else rng.choice(PLACES)
    return title, description, affects, capitalised(place)[:200]


def evidence(rng: random.Random, slug: str) -> str:
    host = rng.choice(EVIDENCE_HOSTS)
    return f"{host}{slug}-{rng.randint(100, 999)}" if host else ""


def idea(rng: random.Random, theme: Theme, streets: list[str]) -> tuple[str, str]:
    title, description = rng.choice(theme.ideas)
    extra = rng.choice(
        (
            "",
            " We have run something similar in a neighbouring town.",
            " It could start small, on one street, and grow if it works.",
            " Local volunteers have offered to help.",
        )
    )
    return fill(rng, title, streets)[:150], fill(rng, description, streets) + extra


def comment_body(rng: random.Random, theme: Theme, streets: Sequence[str], stance: str) -> str:
    """One or two short paragraphs of plain text (no Markdown syntax)."""
    if stance == "question":
        first = one(rng, QUESTION_COMMENTS)
    elif stance == "against":
        first = one(rng, AGAINST_COMMENTS)
    else:
        first = fill(rng, one(rng, theme.comments or GENERIC_COMMENTS), streets)
    roll = rng.random()
    if roll < 0.35:
        return first + "\n\n" + one(rng, GENERIC_COMMENTS)
    if roll < 0.65:
        return first + " " + one(rng, GENERIC_COMMENTS)
    return first


def comment_html(body: str) -> str:
    """The sanitised HTML :func:`openbuy.discussion.markup.render` makes of a plain-text body:
    one paragraph per block (the tests check the two agree)."""
    return "\n".join(
        f'<p class="govuk-body">{html.escape(block, quote=False)}</p>'
        for block in body.split("\n\n")
    )


def spec_title(rng: random.Random, theme: Theme, town: str) -> str:
    return rng.choice(
        (
            f"{capitalised(theme.service)} in {town}",
            f"Better {theme.service} for {town}",
            f"{capitalised(theme.service)}: a pilot in {town}",
            f"{capitalised(theme.service)} across {town}",
        )
    )[:150]


def spec_summary(rng: random.Random, theme: Theme, town: str) -> str:
    outcome = rng.choice(theme.outcomes)
    return f"{capitalised(theme.service)} for the people of {town}. {outcome}"[:1000]


def spec_sections(
    rng: random.Random, theme: Theme, streets: list[str], value: int, problem: str
) -> dict[str, str]:
    """The bodies a buyer writes into the outline's sections."""
    outcomes = rng.sample(theme.outcomes, k=min(len(theme.outcomes), rng.randint(1, 3)))
    low = max(1000, value * rng.randint(60, 90) // 100)
    start = rng.choice(MONTHS)
    return {
        "problem": problem,
        "outcomes": "\n\n".join(outcomes),
        "constraints": "\n\n".join(
            rng.sample(theme.constraints, k=min(len(theme.constraints), rng.randint(1, 2)))
        ),
        "unknowns": "\n\n".join(
            rng.sample(theme.unknowns, k=min(len(theme.unknowns), rng.randint(1, 2)))
        ),
        "budget": f"Between £{low:,} and £{value:,}, including every cost of delivery.",
        "timeline": f"The service starts in {start} and runs for {rng.randint(1, 4)} years, "
        "with a review after the first six months.",
        "judging": rng.choice(
            (
                "Quality 60%, price 30%, social value 10%.",
                "Quality 50%, price 30%, social value 20% (local jobs and apprenticeships).",
                "Quality 70%, social value 30%.",
            )
        ),
    }


def response(rng: random.Random, theme: Theme, organisation: str, criterion: str) -> str:
    """A supplier's answer to one criterion."""
    if criterion == "social_value":
        return one(
            rng,
            (
                "Every member of the delivery team will be recruited locally and paid the real "
                "living wage.",
                "Two apprenticeships a year, advertised first to young people in the area.",
                "We will spend at least a third of the contract value with local small firms.",
            ),
        )
    outcome = one(rng, theme.outcomes)
    return (
        f"{organisation} will deliver {theme.service} so that: {outcome[:1].lower()}"
        f"{outcome[1:]} "
        + one(
            rng,
            (
                "We have done this for three councils of a similar size.",
                "Our plan starts with a month of listening to residents and frontline staff.",
                "We will report progress monthly, against every outcome measure.",
            ),
        )
    )


def lesson(rng: random.Random, theme: Theme, streets: list[str]) -> dict[str, str]:
    """A lesson's fields, from a failure pattern applied to the theme's service and its
    particulars."""
    pattern = rng.choice(LESSON_PATTERNS)
    service = theme.service
    values = {"service": service, "Service": capitalised(service), "months": rng.randint(3, 18)}
    context = fill(rng, rng.choice(theme.problems), streets)
    town = rng.choice(TOWNS)
    return {
        "title": pattern["title"].format(**values)[:200],
        "tried": f"{pattern['tried'].format(**values)} In {town}, {context[:1].lower()}"
        f"{context[1:]}",
        "happened": pattern["happened"].format(**values) + rng.choice(LESSON_DETAILS),
        "why": pattern["why"].format(**values) + rng.choice(WHY_DETAILS),
        "do_differently": pattern["do"].format(**values) + rng.choice(DO_DETAILS),
        "tags": f"{pattern['tags']}, {theme.key.replace('-', ' ')}",
        "stage": pattern["stage"],
    }
