"""The general ledger: currencies, G/L accounts, VAT codes, journals, exchange rates and
financial periods, plus the transaction line every posted invoice writes. Invoices and item
groups reference these accounts, so they are set up before any logistics data.
"""

from __future__ import annotations

from datetime import date

from exact_sandbox.company.chart import GL, VAT
from exact_sandbox.company.context import Company


def finance(c: Company) -> None:
    for code, desc, amount_precision in (
        ("EUR", "Euro", 0.01),
        ("USD", "US Dollar", 0.01),
        ("GBP", "Pound sterling", 0.01),
    ):
        c.add(
            "general/Currencies",
            {
                "Code": code,
                "Description": desc,
                "AmountPrecision": amount_precision,
                "PricePrecision": 0.0001,
                "Created": c.v.moment(-900),
                "Modified": c.v.moment(-900),
            },
        )
    for code, desc, gl_type, side, btype in GL:
        gid = c.v.guid()
        c.gl[code] = (gid, desc)
        c.add(
            "financial/GLAccounts",
            {
                "ID": gid,
                "Code": code,
                "Description": desc,
                "SearchCode": desc[:10].upper(),
                "Type": gl_type,
                "BalanceSide": side,
                "BalanceType": btype,
                "IsBlocked": False,
                "VATCode": "2" if code.startswith("8") else None,
                **c.audit(900),
            },
        )
    for code, (desc, pct) in VAT.items():
        c.add(
            "vat/VATCodes",
            {
                "ID": c.v.guid(),
                "Code": code,
                "Description": desc,
                "Percentage": pct,
                "Charged": pct > 0,
                "IsBlocked": False,
                "Country": "NL",
                "Type": "E" if code in ("0", "1", "2") else "B",
                "VATTransactionType": "B",
                "GLToPay": c.gl["1500"][0],
                "GLToPayCode": "1500",
                "GLToPayDescription": c.gl["1500"][1],
                "GLToClaim": c.gl["1520"][0],
                "GLToClaimCode": "1520",
                "GLToClaimDescription": c.gl["1520"][1],
                **c.audit(900),
            },
        )
    for code, desc, jtype, gl in (
        ("70", "Sales journal", 20, "1300"),
        ("60", "Purchase journal", 21, "1600"),
        ("20", "Bank", 12, "1100"),
        ("90", "Memorial", 90, "3000"),
    ):
        c.add(
            "financial/Journals",
            {
                "ID": c.v.guid(),
                "Code": code,
                "Description": desc,
                "Type": jtype,
                "Currency": "EUR",
                "GLAccount": c.gl[gl][0],
                "GLAccountCode": gl,
                "GLAccountDescription": c.gl[gl][1],
                "AllowVAT": jtype in (20, 21),
                "IsBlocked": False,
                **c.audit(900),
            },
        )
    months = max(12, c.spec.history_days // 30 + 2)
    for m in range(months):
        y, mo = divmod(c.v.today.year * 12 + c.v.today.month - 1 - m, 12)
        start = c.v.day((date(y, mo + 1, 1) - c.v.today).days)
        for source, base in (("USD", 0.92), ("GBP", 1.17)):
            c.add(
                "financial/ExchangeRates",
                {
                    "ID": c.v.guid(),
                    "SourceCurrency": source,
                    "SourceCurrencyDescription": "US Dollar"
                    if source == "USD"
                    else "Pound sterling",
                    "TargetCurrency": "EUR",
                    "TargetCurrencyDescription": "Euro",
                    "Rate": round(base * c.rng.uniform(0.97, 1.03), 4),
                    "StartDate": start,
                    **c.audit(m * 30 + 1),
                },
            )
        c.add(
            "financial/FinancialPeriods",
            {
                "ID": c.v.guid(),
                "FinYear": y,
                "FinPeriod": mo + 1,
                "StartDate": start,
                "EndDate": c.v.day(
                    (date(y + (mo + 1) // 12, (mo + 1) % 12 + 1, 1) - c.v.today).days - 1
                ),
                **c.audit(m * 30 + 1),
            },
        )


def transaction_line(
    c: Company,
    common: dict,
    line_no: int,
    gl: str,
    amount: float,
    *,
    desc: str,
    item: dict | None = None,
    vat_code: str | None = None,
    vat_pct: float = 0.0,
    due: int | None = None,
) -> None:
    gid, gdesc = c.gl[gl]
    c.add(
        "financialtransaction/TransactionLines",
        {
            **common,
            "ID": c.v.guid(),
            "LineNumber": line_no,
            "GLAccount": gid,
            "GLAccountCode": gl,
            "GLAccountDescription": gdesc,
            "AmountDC": amount,
            "AmountFC": amount,
            "Description": desc,
            "LineType": 0 if line_no == 0 else 1,
            "Item": item["Item"] if item else None,
            "ItemCode": item["ItemCode"] if item else None,
            "ItemDescription": item["ItemDescription"] if item else None,
            "Quantity": item["Quantity"] if item else None,
            "VATCode": vat_code,
            "VATPercentage": vat_pct,
            "DueDate": c.v.day(-due + 30) if due is not None else None,
        },
    )
