"""Display formats for reports and charts: money, rates, days, dates, in English or pt-BR.

Every function takes ``lang=`` -- ``"en"`` or ``"pt-BR"`` -- and nothing else
decides the style: no locale library is used and the machine's locale is never
read, so one call gives the same text everywhere. A report (or a chart) passes
one ``lang`` to every call, so it never mixes languages or number styles.

============  ===============================  ===================================
what          ``lang="en"``                    ``lang="pt-BR"``
============  ===============================  ===================================
money         ``USD 1,234.56`` (code first)    ``R$ 1.234,56`` (:meth:`Money.format_br`)
number        ``1,234.5``                      ``1.234,5``
rate          ``12.5%``                        ``12,5%``
days          ``12.3 days``                    ``12,3 dias``
date          ``2024-01-05`` (ISO 8601)        ``05/01/2024`` (dd/mm/aaaa)
long date     ``Jan 5, 2024``                  ``5 de janeiro de 2024``
month         ``Jan 2024``                     ``jan/2024``
============  ===============================  ===================================

A missing value (``None`` or NaN) is shown as :data:`MISSING` (an em dash) in
both languages. The English short date is ISO 8601 (unambiguous in every
English-speaking country); ``style="long"`` gives the US-style ``Jan 5, 2024``.

:data:`LABELS` is the catalogue of chart titles and axis labels in both
languages; :func:`activity_label`, :func:`enum_label` and :func:`bucket_label`
reuse the pt-BR labels the library already has (the canonical activities of
:mod:`kpicore.activities`, ``label_pt`` of the domain enumerations and
:attr:`~kpicore.kpis.overdue.AgingBucket.label_pt`).

>>> from kpicore.money import Money
>>> amount = Money.of("1234.56", "BRL")
>>> format_money(amount, lang="pt-BR"), format_money(Money.of("1234.56", "USD"))
('R$ 1.234,56', 'USD 1,234.56')
>>> format_rate(0.125, lang="pt-BR"), format_days(12.345), label("aging.title", lang="pt-BR")
('12,5%', '12.3 days', 'Contas a receber por faixa de atraso')
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import operator
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Any, Literal

from kpicore.activities import canonical_name, lookup
from kpicore.errors import InvalidParameterError
from kpicore.money import Money
from kpicore.periods import Period

__all__ = [
    "LABELS",
    "LANGS",
    "MISSING",
    "Lang",
    "activity_label",
    "bucket_label",
    "check_lang",
    "enum_label",
    "format_count",
    "format_date",
    "format_days",
    "format_money",
    "format_money_totals",
    "format_number",
    "format_period",
    "format_rate",
    "label",
]

#: An output language: ``"en"`` (English) or ``"pt-BR"`` (Brazilian Portuguese).
Lang = Literal["en", "pt-BR"]

#: The languages every formatter accepts.
LANGS: tuple[str, ...] = ("en", "pt-BR")

#: What a missing value (None or NaN) is shown as, in both languages.
MISSING = "—"

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_PT = ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez")
_MONTHS_PT_LONG = (
    "janeiro", "fevereiro", "março", "abril", "maio", "junho",
    "julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
)  # fmt: skip


def check_lang(lang: object) -> Lang:
    """Return ``lang`` when it is a supported language, else raise.

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"pt-BR"`` (exactly: no guessing from ``"pt"`` or ``"pt_br"``).

    Returns
    -------
    str

    Raises
    ------
    InvalidParameterError
        For any other value.

    Examples
    --------
    >>> check_lang("pt-BR")
    'pt-BR'
    >>> check_lang("pt")
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidParameterError: lang='pt': expected one of 'en', 'pt-BR'
    """
    if lang == "en":
        return "en"
    if lang == "pt-BR":
        return "pt-BR"
    raise InvalidParameterError(f"lang={lang!r}: expected one of 'en', 'pt-BR'")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: float, decimals: int, lang: Lang) -> str:
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # -0.0 rounds to "0.0", not "-0.0"
    if lang == "pt-BR":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _check_decimals(decimals: object) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise InvalidParameterError(f"decimals={decimals!r}: expected an int >= 0")
    return decimals


def _check_real(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{what}: {value!r} is not a number")
    return float(value)


def format_number(value: float | None, *, decimals: int = 1, lang: Lang = "en") -> str:
    """A number with thousands grouping and a fixed number of decimals.

    Parameters
    ----------
    value : float or None
        The number (None or NaN: :data:`MISSING`).
    decimals : int, default 1
        Places after the decimal point (rounded half to even, as Python's
        ``format``).
    lang : {"en", "pt-BR"}
        ``"en"``: ``,`` groups thousands and ``.`` is the decimal point;
        ``"pt-BR"``: ``.`` groups and ``,`` is the decimal point.

    Returns
    -------
    str

    Raises
    ------
    InvalidParameterError
        For an unknown ``lang``, a negative ``decimals`` or a value that is not a number.

    Examples
    --------
    >>> format_number(1234.56), format_number(1234.56, lang="pt-BR", decimals=2)
    ('1,234.6', '1.234,56')
    >>> format_number(None), format_number(-0.04)
    ('—', '0.0')
    """
    lang = check_lang(lang)
    decimals = _check_decimals(decimals)
    if _missing(value):
        return MISSING
    number = _check_real(value, "format_number")
    if math.isnan(number):
        return MISSING
    return _number(number, decimals, lang)


def format_count(value: int, *, lang: Lang = "en") -> str:
    """A whole count with thousands grouping (``1,234`` / ``1.234``).

    Parameters
    ----------
    value : int
    lang : {"en", "pt-BR"}

    Returns
    -------
    str

    Raises
    ------
    InvalidParameterError
        For an unknown ``lang`` or a value that is not an integer.

    Examples
    --------
    >>> format_count(1234567), format_count(1234567, lang="pt-BR")
    ('1,234,567', '1.234.567')
    """
    lang = check_lang(lang)
    if isinstance(value, bool):
        raise InvalidParameterError(f"format_count: {value!r} is not an integer")
    try:
        number = operator.index(value)  # ints and numpy integers, never a float
    except TypeError:
        raise InvalidParameterError(f"format_count: {value!r} is not an integer") from None
    return _number(number, 0, lang)


def format_rate(value: float | None, *, decimals: int = 1, lang: Lang = "en") -> str:
    """A ratio (0.125) as a percentage (``12.5%`` / ``12,5%``).

    Parameters
    ----------
    value : float or None
        The ratio: 1.0 is 100 %. None or NaN: :data:`MISSING`.
    decimals : int, default 1
        Places of the percentage.
    lang : {"en", "pt-BR"}

    Returns
    -------
    str

    Raises
    ------
    InvalidParameterError
        As :func:`format_number`.

    Notes
    -----
    ``text = format_number(100 · value, decimals) + "%"``, with no space before
    the sign in either language (the style of Brazilian financial reports).

    Examples
    --------
    >>> format_rate(0.125), format_rate(0.125, lang="pt-BR"), format_rate(1)
    ('12.5%', '12,5%', '100.0%')
    >>> format_rate(None)
    '—'
    """
    lang = check_lang(lang)
    decimals = _check_decimals(decimals)
    if _missing(value):
        return MISSING
    ratio = _check_real(value, "format_rate")
    if math.isnan(ratio):
        return MISSING
    return _number(ratio * 100.0, decimals, lang) + "%"


def format_days(
    value: float | None, *, decimals: int = 1, lang: Lang = "en", unit: bool = True
) -> str:
    """A number of days to one decimal (``12.3 days`` / ``12,3 dias``).

    Parameters
    ----------
    value : float or None
        Days (None or NaN: :data:`MISSING`).
    decimals : int, default 1
    lang : {"en", "pt-BR"}
    unit : bool, default True
        Append the unit (``days`` / ``dias``, always plural: the value has
        decimals).

    Returns
    -------
    str

    Raises
    ------
    InvalidParameterError
        As :func:`format_number`.

    Examples
    --------
    >>> format_days(12.345), format_days(1234.56, lang="pt-BR"), format_days(3, unit=False)
    ('12.3 days', '1.234,6 dias', '3.0')
    """
    text = format_number(value, decimals=decimals, lang=lang)
    if text == MISSING or not unit:
        return text
    return f"{text} {'dias' if lang == 'pt-BR' else 'days'}"


def format_money(value: Money, *, lang: Lang = "en") -> str:
    """An exact amount in the style of ``lang``.

    Parameters
    ----------
    value : Money
    lang : {"en", "pt-BR"}
        ``"en"``: ISO code, space, amount with ``,`` thousands and ``.``
        decimal point (``USD 1,234.56``, ``BRL -1,500.75``); ``"pt-BR"``:
        :meth:`Money.format_br` (``R$ 1.234,56``, ``US$ 10,00``, ``-R$ 5,00``).

    Returns
    -------
    str
        Every decimal place of the currency (none for JPY, three for KWD):
        money is never rounded for display.

    Raises
    ------
    InvalidParameterError
        For an unknown ``lang`` or a value that is not a Money.

    Examples
    --------
    >>> format_money(Money(123456, "USD")), format_money(Money(-150075, "BRL"))
    ('USD 1,234.56', 'BRL -1,500.75')
    >>> format_money(Money(123456, "BRL"), lang="pt-BR"), format_money(Money(1500, "JPY"))
    ('R$ 1.234,56', 'JPY 1,500')
    """
    lang = check_lang(lang)
    if not isinstance(value, Money):
        raise InvalidParameterError(f"format_money: {value!r} is not a Money")
    if lang == "pt-BR":
        return value.format_br()
    whole, fraction = divmod(abs(value.minor), 10**value.exponent)
    sign = "-" if value.minor < 0 else ""
    digits = f"{whole:,}" + (f".{fraction:0{value.exponent}d}" if value.exponent else "")
    return f"{value.currency} {sign}{digits}"


def format_money_totals(
    totals: Mapping[str, Money], *, lang: Lang = "en", separator: str = " + "
) -> str:
    """Totals per currency (a result's ``amount`` or ``value`` field) on one line.

    Parameters
    ----------
    totals : Mapping[str, Money]
        Currency code -> amount; shown in the order given (results sort by code).
    lang : {"en", "pt-BR"}
    separator : str, default " + "

    Returns
    -------
    str
        :data:`MISSING` for no totals. Currencies are never converted or added.

    Raises
    ------
    InvalidParameterError
        As :func:`format_money`.

    Examples
    --------
    >>> format_money_totals({"BRL": Money(150075, "BRL"), "USD": Money(1000, "USD")},
    ...                     lang="pt-BR")
    'R$ 1.500,75 + US$ 10,00'
    >>> format_money_totals({})
    '—'
    """
    lang = check_lang(lang)
    if not totals:
        return MISSING
    return separator.join(format_money(m, lang=lang) for m in totals.values())


def format_date(
    value: _dt.date, *, lang: Lang = "en", style: Literal["short", "long"] = "short"
) -> str:
    """A calendar date in the style of ``lang``.

    Parameters
    ----------
    value : date
        A date (a datetime is refused: its date depends on a time zone; take
        ``.date()`` in the zone you mean, or :func:`kpicore.periods.as_of_date`).
    lang : {"en", "pt-BR"}
    style : {"short", "long"}
        ``"short"``: ISO 8601 ``2024-01-05`` (en) or ``05/01/2024`` (pt-BR,
        dd/mm/aaaa); ``"long"``: ``Jan 5, 2024`` (en) or ``5 de janeiro de
        2024`` (pt-BR).

    Returns
    -------
    str

    Raises
    ------
    InvalidParameterError
        For an unknown ``lang`` or ``style``, or a value that is not a date.

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date(2024, 1, 5)
    >>> format_date(d), format_date(d, lang="pt-BR")
    ('2024-01-05', '05/01/2024')
    >>> format_date(d, style="long"), format_date(d, lang="pt-BR", style="long")
    ('Jan 5, 2024', '5 de janeiro de 2024')
    """
    lang = check_lang(lang)
    if style not in ("short", "long"):
        raise InvalidParameterError(f"style={style!r}: expected 'short' or 'long'")
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise InvalidParameterError(
            f"format_date: {value!r} is not a date (for a datetime, take its date in "
            "the time zone you mean first)"
        )
    if style == "short":
        if lang == "pt-BR":
            return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
        return value.isoformat()
    if lang == "pt-BR":
        return f"{value.day} de {_MONTHS_PT_LONG[value.month - 1]} de {value.year}"
    return f"{_MONTHS_EN[value.month - 1]} {value.day}, {value.year}"


def format_period(value: Period, *, lang: Lang = "en") -> str:
    """A period as a short label for a table column or a chart tick.

    Parameters
    ----------
    value : Period
    lang : {"en", "pt-BR"}

    Returns
    -------
    str
        ====== =================== ======================
        freq   ``"en"``            ``"pt-BR"``
        ====== =================== ======================
        day    ``2024-01-05``      ``05/01/2024``
        week   ``2024-W05``        ``sem. 05/2024``
        month  ``Jan 2024``        ``jan/2024``
        quarter ``2024 Q1``        ``1º tri/2024``
        year   ``2024``            ``2024``
        ====== =================== ======================

    Raises
    ------
    InvalidParameterError
        For an unknown ``lang`` or a value that is not a Period.

    Examples
    --------
    >>> format_period(Period.month(2024, 2)), format_period(Period.month(2024, 2), lang="pt-BR")
    ('Feb 2024', 'fev/2024')
    >>> format_period(Period.quarter(2024, 3), lang="pt-BR")
    '3º tri/2024'
    """
    lang = check_lang(lang)
    if not isinstance(value, Period):
        raise InvalidParameterError(f"format_period: {value!r} is not a Period")
    start = value.start
    if value.freq == "day":
        return format_date(start, lang=lang)
    if value.freq == "week":
        year, week, _ = start.isocalendar()
        return f"sem. {week:02d}/{year}" if lang == "pt-BR" else f"{year}-W{week:02d}"
    if value.freq == "month":
        if lang == "pt-BR":
            return f"{_MONTHS_PT[start.month - 1]}/{start.year}"
        return f"{_MONTHS_EN[start.month - 1]} {start.year}"
    if value.freq == "quarter":
        q = (start.month - 1) // 3 + 1
        return f"{q}º tri/{start.year}" if lang == "pt-BR" else f"{start.year} Q{q}"
    return str(start.year)


# ------------------------------------------------------------------------------ labels


def _pair(en: str, pt: str) -> Mapping[str, str]:
    return MappingProxyType({"en": en, "pt-BR": pt})


LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        # aging
        "aging.title": _pair("Accounts receivable aging", "Contas a receber por faixa de atraso"),
        "aging.x": _pair("Days past due", "Dias de atraso"),
        "aging.x_invoice": _pair("Days since invoice", "Dias desde a emissão"),
        "aging.y_amount": _pair("Open amount", "Valor em aberto"),
        "aging.y_count": _pair("Open invoices", "Faturas em aberto"),
        # DSO
        # per-invoice day counts (kpicore.kpis.dso.invoice_dso, days_overdue, ...)
        "days.per_invoice": _pair("{what} per invoice", "{what} por fatura"),
        "days.by_freq": _pair("{what} by {freq}", "{what} por {freq}"),
        "metric.days_to_first_payment": _pair("Days to pay", "Dias para pagamento"),
        "metric.days_to_settlement": _pair("Days to settle", "Dias até a quitação"),
        "metric.days_to_settle": _pair("Days to settle", "Dias até a quitação"),
        "metric.days_overdue": _pair("Days overdue", "Dias em atraso"),
        "metric.days_late": _pair("Days paid late", "Dias de atraso no pagamento"),
        "dso.x": _pair("Days", "Dias"),
        "dso.x_business": _pair("Business days", "Dias úteis"),
        "dso.y": _pair("Invoices", "Faturas"),
        "dso.trend.y": _pair("Days", "Dias"),
        # periods and dimensions
        "freq.day": _pair("day", "dia"),
        "freq.week": _pair("week", "semana"),
        "freq.month": _pair("month", "mês"),
        "freq.quarter": _pair("quarter", "trimestre"),
        "freq.year": _pair("year", "ano"),
        "by.customer": _pair("Customer", "Cliente"),
        "by.segment": _pair("Segment", "Segmento"),
        "by.sector": _pair("Sector", "Setor"),
        "by.region": _pair("Region", "Região"),
        "by.city": _pair("City", "Cidade"),
        "by.country": _pair("Country", "País"),
        "by.collector": _pair("Collector", "Cobrador"),
        "by.currency": _pair("Currency", "Moeda"),
        "by.status": _pair("Status", "Situação"),
        "by.reason": _pair("Reason", "Motivo"),
        "by.service_type": _pair("Service type", "Tipo de serviço"),
        "by.kind": _pair("Customer kind", "Tipo de cliente"),
        "period": _pair("Period", "Período"),
        "mean": _pair("Mean", "Média"),
        "median": _pair("Median", "Mediana"),
        # disputes
        "disputes.title": _pair("Dispute resolution time", "Tempo de resolução de disputas"),
        "disputes.x": _pair("Days to resolve", "Dias para resolver"),
        "disputes.y": _pair("Disputes", "Disputas"),
        # dunning
        "dunning.funnel.title": _pair("Dunning funnel", "Funil de cobrança"),
        "dunning.effectiveness.title": _pair(
            "Paid after the letter, by dunning level", "Pagas após a carta, por nível de cobrança"
        ),
        "dunning.issued": _pair("Issued", "Emitidas"),
        "dunning.level": _pair("Level {level}", "Nível {level}"),
        "dunning.x": _pair("Dunning level", "Nível de cobrança"),
        "dunning.y_invoices": _pair("Invoices", "Faturas"),
        "dunning.y_share": _pair("Paid after the letter", "Pagas após a carta"),
        # pago até
        "paid_until.status.title": _pair("Paid-until status", "Situação do pago até"),
        "paid_until.status.y": _pair("Contracts", "Contratos"),
        "paid_until.advance.title": _pair(
            "Paid-until month relative to the report month",
            "Mês do pago até em relação ao mês do relatório",
        ),
        "paid_until.advance.x": _pair(
            "Months ahead (+) or behind (−)", "Meses adiantado (+) ou atrasado (−)"
        ),
        "paid_until.healthy": _pair("Healthy window", "Janela saudável"),
        "paid_until.never_paid": _pair("Never paid", "Nunca pago"),
        # credits
        "credits.title": _pair("Cancelled credits", "Créditos cancelados"),
        "credits.y_value": _pair("Unused balance", "Saldo não utilizado"),
        "credits.y_count": _pair("Credits", "Créditos"),
        # contacts
        "contacts.title": _pair(
            "Customers without a usable contact", "Clientes sem contato válido"
        ),
        "contacts.y_share": _pair("Share without contact", "Parcela sem contato"),
        "contacts.y_count": _pair("Customers without contact", "Clientes sem contato"),
        "contacts.x": _pair("Registration period", "Período de cadastro"),
        # event log
        "variants.title": _pair("Most frequent variants", "Variantes mais frequentes"),
        "variants.x": _pair("Cases", "Casos"),
        "variants.other": _pair("{n} other variants", "{n} outras variantes"),
        "dfg.title": _pair("Directly-follows graph", "Grafo de sucessão direta"),
        "dfg.start": _pair("Start", "Início"),
        "dfg.end": _pair("End", "Fim"),
    }
)
"""Chart titles and axis labels: key -> ``{"en": ..., "pt-BR": ...}``.

Some labels have a ``{placeholder}`` filled with :meth:`str.format`
(``label("dunning.level", lang="pt-BR").format(level=2)`` is ``'Nível 2'``).
"""

# English display labels of enumeration values whose plain form reads badly.
_ENUM_EN: Mapping[str, str] = MappingProxyType(
    {
        "blocked_auto": "Blocked (automatic)",
        "blocked_manual": "Blocked (manual)",
    }
)


def label(key: str, *, lang: Lang = "en") -> str:
    """A chart title or axis label from :data:`LABELS`.

    Parameters
    ----------
    key : str
        E.g. ``"aging.title"``.
    lang : {"en", "pt-BR"}

    Returns
    -------
    str

    Raises
    ------
    InvalidParameterError
        For an unknown ``lang`` or key (the message lists the keys).

    Examples
    --------
    >>> label("dunning.funnel.title"), label("dunning.funnel.title", lang="pt-BR")
    ('Dunning funnel', 'Funil de cobrança')
    """
    lang = check_lang(lang)
    try:
        return LABELS[key][lang]
    except (KeyError, TypeError):
        raise InvalidParameterError(
            f"no label {key!r}: expected one of {', '.join(sorted(LABELS))}"
        ) from None


def activity_label(name: str, *, lang: Lang = "en") -> str:
    """An activity's display label: a canonical activity in ``lang``, any other as given.

    Parameters
    ----------
    name : str
        An activity label of a log: a canonical activity's English name, pt-BR
        label or key (case and extra whitespace ignored, as
        :func:`kpicore.activities.lookup`) or a source system's own label.
    lang : {"en", "pt-BR"}

    Returns
    -------
    str
        The canonical English name (``"en"``) or pt-BR label (``"pt-BR"``) of
        a canonical activity; any other label unchanged (it is not guessed).

    Raises
    ------
    InvalidParameterError
        For an unknown ``lang``.
    InvalidRecordError
        If ``name`` is not a string.

    Examples
    --------
    >>> activity_label("Payment Received", lang="pt-BR"), activity_label("fatura gerada")
    ('Pagamento Recebido', 'Invoice Generated')
    >>> activity_label("Boleto Impresso", lang="pt-BR")
    'Boleto Impresso'
    """
    lang = check_lang(lang)
    canonical = canonical_name(name)
    if canonical is None:
        return name
    activity = lookup(canonical)
    return activity.pt if lang == "pt-BR" else activity.en


def enum_label(member: Enum, *, lang: Lang = "en") -> str:
    """The display label of a domain enumeration member (a status, a kind, ...).

    Parameters
    ----------
    member : Enum
        A member with a ``label_pt`` (the enumerations of :mod:`kpicore.model`,
        :class:`~kpicore.kpis.paid_until.PaidUntilStatus`, ...).
    lang : {"en", "pt-BR"}

    Returns
    -------
    str
        ``member.label_pt`` in pt-BR; in English the value with ``_`` as spaces
        and a capital first letter (``"never_paid"`` -> ``"Never paid"``;
        ``blocked_auto``/``blocked_manual`` -> ``"Blocked (automatic)"`` /
        ``"Blocked (manual)"``).

    Raises
    ------
    InvalidParameterError
        For an unknown ``lang``, a value that is not an enum member, or (pt-BR)
        a member without a ``label_pt``.

    Examples
    --------
    >>> from kpicore.model import AccessStatus, CreditStatus
    >>> enum_label(CreditStatus.REFUNDED), enum_label(CreditStatus.REFUNDED, lang="pt-BR")
    ('Refunded', 'Reembolsado')
    >>> enum_label(AccessStatus.BLOCKED_AUTO)
    'Blocked (automatic)'
    """
    lang = check_lang(lang)
    if not isinstance(member, Enum):
        raise InvalidParameterError(f"enum_label: {member!r} is not an enum member")
    if lang == "pt-BR":
        pt: Any = getattr(member, "label_pt", None)
        if not isinstance(pt, str):
            raise InvalidParameterError(f"enum_label: {member!r} has no pt-BR label")
        return pt
    value = str(member.value)
    if value in _ENUM_EN:
        return _ENUM_EN[value]
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


def bucket_label(bucket: Any, *, lang: Lang = "en") -> str:
    """The label of an aging bucket (:class:`~kpicore.kpis.overdue.AgingBucket`) in ``lang``.

    Parameters
    ----------
    bucket : AgingBucket
    lang : {"en", "pt-BR"}

    Returns
    -------
    str
        ``bucket.label`` (``"1–30"``) or ``bucket.label_pt`` (``"1–30 dias"``).

    Raises
    ------
    InvalidParameterError
        For an unknown ``lang`` or an object without those labels.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.kpis.overdue import aging
    >>> b = aging([], as_of=dt.date(2024, 1, 31)).buckets[0]
    >>> bucket_label(b), bucket_label(b, lang="pt-BR")
    ('Current', 'A vencer')
    """
    lang = check_lang(lang)
    text = getattr(bucket, "label_pt" if lang == "pt-BR" else "label", None)
    if not isinstance(text, str):
        raise InvalidParameterError(f"bucket_label: {bucket!r} is not an aging bucket")
    return text
