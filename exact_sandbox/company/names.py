"""The deterministic name pools: item kinds and nouns, company and person names, countries and
cities. Picking from fixed tuples with the division's ``random.Random`` keeps every seed's
company identical from run to run while still reading like a real Dutch business.
"""

from __future__ import annotations

# (kind, weight, level, stock, sales, purchase, make, on-demand)
KINDS = (
    ("raw", 28, 0, True, False, True, False, False),
    ("packaging", 6, 0, True, False, True, False, False),
    ("trade", 30, 0, True, True, True, False, False),
    ("ondemand", 8, 0, True, True, True, False, True),
    ("service", 4, 0, False, True, False, False, False),
    ("subassembly", 8, 1, True, False, False, True, False),
    ("assembled", 4, 1, True, True, False, True, False),
    ("finished", 12, 2, True, True, False, True, False),
)
PREFIX = {
    "raw": "RM",
    "packaging": "PK",
    "trade": "TR",
    "ondemand": "OD",
    "service": "SV",
    "subassembly": "SA",
    "assembled": "AS",
    "finished": "FG",
}
NOUNS = {
    "raw": (
        "steel sheet",
        "aluminium bar",
        "copper wire",
        "oak plank",
        "pvc tube",
        "glass pane",
        "rubber seal",
        "bolt M8",
        "nut M8",
        "hinge",
        "spring",
        "bearing",
    ),
    "packaging": ("carton box", "pallet wrap", "bubble bag", "label roll", "tape"),
    "trade": (
        "desk lamp",
        "office chair",
        "monitor arm",
        "cable tray",
        "whiteboard",
        "coat rack",
        "bike rack",
        "planter",
        "notice board",
        "footrest",
    ),
    "ondemand": ("custom sign", "engraved plate", "special cabinet", "bespoke shelf"),
    "service": ("installation", "delivery service", "maintenance visit", "consultancy hour"),
    "subassembly": ("frame", "drawer unit", "base plate", "lamp head", "panel set"),
    "assembled": ("tool kit", "starter bundle", "spare parts set"),
    "finished": ("standing desk", "storage cabinet", "workbench", "locker", "shelving unit"),
}
ADJECTIVES = (
    "compact",
    "large",
    "heavy-duty",
    "light",
    "premium",
    "basic",
    "black",
    "white",
    "oak",
    "steel",
    "mini",
    "pro",
)
COMPANY_A = (
    "Van Dijk",
    "De Vries",
    "Bakker",
    "Jansen",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
    "Brouwer",
    "Kok",
    "Vermeulen",
)
COMPANY_B = (
    "Metaal",
    "Logistiek",
    "Handel",
    "Techniek",
    "Kantoor",
    "Interieur",
    "Groothandel",
    "Productie",
    "Trading",
    "Supplies",
    "Industries",
    "Components",
)
COMPANY_C = ("B.V.", "B.V.", "B.V.", "N.V.", "GmbH", "Ltd", "V.O.F.")
FIRST_NAMES = (
    "Anna",
    "Bram",
    "Daan",
    "Emma",
    "Fleur",
    "Lars",
    "Lotte",
    "Milan",
    "Noor",
    "Ruben",
    "Sanne",
    "Thijs",
    "Sophie",
    "Jesse",
    "Eva",
    "Lucas",
)
LAST_NAMES = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
)
COUNTRIES = (
    ("NL", 60, "EUR"),
    ("BE", 12, "EUR"),
    ("DE", 14, "EUR"),
    ("GB", 5, "GBP"),
    ("US", 4, "USD"),
    ("CN", 5, "USD"),
)
CITIES = {
    "NL": ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Zwolle", "Breda"),
    "BE": ("Antwerpen", "Gent", "Brussel"),
    "DE": ("Düsseldorf", "Köln", "Hamburg"),
    "GB": ("London", "Manchester"),
    "US": ("Chicago", "Houston"),
    "CN": ("Shenzhen", "Ningbo"),
}


# Generic rows (generic.py): words for names and descriptions, cities with a postcode.
WORDS = (
    "alpha",
    "delta",
    "nova",
    "prime",
    "vector",
    "orbit",
    "summit",
    "harbor",
    "linden",
    "polder",
    "tulip",
    "canal",
    "dune",
    "meadow",
    "beacon",
    "copper",
    "silver",
    "amber",
    "cobalt",
    "willow",
)
GENERIC_CITIES = (
    ("Amsterdam", "1011 AB"),
    ("Rotterdam", "3011 AD"),
    ("Utrecht", "3511 LX"),
    ("Eindhoven", "5611 AZ"),
    ("Groningen", "9711 LM"),
    ("Zwolle", "8011 CW"),
    ("Delft", "2611 HS"),
    ("Breda", "4811 XJ"),
    ("Haarlem", "2011 RN"),
    ("Tilburg", "5038 EA"),
)
