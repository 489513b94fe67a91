"""The company's staff: employees and their user roles. Generated first because every other
record names a user as creator, account manager, salesperson or purchase agent.
"""

from __future__ import annotations

from exact_sandbox.company.context import Company
from exact_sandbox.company.names import CITIES, FIRST_NAMES, LAST_NAMES


def people(c: Company) -> None:
    for _ in range(c.spec.employees):
        first, last = c.v.pick(FIRST_NAMES), c.v.pick(LAST_NAMES)
        user, full = c.v.guid(), f"{first} {last}"
        c.users.append((user, full))
    for n, (user, full) in enumerate(c.users, start=1):
        first, last = full.split(" ", 1)
        city = c.v.pick(CITIES["NL"])
        c.add(
            "payroll/Employees",
            {
                "ID": c.v.guid(),
                "Code": str(n),
                "HID": n,
                "EmployeeHID": n,
                "FirstName": first,
                "LastName": last,
                "FullName": full,
                "Initials": first[0] + ".",
                "User": user,
                "UserFullName": full,
                "Email": f"{first.lower()}.{n}@demo-company.example",
                "City": city,
                "Country": "NL",
                "Language": "NL",
                "IsActive": True,
                "ActiveEmployment": 1,
                "StartDate": c.v.day(-c.rng.randint(200, 3000)),
                "EndDate": None,
                "Gender": c.v.pick(("M", "V", "O")),
                **c.audit(400),
            },
        )
        c.add(
            "users/UserRolesPerDivision",
            {
                "ID": c.v.guid(),
                "UserID": user,
                "Role": 10,
                "RoleLevel": 2,
                "Description": "Purchase" if n % 2 else "Sales",
                "StartDate": c.v.day(-400),
                "EndDate": None,
                **c.audit(400),
            },
        )
