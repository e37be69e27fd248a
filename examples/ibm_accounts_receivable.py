"""Collections KPIs on real data: IBM's public accounts-receivable sample.

Run from the repository root (the dataset ships in ``examples/data``)::

    python examples/ibm_accounts_receivable.py [path/to/ibm-accounts-receivable.csv]

kpicore itself does no I/O: this script reads the CSV with the standard
library, builds :class:`kpicore.Invoice` objects and hands them to the KPIs.
The dataset's own ``DaysToSettle`` and ``DaysLate`` columns are compared with
kpicore's numbers for every invoice.
"""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

import kpicore as kc

DEFAULT = Path(__file__).resolve().parent / "data" / "ibm-accounts-receivable.csv"


def _date(text: str) -> date:
    month, day, year = (int(p) for p in text.split("/"))
    return date(year, month, day)


def load(path: Path) -> tuple[list[kc.Invoice], dict[str, tuple[int, int]]]:
    """Invoices (amounts read as USD: the file states no currency) and the file's own days."""
    invoices: list[kc.Invoice] = []
    expected: dict[str, tuple[int, int]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            issued, settled = _date(row["InvoiceDate"]), _date(row["SettledDate"])
            amount = kc.Money.of(row["InvoiceAmount"], "USD")
            disputes = (
                [kc.Dispute(issued, resolved_at=settled)] if row["Disputed"] == "Yes" else []
            )
            invoices.append(
                kc.Invoice(
                    row["invoiceNumber"],
                    row["customerID"],
                    issued,
                    _date(row["DueDate"]),
                    amount,
                    payments=[kc.Payment(settled, amount)],
                    disputes=disputes,
                    source_system="IBM sample",
                )
            )
            expected[row["invoiceNumber"]] = (int(row["DaysToSettle"]), int(row["DaysLate"]))
    return invoices, expected


def report(invoices: list[kc.Invoice], expected: dict[str, tuple[int, int]]) -> dict[str, object]:
    """Compute the report; returns the numbers it printed (for the example's test)."""
    log = kc.EventLog.from_invoices(invoices)
    settle = kc.days_to_settle(log)
    late = kc.days_late(log)
    ids = settle.case_ids.tolist()
    mismatches = sum(
        (int(s), int(lt)) != expected[i]
        for i, s, lt in zip(ids, settle.days.tolist(), late.days.tolist(), strict=True)
    )
    print(f"{log.n_cases:,} invoices, {log.n_events:,} events")
    print(f"Days to settle: mean {settle.summary.mean:.2f}, median {settle.summary.median:.1f}")
    lp = kc.late_payments(log).figures
    n_late = lp.late_count
    share_count = 100 * (lp.count_share or 0.0)
    share_amount = 100 * (lp.amount_share["USD"] or 0.0)
    print(
        f"Paid late: {n_late:,} of {lp.settled_count:,} invoices ({share_count:.1f}%),"
        f" {lp.late_amount['USD'].format()} ({share_amount:.1f}% of the amount)"
    )
    print(
        f"Days late: {lp.total_days_late:,} in total; late payers {lp.average_days_late:.2f} on"
        f" average; all settled invoices {late.summary.mean:.2f}"
    )
    bins = ", ".join(f"{k} {v}" for k, v in lp.days_to_settle_bins.items())
    print(f"Days to settle by range: {bins}")
    print(f"Invoices whose days differ from the file's DaysToSettle/DaysLate: {mismatches}")

    as_of = date(2013, 6, 30)
    ag = kc.aging(log, as_of=as_of)
    print(f"\nAging as of {as_of.isoformat()}:")
    for b in ag.buckets:
        amount = ", ".join(m.format() for m in b.amount.values()) or "-"
        print(f"  {b.label:<8} {b.count:>5}  {amount}")
    dso = kc.standard_dso(log, as_of=as_of, months=3)
    cei = kc.collection_effectiveness_index(log, as_of=as_of, months=3)
    for currency, fig in dso.by_currency.items():
        print(f"Standard DSO ({currency}, 3 months, actual days): {fig.dso:.1f}")
        print(f"CEI ({currency}): {cei.by_currency[currency].cei:.1f}")
    rate = kc.dispute_rate(log)
    print(f"Dispute rate: {100 * (rate.rate or 0):.1f}%")
    by_dispute = kc.dso_by_dispute(log, until="settlement")
    if by_dispute.groups is not None:
        for key, summary in by_dispute.groups.items():
            print(f"  DSO {key}: mean {summary.mean:.1f} days over {summary.count} invoices")
    return {"mismatches": mismatches, "late": n_late, "aging_count": ag.count}


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    invoices, expected = load(path)
    result = report(invoices, expected)
    return 0 if result["mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
