"""Exact's codes the documents share: order and invoice statuses, VAT codes, the chart of
accounts. Sales, purchasing and finance all post against these, so they live in one place.
"""

from __future__ import annotations

# Exact status codes.
PO_OPEN, PO_PARTIAL, PO_COMPLETE, PO_CANCELLED = 10, 20, 30, 40
SO_OPEN, SO_PARTIAL, SO_COMPLETE, SO_CANCELLED = 12, 20, 21, 45
INV_DRAFT, INV_OPEN, INV_CANCELLED, INV_PROCESSED = 10, 20, 45, 50
SALES_INVOICE, DIRECT_SALES_INVOICE = 8020, 8023

STATUS_TEXT = {
    12: "Open",
    20: "Partial",
    21: "Complete",
    45: "Cancelled",
    10: "Draft",
    50: "Processed",
}

VAT = {
    "0": ("No VAT", 0.0),
    "1": ("VAT low 9%", 0.09),
    "2": ("VAT high 21%", 0.21),
    "3": ("VAT 0% EU", 0.0),
    "5": ("Reverse charge", 0.0),
}

# (code, description, type, balance side, balance type)
GL = (
    ("0300", "Machines and equipment", 12, "D", "B"),
    ("1100", "Bank", 12, "D", "B"),
    ("1300", "Accounts receivable", 20, "D", "B"),
    ("1500", "VAT to pay", 30, "C", "B"),
    ("1520", "VAT to claim", 30, "D", "B"),
    ("1600", "Accounts payable", 22, "C", "B"),
    ("3000", "Stock", 32, "D", "B"),
    ("3100", "Work in progress", 32, "D", "B"),
    ("4000", "Salaries", 110, "D", "W"),
    ("4300", "Housing costs", 110, "D", "W"),
    ("4500", "Transport costs", 110, "D", "W"),
    ("7000", "Cost of goods sold", 110, "D", "W"),
    ("7100", "Purchase price differences", 110, "D", "W"),
    ("7200", "Stock variance", 110, "D", "W"),
    ("8000", "Revenue goods", 111, "C", "W"),
    ("8100", "Revenue services", 111, "C", "W"),
    ("8900", "Revenue work in progress", 111, "C", "W"),
)
