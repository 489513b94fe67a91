"""Relations: suppliers and customers (crm/Accounts) with their main contact and addresses,
and the sales price lists customers link to. Orders and invoices pick their parties here.
"""

from __future__ import annotations

from exact_sandbox.company.context import Company
from exact_sandbox.company.media import account_logo_fields
from exact_sandbox.company.model import Account
from exact_sandbox.company.names import (
    CITIES,
    COMPANY_A,
    COMPANY_B,
    COMPANY_C,
    COUNTRIES,
    FIRST_NAMES,
    LAST_NAMES,
)
from exact_sandbox.company.values import account_code


def _account(c: Company, number: int, *, supplier: bool) -> Account:
    country = c.weighted(tuple((code, w) for code, w, _ in COUNTRIES))
    currency = next(cur for code, _, cur in COUNTRIES if code == country)
    name = f"{c.v.pick(COMPANY_A)} {c.v.pick(COMPANY_B)} {c.v.pick(COMPANY_C)}"
    acc = Account(
        c.v.guid(),
        account_code(number),
        name,
        currency,
        c.rng.randint(2, 45) if supplier else 0,
        c.v.guid(),
        "",
        c.v.guid(),
        can_drop_ship=supplier and c.rng.random() < 0.3,
    )
    manager, manager_name = c.v.pick(c.users)
    manager_hid = c.users.index((manager, manager_name)) + 1
    city = c.v.pick(CITIES[country])
    blocked = c.rng.random() < 0.03
    status = "A" if supplier else c.weighted((("C", 85), ("P", 10), ("S", 5)))
    first, last = c.v.pick(FIRST_NAMES), c.v.pick(LAST_NAMES)
    acc.contact_name = f"{first} {last}"
    street = f"{c.v.pick(LAST_NAMES).split()[-1]}straat {c.rng.randint(1, 200)}"
    postcode = f"{c.rng.randint(1000, 9999)} {c.v.pick(('AB', 'CD', 'KL', 'XZ'))}"
    days = c.rng.randint(60, 2000)
    c.add(
        "crm/Accounts",
        {
            "ID": acc.id,
            "Code": acc.code,
            "Name": name,
            "SearchCode": name[:8].upper(),
            "IsSupplier": supplier,
            "IsPurchase": supplier,
            "IsSales": not supplier,
            "Status": status,
            "StatusSince": c.v.day(-days),
            "Blocked": blocked,
            "PurchaseLeadDays": acc.lead_days if supplier else None,
            "ShippingLeadDays": None if supplier else c.rng.randint(1, 5),
            "CanDropShip": acc.can_drop_ship,
            "AccountManager": manager,
            "AccountManagerFullName": manager_name,
            "AccountManagerHID": manager_hid,
            "MainContact": acc.contact,
            "AddressLine1": street,
            "City": city,
            "Postcode": postcode,
            "Country": country,
            "Currency": currency,
            "PurchaseCurrency": currency if supplier else None,
            "SalesCurrency": None if supplier else currency,
            "Email": f"info@{name.split(maxsplit=1)[0].lower()}{number}.example",
            "Phone": f"+31 {c.rng.randint(10, 79)} {c.rng.randint(1000000, 9999999)}",
            "VATNumber": f"{country}{c.rng.randint(100000000, 999999999)}B01",
            "ChamberOfCommerce": str(c.rng.randint(10000000, 99999999)),
            "PaymentConditionPurchase": "30" if supplier else None,
            "PaymentConditionSales": None if supplier else c.v.pick(("14", "30")),
            "PriceList": (
                c.v.pick(c.price_lists)[0]
                if not supplier and c.price_lists and c.rng.random() < 0.4
                else None
            ),
            "CustomerSince": None if supplier else c.v.day(-days),
            "StartDate": c.v.day(-days),
            "EndDate": None,
            "Language": "NL" if country in ("NL", "BE") else "EN",
            **account_logo_fields(c.division, acc.id, acc.code),
            **c.audit(days),
        },
    )
    c.add(
        "crm/Contacts",
        {
            "ID": acc.contact,
            "Account": acc.id,
            "AccountName": name,
            "AccountIsSupplier": supplier,
            "AccountIsCustomer": not supplier,
            "AccountMainContact": acc.contact,
            "IsMainContact": True,
            "FirstName": first,
            "LastName": last,
            "FullName": acc.contact_name,
            "Initials": first[0] + ".",
            "Email": f"{first.lower()}@{number}.example",
            "City": city,
            "Country": country,
            "JobTitleDescription": "Purchasing" if not supplier else "Sales",
            "StartDate": c.v.day(-days),
            **c.audit(days),
        },
    )
    for addr_type in (1, 4) if not supplier else (1,):  # 1 visit, 4 delivery
        addr_id = acc.address if addr_type == 1 else c.v.guid()
        c.add(
            "crm/Addresses",
            {
                "ID": addr_id,
                "Account": acc.id,
                "AccountName": name,
                "AccountIsSupplier": supplier,
                "Type": addr_type,
                "Main": addr_type == 1,
                "AddressLine1": street,
                "City": city,
                "Postcode": postcode,
                "Country": country,
                "Contact": acc.contact,
                "ContactName": acc.contact_name,
                **c.audit(days),
            },
        )
    return acc


def accounts(c: Company) -> None:
    # price lists first: customers link to them
    for n in range(3 if c.spec.items < 500 else 6):
        pid = c.v.guid()
        code, desc = (
            f"PL{n + 1:02d}",
            ("Retail", "Wholesale", "Export", "Partner", "Promotion", "Key accounts")[n],
        )
        c.price_lists.append((pid, code, desc))
    c.suppliers = [_account(c, 20001 + n, supplier=True) for n in range(c.spec.suppliers)]
    c.customers = [_account(c, 10001 + n, supplier=False) for n in range(c.spec.customers)]
