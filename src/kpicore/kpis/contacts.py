"""Customers without a usable contact (*Clientes sem Contato informado*).

A customer that can be reached neither by e-mail nor by phone cannot be given
the notice that Brazilian rules require before a service is suspended, so
blocking, rescission and credit-bureau listing become risky; data protection
law also asks for accurate, updated data. This module says which customers
have no *usable* contact, how many, how that evolves by registration period,
in which segments, and how long it took customers registered without contact
to get one.

What counts as usable
---------------------
* **e-mail** (:func:`is_usable_email`): after stripping surrounding
  whitespace, ``local@domain.tld`` -- exactly one ``@``, no whitespace, a
  non-empty local part, a domain of dot-separated non-empty labels whose last
  label (the TLD) has at least two letters.
* **phone** (:func:`normalize_phone`, :func:`is_usable_phone`): keep the
  digits only; drop a leading country code ``55`` when 12 or 13 digits
  remain; then 10 or 11 digits (area code + number, Brazilian numbering) that
  are not all the same digit.

A contact with ``added_at`` counts from that instant; without ``added_at`` it
counts as recorded at registration.

References
----------
IXC Provedor's ``cliente`` contact fields (``email``, ``hotsite_email``,
``fone``, ``telefone_celular``, ``telefone_comercial``, ``whatsapp``) [IXC-API]_,
https://github.com/isacna/ixc-soft-api; Lei 13.709/2018 (LGPD) art. 6 V and
art. 18 III [LGPD]_; the notice Anatel's RGC requires before a suspension
(Resolução 632/2014 and 765/2023) [ANATEL-2014]_ [ANATEL-SUSP]_; Código de Defesa
do Consumidor art. 42 [CDC]_. The usability rules are kpicore's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.grouping import By, make_grouping, resolve_by
from kpicore.model import Contact, ContactKind, Customer
from kpicore.periods import FREQS, NS_PER_DAY, Freq, Period, as_of_ns, periods, to_ns
from kpicore.results import Breakdown, Result, fields_to_dict, freeze
from kpicore.summary import Summary

__all__ = [
    "ContactGroup",
    "ContactTrendPoint",
    "CustomersWithoutContact",
    "customers_without_contact",
    "is_usable_contact",
    "is_usable_email",
    "is_usable_phone",
    "normalize_phone",
]

_EMAIL = re.compile(r"[^@\s]+@(?:[^@\s.]+\.)+[^\W\d_]{2,}")
_NON_DIGIT = re.compile(r"\D")
_NEVER = np.iinfo(np.int64).max  # no usable contact, ever
_ALWAYS = np.iinfo(np.int64).min  # usable contact with no added_at: present since registration


# --------------------------------------------------------------------------- validity


def is_usable_email(value: str) -> bool:
    """Whether ``value`` is a usable e-mail address (``local@domain.tld``).

    Parameters
    ----------
    value : str

    Returns
    -------
    bool
        True when, after stripping surrounding whitespace, the text has
        exactly one ``@``, no whitespace, a non-empty local part and a domain
        of non-empty dot-separated labels ending in a top-level domain of at
        least two letters.

    Notes
    -----
    A deliberately simple syntactic check (``local@domain.tld``),
    not RFC 5322: it rejects blanks, placeholders such as ``"-"`` or
    ``"sem email"``, addresses without a domain or TLD and addresses with two
    ``@``. Whether the mailbox exists is not checked.

    Examples
    --------
    >>> is_usable_email(" financeiro@provedor.com.br ")
    True
    >>> [is_usable_email(v) for v in ["", "ana@", "ana@gmail", "a@b@c.com", "ana @x.com", "a@x.c"]]
    [False, False, False, False, False, False]
    """
    if not isinstance(value, str):
        return False
    return _EMAIL.fullmatch(value.strip()) is not None


def normalize_phone(value: str) -> str | None:
    """The digits of a usable phone number (without country code), or None.

    Parameters
    ----------
    value : str
        As recorded, with any punctuation (``"+55 (11) 91234-5678"``).

    Returns
    -------
    str or None
        10 or 11 digits (area code + number) when usable, else None.

    Notes
    -----
    Steps: keep the digits only; when 12 or 13 digits remain and they start
    with ``55`` (Brazil's country code), drop it; the result is usable when it
    has 10 or 11 digits and not all of them are the same digit
    (``"0000000000"``, ``"99999999999"`` are placeholders). kpicore's rule for
    Brazilian numbers (area code + 8 or 9 digits).

    Examples
    --------
    >>> normalize_phone("+55 (11) 91234-5678")
    '11912345678'
    >>> normalize_phone("(48) 3222-1100")
    '4832221100'
    >>> normalize_phone("91234-5678") is None  # 9 digits: no area code
    True
    >>> normalize_phone("(11) 1111-1111") is None  # all one digit: a placeholder
    True
    """
    if not isinstance(value, str):
        return None
    digits = _NON_DIGIT.sub("", value)
    if len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]
    if len(digits) not in (10, 11) or len(set(digits)) == 1:
        return None
    return digits


def is_usable_phone(value: str) -> bool:
    """Whether ``value`` is a usable phone number (see :func:`normalize_phone`).

    Examples
    --------
    >>> is_usable_phone("(11) 91234-5678"), is_usable_phone("  "), is_usable_phone("12345")
    (True, False, False)
    """
    return normalize_phone(value) is not None


def is_usable_contact(contact: Contact) -> bool:
    """Whether a :class:`~kpicore.model.Contact` is usable for its kind.

    Examples
    --------
    >>> from kpicore.model import Contact
    >>> is_usable_contact(Contact("email", "ana@x.com.br"))
    True
    >>> is_usable_contact(Contact("phone", "-"))
    False
    """
    if contact.kind is ContactKind.EMAIL:
        return is_usable_email(contact.value)
    return is_usable_phone(contact.value)


# --------------------------------------------------------------------------- results


@attrs.frozen(repr=False)
class ContactGroup(Result):
    """Customers without a usable contact within one group.

    Attributes
    ----------
    customers : int
        Customers in the group.
    without_contact : int
        Those without a usable contact at ``as_of``.
    share : float or None
        ``without_contact / customers`` (None for an empty group).
    """

    customers: int
    without_contact: int
    share: float | None


@attrs.frozen(repr=False)
class ContactTrendPoint(Result):
    """Customers registered in one period and how many of them lack a contact.

    Attributes
    ----------
    period : Period
        The registration period.
    registered : int
        Customers registered in the period.
    without_contact : int
        Of those, without a usable contact at ``as_of``.
    share : float or None
        ``without_contact / registered`` (None when nobody registered).
    change : int or None
        ``without_contact`` minus the previous period's (None for the first).
    share_change : float or None
        ``share`` minus the previous period's share (None when either is None).
    """

    period: Period
    registered: int
    without_contact: int
    share: float | None
    change: int | None
    share_change: float | None


@attrs.frozen(repr=False)
class CustomersWithoutContact(Result):
    """Result of :func:`customers_without_contact`.

    Attributes
    ----------
    customers : int
        Customers considered (registered by ``as_of``).
    without_contact : int
        Customers with no usable e-mail and no usable phone at ``as_of``.
    share : float or None
        ``without_contact / customers`` (None when no customer is considered).
    customer_ids : tuple of str
        The ids of the customers without contact, in input order (the
        detail report).
    coverage : Mapping[str, int]
        ``used`` and ``excluded_not_yet_registered`` (created after ``as_of``).
    segments : Mapping[str, Breakdown of ContactGroup]
        One breakdown per segmentation dimension (default kind, sector and
        region).
    trend : tuple of ContactTrendPoint
        By registration period (with ``freq=``), every period from the
        first to the last registration, with the change against the
        previous period; empty without ``freq``.
    unplaced : int
        Customers without ``created_at`` (in no trend period).
    groups : Breakdown of ContactGroup or None
        Per ``by=`` and/or ``freq=`` group, when asked for.
    without_contact_at_registration : int
        Customers with a known ``created_at`` that had no usable contact at
        that instant.
    time_to_first_contact : Summary
        Days from registration to the first usable contact, over the
        customers without contact at registration that got one by ``as_of``;
        those still without contact are its ``missing``.
    """

    customers: int
    without_contact: int
    share: float | None
    customer_ids: tuple[str, ...]
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    segments: Mapping[str, Breakdown[ContactGroup]] = attrs.field(converter=freeze)
    trend: tuple[ContactTrendPoint, ...]
    unplaced: int
    groups: Breakdown[ContactGroup] | None
    without_contact_at_registration: int
    time_to_first_contact: Summary

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see :func:`kpicore.results.to_jsonable`)."""
        return fields_to_dict(self)


# --------------------------------------------------------------------------- computation


def _group(without: npt.NDArray[np.bool_], ix: npt.NDArray[np.int64]) -> ContactGroup:
    n = len(ix)
    k = int(np.count_nonzero(without[ix]))
    return ContactGroup(customers=n, without_contact=k, share=k / n if n else None)


def _check_segments(segment_by: Sequence[str] | None) -> tuple[str, ...]:
    if segment_by is None:
        return ()
    dims = (segment_by,) if isinstance(segment_by, str) else tuple(segment_by)
    for d in dims:
        if not isinstance(d, str):
            raise InvalidParameterError(f"segment_by: {d!r} is not an attribute name")
    return dims


def customers_without_contact(
    customers: Iterable[Customer],
    *,
    as_of: date | datetime | None = None,
    tz: tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    segment_by: Sequence[str] | None = ("kind", "sector", "region"),
) -> CustomersWithoutContact:
    """Customers with no usable e-mail and no usable phone (*Clientes sem Contato informado*).

    Parameters
    ----------
    customers : iterable of Customer
    as_of : date or aware datetime, optional
        Evaluate at this instant (a date means its end): customers registered
        later are excluded (and counted), contacts added later do not count.
        ``None``: everything known.
    tz : tzinfo, optional
        Zone of ``as_of`` and of the registration periods (UTC by default).
    by : str, callable or sequence, optional
        Split by a customer attribute (``"segment"``, ``"city"``...).
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Split by registration period (``created_at``) and build the trend.
    segment_by : sequence of str, default ``("kind", "sector", "region")``
        Dimensions of :attr:`CustomersWithoutContact.segments`.

    Returns
    -------
    CustomersWithoutContact

    Raises
    ------
    InvalidParameterError
        For an unknown ``freq``, a naive ``as_of`` or a bad dimension.
    InvalidRecordError
        For an item that is not a Customer or a repeated customer id.

    Notes
    -----
    * ``without_contact = #{customers with no usable contact added by as_of}``;
      ``share = without_contact / customers``.
    * Trend: for each registration period ``p``,
      ``share(p) = without(p) / registered(p)``, ``change(p) = without(p) -
      without(p-1)``, ``share_change(p) = share(p) - share(p-1)``.
    * Time to first contact: for a customer whose usable contacts all have
      ``added_at > created_at``, ``(min added_at - created_at) / 1 day``;
      summarised by :class:`~kpicore.summary.Summary` (numpy "linear"
      quantiles), with customers still without contact at ``as_of`` counted
      as ``missing``. Customers without ``created_at`` are left out of it.

    Sources: LGPD art. 6 V [LGPD]_ and the RGC notice before suspension
    [ANATEL-2014]_ [ANATEL-SUSP]_; the usability rules are kpicore's.

    Examples
    --------
    >>> from datetime import date
    >>> from kpicore.model import Contact, Customer
    >>> cs = [
    ...     Customer("C1", "Ana", contacts=[Contact("email", "ana@x.com.br")],
    ...              created_at=date(2024, 1, 5)),
    ...     Customer("C2", "Bia", contacts=[Contact("phone", "0000000000"), Contact("email", "-")],
    ...              created_at=date(2024, 1, 20)),
    ...     Customer("C3", "Caio", contacts=[Contact("phone", "(11) 91234-5678",
    ...              added_at=date(2024, 2, 14))], created_at=date(2024, 2, 4)),
    ... ]
    >>> r = customers_without_contact(cs, as_of=date(2024, 3, 31), freq="month")
    >>> r.without_contact, r.customer_ids, round(r.share, 4)
    (1, ('C2',), 0.3333)
    >>> [(str(p.period), p.registered, p.without_contact, p.change) for p in r.trend]
    [('2024-01', 2, 1, None), ('2024-02', 1, 0, -1)]
    >>> r.time_to_first_contact.mean, r.time_to_first_contact.missing
    (10.0, 1)
    """
    if freq is not None and freq not in FREQS:
        raise InvalidParameterError(f"freq={freq!r}: expected one of {', '.join(FREQS)}")
    dims = _check_segments(segment_by)
    cutoff = _NEVER if as_of is None else as_of_ns(as_of, tz=tz)

    used: list[Customer] = []
    created: list[int] = []
    first: list[int] = []
    seen: set[str] = set()
    excluded_later = 0
    for i, c in enumerate(customers):  # object conversion: one pass over input
        if not isinstance(c, Customer):
            raise InvalidRecordError(
                row=i, field="customers", value=type(c).__name__, expected="a Customer"
            )
        if c.id in seen:
            raise InvalidRecordError(
                record=c.id,
                row=i,
                field="id",
                value=c.id,
                expected="a customer id not seen before",
            )
        seen.add(c.id)
        created_ns = _ALWAYS if c.created_at is None else to_ns(c.created_at, field="created_at")
        if c.created_at is not None and created_ns >= cutoff:
            excluded_later += 1
            continue
        earliest = _NEVER
        for contact in c.contacts:
            if is_usable_contact(contact):
                at = _ALWAYS if contact.added_at is None else to_ns(contact.added_at)
                earliest = min(earliest, at)
        used.append(c)
        created.append(created_ns)
        first.append(earliest)

    n = len(used)
    created_arr = np.array(created, dtype=np.int64).reshape(n)
    first_arr = np.array(first, dtype=np.int64).reshape(n)
    known_created = created_arr != _ALWAYS
    without = first_arr >= cutoff  # no usable contact added by as_of (_NEVER >= any cutoff)
    if as_of is None:
        without = first_arr == _NEVER
    ids = tuple(used[i].id for i in np.flatnonzero(without).tolist())
    k = int(np.count_nonzero(without))

    # time to first contact, for customers without contact at registration
    none_at_reg = known_created & (first_arr > created_arr)
    got = none_at_reg & ~without
    days = (first_arr[got] - created_arr[got]) / NS_PER_DAY
    ttfc = Summary.of(days, missing=int(np.count_nonzero(none_at_reg & without)))

    segments: dict[str, Breakdown[ContactGroup]] = {}
    for dim in dims:
        name, keys = resolve_by(used, dim)
        grouping = make_grouping(n, by_name=name, by_keys=keys)
        segments[dim] = grouping.breakdown(lambda ix: _group(without, ix))

    when = np.where(known_created, created_arr, np.iinfo(np.int64).min)
    groups = None
    if by is not None or freq is not None:
        name, keys = resolve_by(used, by)
        grouping = make_grouping(
            n, by_name=name, by_keys=keys, freq=freq, when=when if freq else None, tz=tz
        )
        groups = grouping.breakdown(lambda ix: _group(without, ix))

    trend: list[ContactTrendPoint] = []
    unplaced = int(np.count_nonzero(~known_created))
    if freq is not None and np.any(known_created):
        by_period = make_grouping(n, freq=freq, when=when, tz=tz)
        found = by_period.breakdown(lambda ix: _group(without, ix))
        keys_p: list[Period] = list(found)
        span = periods(keys_p[0].start, keys_p[-1].start, freq)
        prev: ContactGroup | None = None
        for p in span:
            g = found.get(p, ContactGroup(0, 0, None))
            change = None if prev is None else g.without_contact - prev.without_contact
            share_change = (
                None
                if prev is None or prev.share is None or g.share is None
                else g.share - prev.share
            )
            trend.append(
                ContactTrendPoint(p, g.customers, g.without_contact, g.share, change, share_change)
            )
            prev = g

    return CustomersWithoutContact(
        customers=n,
        without_contact=k,
        share=k / n if n else None,
        customer_ids=ids,
        coverage={"used": n, "excluded_not_yet_registered": excluded_later},
        segments=segments,
        trend=tuple(trend),
        unplaced=unplaced,
        groups=groups,
        without_contact_at_registration=int(np.count_nonzero(none_at_reg)),
        time_to_first_contact=ttfc,
    )
