"""The KPI families, one module each; every public name is re-exported by ``kpicore``.

Modules: paid_until, prepaid, contacts, credits.
"""

from __future__ import annotations

from kpicore.kpis.contacts import (
    ContactGroup,
    ContactTrendPoint,
    CustomersWithoutContact,
    customers_without_contact,
    is_usable_contact,
    is_usable_email,
    is_usable_phone,
    normalize_phone,
)
from kpicore.kpis.credits import (
    CancelledCredits,
    CancelledCreditsGroup,
    CreditFrequency,
    CreditFrequencyGroup,
    CreditUtilisation,
    CreditUtilisationGroup,
    cancelled_credits,
    credit_frequency,
    credit_utilisation,
)
from kpicore.kpis.paid_until import (
    ContractPaidUntil,
    PaidUntilBin,
    PaidUntilDistribution,
    PaidUntilReport,
    PaidUntilStatus,
    PaidUntilSummary,
    advance_paid_until,
    expected_paid_until,
    paid_until_distribution,
    paid_until_status,
)
from kpicore.kpis.prepaid import (
    PREPAID_REPORT_COLUMNS_PT,
    PREPAID_SORT_KEYS,
    PrepaidCustomerRow,
    PrepaidCustomersReport,
    PrepaidTotals,
    prepaid_customers_report,
)

__all__ = [
    "PREPAID_REPORT_COLUMNS_PT",
    "PREPAID_SORT_KEYS",
    "CancelledCredits",
    "CancelledCreditsGroup",
    "ContactGroup",
    "ContactTrendPoint",
    "ContractPaidUntil",
    "CreditFrequency",
    "CreditFrequencyGroup",
    "CreditUtilisation",
    "CreditUtilisationGroup",
    "CustomersWithoutContact",
    "PaidUntilBin",
    "PaidUntilDistribution",
    "PaidUntilReport",
    "PaidUntilStatus",
    "PaidUntilSummary",
    "PrepaidCustomerRow",
    "PrepaidCustomersReport",
    "PrepaidTotals",
    "advance_paid_until",
    "cancelled_credits",
    "credit_frequency",
    "credit_utilisation",
    "customers_without_contact",
    "expected_paid_until",
    "is_usable_contact",
    "is_usable_email",
    "is_usable_phone",
    "normalize_phone",
    "paid_until_distribution",
    "paid_until_status",
    "prepaid_customers_report",
]
