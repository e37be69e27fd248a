"""Charts of KPI results, drawn with matplotlib (the optional ``plot`` extra).

One function per chart; each takes an existing result object and draws it on a
matplotlib :class:`~matplotlib.axes.Axes`::

    plot_xxx(result, *, ax=None, lang="en", <chart options>, **options) -> Axes

``ax``
    The axes to draw on; ``None`` creates a new figure (``figsize=`` option).
``lang``
    ``"en"`` or ``"pt-BR"``: every title, axis label, tick and number of the
    chart is in that language and number style (:mod:`kpicore.formatting`).
``**options``
    ``title`` (a str replaces the default title, ``""`` removes it),
    ``figsize`` (for a new figure) and ``color`` (the main colour).

:func:`plot` dispatches on the type of the result (:data:`REGISTRY`), and
``kind=`` picks another chart of the same result (:data:`KINDS`)::

    >>> import datetime as dt, matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.overdue import aging
    >>> from kpicore.synth import synth_invoices
    >>> r = aging(synth_invoices(200, seed=1), as_of=dt.date(2024, 6, 30))
    >>> ax = plot(r, lang="pt-BR")
    >>> ax.get_title(), [t.get_text() for t in ax.get_xticklabels()][:2]
    ('Contas a receber por faixa de atraso', ['A vencer', '1–30 dias'])

matplotlib is imported only when a chart is drawn (``import kpicore.plot``
does not import it); without it a chart raises
:class:`~kpicore.errors.MissingDependencyError` with the install hint
``pip install 'kpicore[plot]'``. Money is drawn in major units as floats
(``minor / 10**exponent``) -- for drawing only: the numbers written on the
chart come from the exact amounts (:func:`~kpicore.formatting.format_money`).
Amounts in different currencies are never drawn on one axis: a result with
several currencies needs ``currency=``. Nothing is dropped silently: what a
chart leaves out (open disputes, never-paid contracts, other variants) is
written on it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from kpicore.activities import CANONICAL, canonical_name
from kpicore.errors import InvalidParameterError, MissingDependencyError
from kpicore.eventlog import DirectlyFollows, Variants
from kpicore.formatting import (
    LABELS,
    Lang,
    activity_label,
    bucket_label,
    check_lang,
    enum_label,
    format_count,
    format_days,
    format_money,
    format_number,
    format_period,
    format_rate,
    label,
)
from kpicore.kpis._ledger import InvoiceDays
from kpicore.kpis.contacts import CustomersWithoutContact
from kpicore.kpis.credits import CancelledCredits
from kpicore.kpis.disputes import DisputeResolution
from kpicore.kpis.dunning import DunningEffectiveness
from kpicore.kpis.overdue import Aging
from kpicore.kpis.paid_until import (
    PaidUntilDistribution,
    PaidUntilReport,
    PaidUntilStatus,
    PaidUntilSummary,
)
from kpicore.model import CreditStatus
from kpicore.money import Money
from kpicore.periods import Period
from kpicore.results import Breakdown
from kpicore.summary import Summary

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "KINDS",
    "REGISTRY",
    "PlotFunction",
    "plot",
    "plot_aging",
    "plot_cancelled_credits",
    "plot_contacts_trend",
    "plot_dfg",
    "plot_dispute_resolution",
    "plot_dso_distribution",
    "plot_dso_trend",
    "plot_dunning_effectiveness",
    "plot_dunning_funnel",
    "plot_paid_until_advance",
    "plot_paid_until_status",
    "plot_variants",
]

#: A chart function: ``(result, *, ax=None, lang="en", **options) -> Axes``.
PlotFunction = Callable[..., "Axes"]

_INSTALL_HINT: Final[str] = "kpicore.plot needs matplotlib: pip install 'kpicore[plot]'"
_OPTIONS: Final[frozenset[str]] = frozenset({"title", "figsize", "color"})
_BLUE: Final[str] = "#1f77b4"
_GREY: Final[str] = "#7f7f7f"
_STATUS_COLORS: Final[Mapping[str, str]] = {
    "current": "#2ca02c",
    "behind": "#d62728",
    "ahead": "#1f77b4",
    "never_paid": "#7f7f7f",
}
_SERIES: Final[tuple[str, ...]] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip

_EXTRA_LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    "resolved_open": {
        "en": "{resolved} resolved, {open} open (not drawn)",
        "pt-BR": "{resolved} resolvidas, {open} em aberto (fora do gráfico)",
    },
    "never_paid_note": {
        "en": "Never paid (not drawn): {n}",
        "pt-BR": "Nunca pago (fora do gráfico): {n}",
    },
    "no_value": {
        "en": "{n} without a value (not drawn)",
        "pt-BR": "{n} sem valor (fora do gráfico)",
    },
    "other_variants": {
        "en": "{n} other variants with {cases} cases (not drawn)",
        "pt-BR": "{n} outras variantes com {cases} casos (fora do gráfico)",
    },
    "not_set": {"en": "(not set)", "pt-BR": "(não informado)"},
    "arcs_hidden": {
        "en": "{n} arcs with fewer than {k} occurrences not drawn",
        "pt-BR": "{n} arcos com menos de {k} ocorrências fora do gráfico",
    },
}


def _note(key: str, lang: Lang, **values: object) -> str:
    return _EXTRA_LABELS[key][lang].format(**values)


# ============================================================================ helpers


def _pyplot() -> Any:
    """``matplotlib.pyplot`` (imported on first use)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # an environment problem: name the extra to install
        raise MissingDependencyError(_INSTALL_HINT) from exc
    return plt


def _ticker() -> Any:
    import matplotlib.ticker as ticker

    return ticker


def _start(
    ax: Axes | None,
    lang: object,
    options: Mapping[str, Any],
    size: tuple[float, float] = (8.0, 4.5),
) -> tuple[Axes, Lang]:
    """Check the common arguments; return the axes to draw on and the language."""
    checked = check_lang(lang)
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise InvalidParameterError(
            f"unknown chart option(s) {', '.join(map(repr, unknown))}: expected "
            f"{', '.join(sorted(_OPTIONS))} or the chart's own keyword arguments"
        )
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=options.get("figsize", size), layout="constrained")
    return ax, checked


def _title(ax: Axes, default: str, options: Mapping[str, Any]) -> None:
    title = options.get("title")
    if title is None:
        title = default
    if not isinstance(title, str):
        raise InvalidParameterError(f"title={title!r}: expected a str")
    ax.set_title(title)


def _color(options: Mapping[str, Any], default: str = _BLUE) -> Any:
    return options.get("color", default)


def _check_type(result: object, types: type | tuple[type, ...], name: str) -> None:
    if not isinstance(result, types):
        expected = types if isinstance(types, tuple) else (types,)
        names = " or ".join(t.__name__ for t in expected)
        raise InvalidParameterError(f"{name} draws a {names}, got {type(result).__name__}")


def _choice(value: object, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise InvalidParameterError(
            f"{name}={value!r}: expected one of {', '.join(map(repr, choices))}"
        )
    return str(value)


def _major(m: Money) -> float:
    """An exact amount as a float in major units (for drawing only)."""
    return float(m.minor / 10**m.exponent)


def _pick_currency(present: Iterable[str], currency: str | None, what: str) -> str | None:
    """The one currency to draw: ``currency`` or the only one present."""
    codes = sorted(set(present))
    if currency is not None:
        if not isinstance(currency, str):
            raise InvalidParameterError(f"currency={currency!r}: expected an ISO 4217 code")
        return currency
    if len(codes) > 1:
        raise InvalidParameterError(
            f"{what} has amounts in {', '.join(codes)}: amounts in different currencies "
            "are never drawn together, pass currency= one of them"
        )
    return codes[0] if codes else None


def _number_axis(axis: Any, lang: Lang, decimals: int = 0) -> None:
    ticker = _ticker()
    axis.set_major_formatter(
        ticker.FuncFormatter(lambda v, _pos: format_number(v, decimals=decimals, lang=lang))
    )


def _rate_axis(axis: Any, lang: Lang) -> None:
    ticker = _ticker()
    axis.set_major_formatter(
        ticker.FuncFormatter(lambda v, _pos: format_rate(v, decimals=0, lang=lang))
    )


def _bar_texts(ax: Axes, bars: Any, texts: Sequence[str]) -> None:
    ax.bar_label(bars, labels=list(texts), padding=2, fontsize="small")


def _key_text(key: object, lang: Lang) -> str:
    if key is None:
        return _note("not_set", lang)
    if isinstance(key, Period):
        return format_period(key, lang=lang)
    if isinstance(key, CreditStatus | PaidUntilStatus):
        return enum_label(key, lang=lang)
    if isinstance(key, str) and key in {s.value for s in CreditStatus}:
        return enum_label(CreditStatus(key), lang=lang)
    return str(key)


def _period_range(periods: Sequence[Period]) -> list[Period]:
    """Every period from the first to the last of ``periods`` (same freq, sorted)."""
    if not periods:
        return []
    first, last = min(periods), max(periods)
    out = [first]
    while out[-1] < last:
        out.append(out[-1].next())
    return out


def _period_ticks(ax: Axes, periods: Sequence[Period], lang: Lang) -> None:
    positions = np.arange(len(periods))
    step = max(1, math.ceil(len(periods) / 18))  # at most ~18 tick labels
    shown = positions[::step]
    ax.set_xticks(shown, [format_period(periods[i], lang=lang) for i in shown.tolist()])
    if len(shown) > 6:
        ax.tick_params(axis="x", labelrotation=45)


def _periods_of(groups: Breakdown[Any], what: str) -> tuple[list[Any], list[Period]]:
    """Split the keys of a freq= breakdown into (by values, periods)."""
    if groups.freq is None:
        raise InvalidParameterError(
            f"{what} draws a trend: compute the result with freq= (e.g. freq='month')"
        )
    keys = list(groups)
    if groups.by is None:
        return [None] * len(keys), list(keys)
    return [k[0] for k in keys], [k[1] for k in keys]


def _stat(summary: Any, stat: str) -> float:
    value = summary.mean if stat == "mean" else summary.median
    return math.nan if value is None else float(value)


def _histogram(
    ax: Axes,
    values: np.ndarray[Any, np.dtype[np.float64]],
    summary: Any,
    bins: int | Sequence[float],
    lang: Lang,
    color: Any,
) -> None:
    if len(values):
        ax.hist(values, bins=bins, color=color, edgecolor="white")
    for stat, style in (("mean", "--"), ("median", ":")):
        value = getattr(summary, stat)
        if value is not None:
            ax.axvline(
                value,
                color="black",
                linestyle=style,
                label=f"{label(stat, lang=lang)}: {format_days(value, lang=lang)}",
            )
    _number_axis(ax.yaxis, lang)
    _number_axis(ax.xaxis, lang)


def _legend_note(ax: Axes, text: str) -> None:
    """A line of text in the legend (an entry without a marker), after the other entries."""
    ax.plot([], [], " ", label=text)


# ============================================================================ aging


def plot_aging(
    result: Aging,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    measure: str = "amount",
    currency: str | None = None,
    **options: Any,
) -> Axes:
    """Bar chart of an aging report: open amount (or count) per age bucket.

    Parameters
    ----------
    result : Aging
        From :func:`kpicore.kpis.overdue.aging`.
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    measure : {"amount", "count"}
        Open amount in one currency (default) or number of open invoices.
    currency : str, optional
        The currency drawn; needed when the aging has amounts in several.
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        One bar per bucket, in bucket order: x tick = the bucket's label
        (:attr:`AgingBucket.label` / ``label_pt``), height = the bucket's
        amount in major units (0 when none in that currency) or its count,
        written above the bar (:func:`~kpicore.formatting.format_money` /
        :func:`~kpicore.formatting.format_count`).

    Raises
    ------
    InvalidParameterError
        For another result type, an unknown option or ``measure``, or amounts
        in several currencies without ``currency=``.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    ``height_b = amount_b[currency] / 10**exponent`` (or ``count_b``) for each
    bucket ``b`` of ``result.buckets``; the buckets partition the aged invoices.

    Examples
    --------
    >>> import datetime as dt, matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.model import Invoice
    >>> from kpicore.kpis.overdue import aging
    >>> inv = [Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of("1500.75", "BRL"))]
    >>> ax = plot_aging(aging(inv, as_of=dt.date(2024, 3, 15)), lang="pt-BR")
    >>> [round(float(p.get_height()), 2) for p in ax.patches]
    [0.0, 0.0, 1500.75, 0.0, 0.0]
    >>> [t.get_text() for t in ax.texts][2]
    'R$ 1.500,75'
    """
    _check_type(result, Aging, "plot_aging")
    ax, lang = _start(ax, lang, options)
    measure = _choice(measure, "measure", ("amount", "count"))
    ticks = [bucket_label(b, lang=lang) for b in result.buckets]
    if measure == "amount":
        code = _pick_currency(result.amount, currency, "the aging")
        amounts = [b.amount.get(code, Money.zero(code)) if code else None for b in result.buckets]
        heights = [0.0 if m is None else _major(m) for m in amounts]
        texts = ["" if m is None else format_money(m, lang=lang) for m in amounts]
        ylabel = label("aging.y_amount", lang=lang) + (f" ({code})" if code else "")
    else:
        heights = [float(b.count) for b in result.buckets]
        texts = [format_count(b.count, lang=lang) for b in result.buckets]
        ylabel = label("aging.y_count", lang=lang)
    x = np.arange(len(ticks))
    bars = ax.bar(x, heights, color=_color(options))
    _bar_texts(ax, bars, texts)
    ax.set_xticks(x, ticks)
    ax.set_xlabel(label("aging.x" if result.anchor == "due" else "aging.x_invoice", lang=lang))
    ax.set_ylabel(ylabel)
    _number_axis(ax.yaxis, lang)
    _title(ax, label("aging.title", lang=lang), options)
    return ax


# ============================================================================ DSO


def _metric_text(metric: str, lang: Lang) -> str:
    """What a per-invoice day count measures, in ``lang`` (the metric name if unknown)."""
    key = f"metric.{metric}"
    if key in LABELS:
        return label(key, lang=lang)
    return metric.replace("_", " ").capitalize()


def _by_text(by: str | None, lang: Lang) -> str:
    """The name of a ``by=`` dimension in ``lang`` (as given when not in the catalogue)."""
    key = f"by.{by}"
    return label(key, lang=lang) if key in LABELS else str(by)


def _freq_title(what: str, freq: str | None, lang: Lang) -> str:
    key = f"freq.{freq}"
    if key not in LABELS:
        return what
    return label("days.by_freq", lang=lang).format(what=what, freq=label(key, lang=lang))


def plot_dso_distribution(
    result: InvoiceDays,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    bins: int | Sequence[float] = 20,
    **options: Any,
) -> Axes:
    """Histogram of a per-invoice day count (DSO per invoice, days overdue, ...).

    Parameters
    ----------
    result : InvoiceDays
        From :func:`kpicore.kpis.dso.invoice_dso` (or any per-invoice day
        count: ``days_overdue``, ``days_late``, ...).
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    bins : int or sequence of float, default 20
        As :func:`numpy.histogram`.
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        The histogram of the invoices that have a value (``result.summary.count``
        of them; the others are counted in ``result.coverage``), with the mean
        and the median as vertical lines named in the legend.

    Raises
    ------
    InvalidParameterError
        For another result type or an unknown option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    Bar ``k`` counts the invoices with ``edge_k <= days < edge_k+1`` (the last
    bin includes its right edge); the bar heights add up to
    ``result.summary.count``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.dso import invoice_dso
    >>> from kpicore.synth import synth_invoices
    >>> r = invoice_dso(synth_invoices(300, seed=2))
    >>> ax = plot_dso_distribution(r)
    >>> int(sum(p.get_height() for p in ax.patches)) == r.summary.count
    True
    """
    _check_type(result, InvoiceDays, "plot_dso_distribution")
    ax, lang = _start(ax, lang, options)
    values = np.asarray(result.days, dtype=np.float64)
    values = values[~np.isnan(values)]
    _histogram(ax, values, result.summary, bins, lang, _color(options))
    if result.summary.count:
        ax.legend(loc="upper right")
    business = result.unit == "business days"
    ax.set_xlabel(label("dso.x_business" if business else "dso.x", lang=lang))
    ax.set_ylabel(label("dso.y", lang=lang))
    what = _metric_text(result.metric, lang)
    _title(ax, label("days.per_invoice", lang=lang).format(what=what), options)
    return ax


def plot_dso_trend(
    result: InvoiceDays | Breakdown[Any],
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    stat: str = "mean",
    **options: Any,
) -> Axes:
    """Line chart of a day count by period (DSO per invoice, month by month).

    Parameters
    ----------
    result : InvoiceDays or Breakdown of Summary
        A result computed with ``freq=`` (``invoice_dso(..., freq="month")``,
        ``days_overdue(..., freq="month")``, ...), or its ``groups`` (titled as
        days to pay). With ``by=`` too, one line per ``by`` value.
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    stat : {"mean", "median"}
        The statistic of each period's summary.
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        x = every period from the first to the last (tick labels by
        :func:`~kpicore.formatting.format_period`), y = the statistic; a
        period with no invoice is a gap (NaN), never a zero.

    Raises
    ------
    InvalidParameterError
        For a result without ``freq=`` groups, another type, an unknown
        ``stat`` or option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    ``y_p = mean (or median) of the days of the invoices of period p``
    (:attr:`Summary.mean` of ``result.groups[p]``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.dso import invoice_dso
    >>> from kpicore.synth import synth_invoices
    >>> r = invoice_dso(synth_invoices(300, seed=2), freq="month")
    >>> ax = plot_dso_trend(r, lang="pt-BR")
    >>> [t.get_text() for t in ax.get_xticklabels()][:2]
    ['jan/2024', 'fev/2024']
    """
    _check_type(result, (InvoiceDays, Breakdown), "plot_dso_trend")
    ax, lang = _start(ax, lang, options)
    stat = _choice(stat, "stat", ("mean", "median"))
    groups = result.groups if isinstance(result, InvoiceDays) else result
    if groups is None:
        raise InvalidParameterError(
            "plot_dso_trend draws a trend: compute the result with freq= (e.g. freq='month')"
        )
    by_values, periods = _periods_of(groups, "plot_dso_trend")
    axis_periods = _period_range(periods)
    position = {p: i for i, p in enumerate(axis_periods)}
    series: dict[Any, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for key, by_value, period in zip(groups, by_values, periods, strict=True):
        summary = groups[key]
        if not hasattr(summary, "mean"):
            raise InvalidParameterError(
                f"plot_dso_trend draws summaries of days, got {type(summary).__name__}"
            )
        line = series.setdefault(by_value, np.full(len(axis_periods), np.nan))
        line[position[period]] = _stat(summary, stat)
    x = np.arange(len(axis_periods))
    for k, (by_value, line) in enumerate(series.items()):
        color = _color(options) if len(series) == 1 else _SERIES[k % len(_SERIES)]
        name = label(stat, lang=lang) if groups.by is None else _key_text(by_value, lang)
        ax.plot(x, line, marker="o", color=color, label=name)
    if groups.by is not None:
        ax.legend(title=_by_text(groups.by, lang))
    _period_ticks(ax, axis_periods, lang)
    ax.set_xlabel(label("period", lang=lang))
    ax.set_ylabel(label("dso.trend.y", lang=lang))
    _number_axis(ax.yaxis, lang, decimals=1)
    what = (
        _metric_text(result.metric, lang)
        if isinstance(result, InvoiceDays)
        else label("metric.days_to_first_payment", lang=lang)
    )
    _title(ax, _freq_title(what, groups.freq, lang), options)
    return ax


# ============================================================================ disputes


def plot_dispute_resolution(
    result: DisputeResolution,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    bins: int | Sequence[float] = 20,
    **options: Any,
) -> Axes:
    """Histogram of dispute resolution times (days), with mean and median.

    Parameters
    ----------
    result : DisputeResolution
        From :func:`kpicore.kpis.disputes.dispute_resolution` with an exact
        :class:`~kpicore.summary.Summary` (a sketch keeps no values to draw).
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    bins : int or sequence of float, default 20
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        The histogram of the resolved disputes; the count of resolved and of
        still open disputes (not drawn) is written in the corner.

    Raises
    ------
    InvalidParameterError
        For another result type, a sketched summary or an unknown option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    ``days = t(resolved) − t(registered)`` per resolved dispute; the bar
    heights add up to ``result.resolved``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.disputes import dispute_resolution
    >>> from kpicore.synth import synth_invoices
    >>> r = dispute_resolution(synth_invoices(400, seed=3))
    >>> ax = plot_dispute_resolution(r)
    >>> int(sum(p.get_height() for p in ax.patches)) == r.resolved
    True
    """
    _check_type(result, DisputeResolution, "plot_dispute_resolution")
    if not isinstance(result.summary, Summary):
        raise InvalidParameterError(
            "plot_dispute_resolution needs the exact resolution times: a QuantileSketch "
            "(quantiles='sketch') keeps none to draw"
        )
    ax, lang = _start(ax, lang, options)
    _histogram(ax, result.summary.values, result.summary, bins, lang, _color(options))
    _legend_note(
        ax,
        _note(
            "resolved_open",
            lang,
            resolved=format_count(result.resolved, lang=lang),
            open=format_count(result.open, lang=lang),
        ),
    )
    ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel(label("disputes.x", lang=lang))
    ax.set_ylabel(label("disputes.y", lang=lang))
    _title(ax, label("disputes.title", lang=lang), options)
    return ax


# ============================================================================ dunning


def plot_dunning_funnel(
    result: DunningEffectiveness,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    **options: Any,
) -> Axes:
    """Funnel of dunning: invoices issued, then invoices that reached each level.

    Parameters
    ----------
    result : DunningEffectiveness
        From :func:`kpicore.kpis.dunning.dunning_effectiveness`.
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        Horizontal bars, centred, top to bottom: *Issued* (width
        ``result.invoices``), then *Level k* (width ``levels[k].reached``) in
        ascending level; each bar is labelled with its count and its share of
        the issued invoices.

    Raises
    ------
    InvalidParameterError
        For another result type or an unknown option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    ``share_k = reached_k / invoices`` (``—`` when no invoice was issued).

    Examples
    --------
    >>> import datetime as dt, matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.dunning import dunning_effectiveness
    >>> from kpicore.synth import synth_invoices
    >>> r = dunning_effectiveness(synth_invoices(300, seed=4), as_of=dt.date(2024, 9, 30))
    >>> ax = plot_dunning_funnel(r)
    >>> widths = [int(p.get_width()) for p in ax.patches]
    >>> widths == [r.invoices] + [s.reached for s in r.levels.values()]
    True
    """
    _check_type(result, DunningEffectiveness, "plot_dunning_funnel")
    ax, lang = _start(ax, lang, options)
    names = [label("dunning.issued", lang=lang)]
    widths = [result.invoices]
    for level, stats in result.levels.items():
        names.append(label("dunning.level", lang=lang).format(level=level))
        widths.append(stats.reached)
    top = max(widths) if widths else 0
    y = np.arange(len(widths))
    lefts = [(top - w) / 2 for w in widths]
    bars = ax.barh(y, widths, left=lefts, color=_color(options))
    share = [
        format_rate(w / result.invoices if result.invoices else None, lang=lang) for w in widths
    ]
    texts = [f"{format_count(w, lang=lang)} ({s})" for w, s in zip(widths, share, strict=True)]
    ax.bar_label(
        bars, labels=texts, label_type="center", fontsize="small",
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "linewidth": 0},
    )  # fmt: skip
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel(label("dunning.y_invoices", lang=lang))
    _number_axis(ax.xaxis, lang)
    _title(ax, label("dunning.funnel.title", lang=lang), options)
    return ax


def plot_dunning_effectiveness(
    result: DunningEffectiveness,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    measure: str = "paid_share",
    **options: Any,
) -> Axes:
    """Bar chart of dunning effectiveness by level.

    Parameters
    ----------
    result : DunningEffectiveness
        From :func:`kpicore.kpis.dunning.dunning_effectiveness`.
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    measure : {"paid_share", "rate_by_max_level"}
        ``"paid_share"``: of the invoices that got a letter of level *k*, the
        share paid after it (``levels[k].paid_share``); ``"rate_by_max_level"``:
        of the invoices whose highest level is *k* (0 = never dunned), the
        share settled (``by_max_level[k].rate``).
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        One bar per level, height = the share (a ratio, axis in %), labelled
        with the share and ``paid / reached``.

    Raises
    ------
    InvalidParameterError
        For another result type, an unknown ``measure`` or option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    ``paid_share_k = paid_after_k / reached_k``; ``rate_k = paid_k /
    invoices_k``. A level with no invoice has no share: a bar of height 0
    labelled ``—``.

    Examples
    --------
    >>> import datetime as dt, matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.dunning import dunning_effectiveness
    >>> from kpicore.synth import synth_invoices
    >>> r = dunning_effectiveness(synth_invoices(300, seed=4), as_of=dt.date(2024, 9, 30))
    >>> ax = plot_dunning_effectiveness(r)
    >>> [float(p.get_height()) for p in ax.patches] == [s.paid_share for s in r.levels.values()]
    True
    """
    _check_type(result, DunningEffectiveness, "plot_dunning_effectiveness")
    ax, lang = _start(ax, lang, options)
    measure = _choice(measure, "measure", ("paid_share", "rate_by_max_level"))
    rows: list[tuple[int, float | None, int, int]] = []
    if measure == "paid_share":
        for level, s in result.levels.items():
            rows.append((level, s.paid_share, s.paid_after, s.reached))
    else:
        for level, m in result.by_max_level.items():
            rows.append((level, m.rate, m.paid, m.invoices))
    x = np.arange(len(rows))
    heights = [0.0 if r[1] is None else r[1] for r in rows]
    bars = ax.bar(x, heights, color=_color(options))
    texts = [
        f"{format_rate(share, lang=lang)}\n{format_count(paid, lang=lang)}/"
        f"{format_count(total, lang=lang)}"
        for _, share, paid, total in rows
    ]
    _bar_texts(ax, bars, texts)
    ax.set_xticks(x, [str(r[0]) for r in rows])
    ax.set_xlabel(label("dunning.x", lang=lang))
    ax.set_ylabel(label("dunning.y_share", lang=lang))
    ax.set_ylim(0, 1.15)
    _rate_axis(ax.yaxis, lang)
    _title(ax, label("dunning.effectiveness.title", lang=lang), options)
    return ax


# ============================================================================ pago até


def plot_paid_until_status(
    result: PaidUntilReport | PaidUntilSummary,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    **options: Any,
) -> Axes:
    """Bar chart of the *pago até* statuses: contracts current, behind, ahead, never paid.

    Parameters
    ----------
    result : PaidUntilReport or PaidUntilSummary
        From :func:`kpicore.kpis.paid_until.paid_until_status` (its
        ``summary`` is drawn) or one of its groups.
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    **options
        ``title``, ``figsize`` (``color`` is ignored: each status has its own).

    Returns
    -------
    matplotlib Axes
        One bar per :class:`~kpicore.kpis.paid_until.PaidUntilStatus`, in
        that order (tick = :func:`~kpicore.formatting.enum_label`), height =
        contracts with the status, labelled with the count and its share of
        the contracts considered.

    Raises
    ------
    InvalidParameterError
        For another result type or an unknown option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    ``share_s = counts[s] / considered``; the heights add up to ``considered``.

    Examples
    --------
    >>> import datetime as dt, matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.paid_until import paid_until_status
    >>> from kpicore.synth import synth_contracts, synth_customers
    >>> contracts = synth_contracts(synth_customers(200, seed=5), seed=5)
    >>> r = paid_until_status(contracts, as_of=dt.date(2024, 12, 31))
    >>> ax = plot_paid_until_status(r, lang="pt-BR")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['Em dia', 'Em atraso', 'Adiantado', 'Nunca pago']
    >>> int(sum(p.get_height() for p in ax.patches)) == r.summary.considered
    True
    """
    _check_type(result, (PaidUntilReport, PaidUntilSummary), "plot_paid_until_status")
    ax, lang = _start(ax, lang, options)
    summary = result.summary if isinstance(result, PaidUntilReport) else result
    statuses = list(PaidUntilStatus)
    counts = [summary.counts.get(s.value, 0) for s in statuses]
    x = np.arange(len(statuses))
    bars = ax.bar(x, counts, color=[_STATUS_COLORS[s.value] for s in statuses])
    texts = [
        f"{format_count(c, lang=lang)} ({format_rate(summary.share(s), lang=lang)})"
        for c, s in zip(counts, statuses, strict=True)
    ]
    _bar_texts(ax, bars, texts)
    ax.set_xticks(x, [enum_label(s, lang=lang) for s in statuses])
    ax.set_ylabel(label("paid_until.status.y", lang=lang))
    _number_axis(ax.yaxis, lang)
    _title(ax, label("paid_until.status.title", lang=lang), options)
    return ax


def _offset_text(offset: int) -> str:
    return f"{offset:+d}" if offset else "0"


def plot_paid_until_advance(
    result: PaidUntilDistribution,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    **options: Any,
) -> Axes:
    """Histogram of the *pago até* month relative to the report month, healthy window shaded.

    Parameters
    ----------
    result : PaidUntilDistribution
        From :func:`kpicore.kpis.paid_until.paid_until_distribution`.
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        One bar per month offset of ``result.bins`` (x = the offset, tick
        ``-2``, ``-1``, ``0``, ``+1``, ...; height = contracts), the healthy
        window shaded, and the never-paid contracts (in no bin) written in
        the corner.

    Raises
    ------
    InvalidParameterError
        For another result type or an unknown option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    ``offset = month(pago até) − month(as_of)``; the bar heights plus
    ``never_paid`` add up to ``considered``.

    Examples
    --------
    >>> import datetime as dt, matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.paid_until import paid_until_distribution
    >>> from kpicore.synth import synth_contracts, synth_customers
    >>> contracts = synth_contracts(synth_customers(200, seed=5), seed=5)
    >>> r = paid_until_distribution(contracts, as_of=dt.date(2024, 12, 31))
    >>> ax = plot_paid_until_advance(r)
    >>> bars = ax.containers[0]
    >>> {round(p.get_x() + p.get_width() / 2): int(p.get_height()) for p in bars} == r.counts()
    True
    """
    _check_type(result, PaidUntilDistribution, "plot_paid_until_advance")
    ax, lang = _start(ax, lang, options)
    low, high = result.healthy_window
    ax.axvspan(
        low - 0.5, high + 0.5, color="#2ca02c", alpha=0.12,
        label=label("paid_until.healthy", lang=lang),
    )  # fmt: skip
    offsets = [b.offset for b in result.bins]
    counts = [b.count for b in result.bins]
    bars = ax.bar(offsets, counts, width=0.8, color=_color(options))
    _bar_texts(ax, bars, [format_count(c, lang=lang) for c in counts])
    ax.set_xticks(offsets, [_offset_text(o) for o in offsets])
    _legend_note(ax, _note("never_paid_note", lang, n=format_count(result.never_paid, lang=lang)))
    ax.legend(loc="upper right", fontsize="small")
    ax.set_ylim(0, max(counts, default=0) * 1.25 + 1)  # room for the legend and the labels
    ax.set_xlabel(label("paid_until.advance.x", lang=lang))
    ax.set_ylabel(label("paid_until.status.y", lang=lang))
    _number_axis(ax.yaxis, lang)
    _title(ax, label("paid_until.advance.title", lang=lang), options)
    return ax


# ============================================================================ credits


def plot_cancelled_credits(
    result: CancelledCredits,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    measure: str | None = None,
    currency: str | None = None,
    **options: Any,
) -> Axes:
    """Bar chart of cancelled credits: by month, by reason, or both (stacked).

    Parameters
    ----------
    result : CancelledCredits
        From :func:`kpicore.kpis.credits.cancelled_credits`: with
        ``freq="month"`` one bar per month, with ``by="reason"`` (or any
        ``by=``) one bar per value, with both one stacked bar per month (a
        segment per value); with neither, one bar per ending status (counts).
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    measure : {"value", "count"}, optional
        Unused balance cancelled, in one currency (the default with groups),
        or number of credits (the default, and the only measure, without).
    currency : str, optional
        The currency drawn; needed when the credits are in several.
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        Bars in the order of the groups (periods: every period from the
        first to the last, zeros included); a group without value in the
        currency has height 0.

    Raises
    ------
    InvalidParameterError
        For another result type, an unknown ``measure`` or option,
        ``measure="value"`` without groups, or several currencies without
        ``currency=``.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    ``height_g = value_g[currency] / 10**exponent`` (or ``count_g``).

    Examples
    --------
    >>> import datetime as dt, matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.credits import cancelled_credits
    >>> from kpicore.synth import synth_credits, synth_customers
    >>> r = cancelled_credits(synth_credits(synth_customers(400, seed=6), seed=6), freq="month")
    >>> ax = plot_cancelled_credits(r, measure="count")
    >>> int(sum(p.get_height() for p in ax.patches)) == r.count
    True
    """
    _check_type(result, CancelledCredits, "plot_cancelled_credits")
    ax, lang = _start(ax, lang, options)
    groups = result.groups
    if measure is None:
        measure = "count" if groups is None else "value"
    measure = _choice(measure, "measure", ("value", "count"))
    if groups is None:
        if measure == "value":
            raise InvalidParameterError(
                "plot_cancelled_credits: the value per status is not in the result; compute "
                "it with by='status' (or freq='month'), or draw measure='count'"
            )
        statuses = list(result.count_by_status)
        counts = [result.count_by_status[s] for s in statuses]
        x = np.arange(len(statuses))
        bars = ax.bar(x, counts, color=_color(options))
        _bar_texts(ax, bars, [format_count(c, lang=lang) for c in counts])
        ax.set_xticks(x, [_key_text(s, lang) for s in statuses])
        ax.set_ylabel(label("credits.y_count", lang=lang))
        _number_axis(ax.yaxis, lang)
        _title(ax, label("credits.title", lang=lang), options)
        return ax
    code = None
    if measure == "value":
        code = _pick_currency(
            (c for g in groups.values() for c in g.value), currency, "the cancelled credits"
        )

    def height(g: Any) -> float:
        if measure == "count":
            return float(g.count)
        if code is None or code not in g.value:
            return 0.0
        return _major(g.value[code])

    if groups.freq is None:  # by= only: one bar per value
        keys = list(groups)
        x = np.arange(len(keys))
        heights = [height(groups[k]) for k in keys]
        bars = ax.bar(x, heights, color=_color(options))
        ax.set_xticks(x, [_key_text(k, lang) for k in keys])
        ax.set_xlabel(_by_text(groups.by, lang))
        texts = [_value_text(groups[k], measure, code, lang) for k in keys]
        _bar_texts(ax, bars, texts)
    else:
        by_values, periods = _periods_of(groups, "plot_cancelled_credits")
        axis_periods = _period_range(periods)
        position = {p: i for i, p in enumerate(axis_periods)}
        stacks: dict[Any, np.ndarray[Any, np.dtype[np.float64]]] = {}
        for key, by_value, period in zip(groups, by_values, periods, strict=True):
            row = stacks.setdefault(by_value, np.zeros(len(axis_periods)))
            row[position[period]] = height(groups[key])
        x = np.arange(len(axis_periods))
        bottom = np.zeros(len(axis_periods))
        for k, (by_value, row) in enumerate(stacks.items()):
            color = _color(options) if groups.by is None else _SERIES[k % len(_SERIES)]
            name = None if groups.by is None else _key_text(by_value, lang)
            ax.bar(x, row, bottom=bottom, color=color, label=name)
            bottom = bottom + row
        if groups.by is not None:
            ax.legend(title=_by_text(groups.by, lang))
        _period_ticks(ax, axis_periods, lang)
        ax.set_xlabel(label("period", lang=lang))
    if measure == "value":
        ax.set_ylabel(label("credits.y_value", lang=lang) + (f" ({code})" if code else ""))
    else:
        ax.set_ylabel(label("credits.y_count", lang=lang))
    _number_axis(ax.yaxis, lang)
    _title(ax, label("credits.title", lang=lang), options)
    return ax


def _value_text(group: Any, measure: str, code: str | None, lang: Lang) -> str:
    if measure == "count":
        return format_count(group.count, lang=lang)
    if code is None:
        return ""
    return format_money(group.value.get(code, Money.zero(code)), lang=lang)


# ============================================================================ contacts


def plot_contacts_trend(
    result: CustomersWithoutContact,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    measure: str = "share",
    **options: Any,
) -> Axes:
    """Trend of the customers without a usable contact, by registration period.

    Parameters
    ----------
    result : CustomersWithoutContact
        From :func:`kpicore.kpis.contacts.customers_without_contact` with
        ``freq=`` (its ``trend``).
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    measure : {"share", "count"}
        Share of the period's registered customers without contact (a line,
        axis in %) or their number (bars, over the registered customers in
        a lighter colour).
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        One point (or bar) per trend period, tick = the period; a period
        with nobody registered has no share (a gap).

    Raises
    ------
    InvalidParameterError
        For a result without a trend, another type, an unknown ``measure``
        or option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    ``share_p = without_contact_p / registered_p``.

    Examples
    --------
    >>> import datetime as dt, matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.contacts import customers_without_contact
    >>> from kpicore.synth import synth_customers
    >>> r = customers_without_contact(synth_customers(300, seed=7),
    ...                               as_of=dt.date(2024, 12, 31), freq="quarter")
    >>> ax = plot_contacts_trend(r)
    >>> list(ax.lines[0].get_ydata()) == [p.share for p in r.trend]
    True
    """
    _check_type(result, CustomersWithoutContact, "plot_contacts_trend")
    ax, lang = _start(ax, lang, options)
    measure = _choice(measure, "measure", ("share", "count"))
    if not result.trend:
        raise InvalidParameterError(
            "plot_contacts_trend draws the trend: compute the result with freq= "
            "(e.g. freq='month')"
        )
    periods = [p.period for p in result.trend]
    x = np.arange(len(periods))
    if measure == "share":
        shares = [math.nan if p.share is None else p.share for p in result.trend]
        ax.plot(x, shares, marker="o", color=_color(options))
        ax.set_ylabel(label("contacts.y_share", lang=lang))
        _rate_axis(ax.yaxis, lang)
    else:
        ax.bar(x, [p.registered for p in result.trend], color="#d9d9d9")
        bars = ax.bar(x, [p.without_contact for p in result.trend], color=_color(options))
        _bar_texts(ax, bars, [format_count(p.without_contact, lang=lang) for p in result.trend])
        ax.set_ylabel(label("contacts.y_count", lang=lang))
        _number_axis(ax.yaxis, lang)
    _period_ticks(ax, periods, lang)
    ax.set_xlabel(label("contacts.x", lang=lang))
    _title(ax, label("contacts.title", lang=lang), options)
    return ax


# ============================================================================ event log


def _sequence_text(seq: Sequence[str], lang: Lang, wrap: int) -> str:
    text = " → ".join(activity_label(a, lang=lang) for a in seq)
    if wrap and len(text) > wrap:
        return "\n".join(textwrap.wrap(text, width=wrap))
    return text


def plot_variants(
    result: Variants,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    top: int = 10,
    wrap: int = 70,
    **options: Any,
) -> Axes:
    """Horizontal bars of the ``top`` most frequent variants (activity sequences).

    Parameters
    ----------
    result : Variants
        From :meth:`kpicore.eventlog.EventLog.variants`.
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
        Canonical activities are named in that language
        (:func:`~kpicore.formatting.activity_label`); other labels as in the log.
    top : int, default 10
        Variants drawn (the most frequent first, at the top).
    wrap : int, default 70
        Wrap a variant's label at this many characters (0: never).
    **options
        ``title``, ``figsize``, ``color``.

    Returns
    -------
    matplotlib Axes
        Bar ``i`` (from the top): width = cases of variant ``i``, tick = its
        activities joined by ``→``; the variants not drawn and their cases are
        written under the bars.

    Raises
    ------
    InvalidParameterError
        For another result type, ``top < 1`` or an unknown option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    The bars plus the note account for every case: ``sum(widths) + cases not
    drawn = len(case_ids)``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["1", "1", "2", "2", "3"],
    ...     activity=["Invoice Generated", "Payment Received"] * 2 + ["Invoice Generated"],
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z",
    ...                "2024-01-03T00:00Z", "2024-01-05T00:00Z"])
    >>> ax = plot_variants(log.variants(), lang="pt-BR")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Fatura Gerada → Pagamento Recebido', 'Fatura Gerada']
    >>> [float(p.get_width()) for p in ax.patches]
    [2.0, 1.0]
    """
    _check_type(result, Variants, "plot_variants")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidParameterError(f"top={top!r}: expected an int >= 1")
    if isinstance(wrap, bool) or not isinstance(wrap, int) or wrap < 0:
        raise InvalidParameterError(f"wrap={wrap!r}: expected an int >= 0")
    k = min(top, len(result))
    names = [_sequence_text(result.sequence(i), check_lang(lang), wrap) for i in range(k)]
    lines = sum(n.count("\n") + 1 for n in names)
    ax, lang = _start(ax, lang, options, size=(10.0, max(3.0, 0.22 * lines + 0.25 * k + 1.5)))
    counts = result.counts[:k].astype(np.float64)
    y = np.arange(k)
    bars = ax.barh(y, counts, color=_color(options))
    _bar_texts(ax, bars, [format_count(int(c), lang=lang) for c in result.counts[:k].tolist()])
    ax.set_yticks(y, names, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel(label("variants.x", lang=lang))
    _number_axis(ax.xaxis, lang)
    rest = len(result) - k
    if rest:
        cases = int(result.counts[k:].sum())
        ax.text(
            1.0, -0.12,
            _note("other_variants", lang, n=format_count(rest, lang=lang),
                  cases=format_count(cases, lang=lang)),
            transform=ax.transAxes, ha="right", va="top", fontsize="small",
        )  # fmt: skip
    _title(ax, label("variants.title", lang=lang), options)
    return ax


_START: Final[str] = "\0start"
_END: Final[str] = "\0end"
_CANONICAL_RANK: Final[Mapping[str, int]] = {a.en: i for i, a in enumerate(CANONICAL)}


def _rank(name: str) -> tuple[int, str]:
    canonical = canonical_name(name)
    return (_CANONICAL_RANK.get(canonical, len(CANONICAL)) if canonical else len(CANONICAL), name)


def _layers(
    nodes: Sequence[str], arcs: Sequence[tuple[str, str]], start: Sequence[str]
) -> dict[str, int]:
    """Layer of each node: its shortest distance (in arcs) from the start node."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for s, t in arcs:
        succ[s].append(t)
    layer = {_START: 0}
    frontier = [_START]
    succ[_START] = list(start)
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for t in succ.get(node, []):
                if t not in layer:
                    layer[t] = layer[node] + 1
                    nxt.append(t)
        frontier = nxt
    deepest = max(layer.values(), default=0)
    for n in nodes:  # unreachable once arcs are filtered: one layer below the rest
        layer.setdefault(n, deepest + 1)
    return layer


def plot_dfg(
    result: DirectlyFollows,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    min_count: int = 1,
    start_end: bool = True,
    **options: Any,
) -> Axes:
    """The directly-follows graph, drawn with matplotlib only: boxes and weighted arrows.

    Parameters
    ----------
    result : DirectlyFollows
        From :meth:`kpicore.eventlog.EventLog.directly_follows`.
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
        Canonical activities are named in that language.
    min_count : int, default 1
        Arcs with fewer occurrences are not drawn (their number is written
        under the graph).
    start_end : bool, default True
        Draw *Start* and *End* nodes with arcs to the activities cases start
        with and from those they end with.
    **options
        ``title``, ``figsize``, ``color`` (of the arrows).

    Returns
    -------
    matplotlib Axes
        One box per activity (a text whose ``gid`` is the activity label,
        reading the activity in ``lang`` and its number of events) and one
        arrow per arc (a patch whose ``gid`` is ``"a -> b"``, line width
        growing with the count, labelled with the count). Layers top to
        bottom by the shortest distance from *Start*.

    Raises
    ------
    InvalidParameterError
        For another result type, ``min_count < 1`` or an unknown option.
    MissingDependencyError
        Without matplotlib.

    Notes
    -----
    Events of activity ``a`` = cases starting with ``a`` + occurrences of the
    arcs ``x -> a`` (every other event has a predecessor in its case). Arrow
    width ``= 0.8 + 4.2 · count / max count`` points.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["1", "1", "2", "2"],
    ...     activity=["Invoice Generated", "Payment Received"] * 2,
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z"] * 2)
    >>> ax = plot_dfg(log.directly_follows(), lang="pt-BR")
    >>> [t.get_text() for t in ax.texts if t.get_gid() == "Invoice Generated"]
    ['Fatura Gerada\\n2']
    >>> [float(p.get_linewidth()) for p in ax.patches if p.get_gid() ==
    ...  "Invoice Generated -> Payment Received"]
    [5.0]
    """
    _check_type(result, DirectlyFollows, "plot_dfg")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise InvalidParameterError(f"min_count={min_count!r}: expected an int >= 1")
    ax, lang = _start(ax, lang, options, size=(11.0, 8.0))
    from matplotlib.patches import FancyArrowPatch

    counts = result.counts.tolist()
    all_arcs = list(zip(result.sources, result.targets, counts, strict=True))
    arcs = [(s, t, c) for s, t, c in all_arcs if c >= min_count]
    hidden = len(all_arcs) - len(arcs)
    activities = sorted(
        set(result.sources) | set(result.targets) | set(result.start_activities), key=_rank
    )
    events = {a: result.start_activities.get(a, 0) for a in activities}
    for _, t, c in all_arcs:
        events[t] += c
    edges: list[tuple[str, str, int]] = list(arcs)
    if start_end:
        edges += [(_START, a, c) for a, c in result.start_activities.items()]
        edges += [(a, _END, c) for a, c in result.end_activities.items()]
    layer = _layers(activities, [(s, t) for s, t, _ in arcs], list(result.start_activities))
    if start_end:
        layer[_END] = max((layer[a] for a in activities), default=0) + 1
    else:
        layer.pop(_START, None)
    by_layer: dict[int, list[str]] = {}
    for node in sorted(layer, key=lambda n: (layer[n], _rank(n))):
        by_layer.setdefault(layer[node], []).append(node)
    pos: dict[str, tuple[float, float]] = {}
    for depth, members in by_layer.items():
        for i, node in enumerate(members):
            pos[node] = ((i - (len(members) - 1) / 2) * 3.0, -float(depth) * 1.6)

    def box_text(node: str) -> str:
        if node == _START:
            return label("dfg.start", lang=lang)
        if node == _END:
            return label("dfg.end", lang=lang)
        name = textwrap.fill(activity_label(node, lang=lang), width=18)
        return f"{name}\n{format_count(events[node], lang=lang)}"

    for node, (x, y) in pos.items():
        special = node in (_START, _END)
        ax.text(
            x, y, box_text(node), ha="center", va="center", fontsize="small", zorder=3,
            gid=None if special else node,
            bbox={
                "boxstyle": "circle" if special else "round,pad=0.4",
                "facecolor": "#e8e8e8" if special else "#dbe9f6",
                "edgecolor": _GREY,
            },
        )  # fmt: skip
    top = max((c for _, _, c in edges), default=1)
    pairs = {(s, t) for s, t, _ in edges}
    color = _color(options, _GREY)
    for s, t, c in edges:
        lw = 0.8 + 4.2 * c / top
        gid = None if s == _START or t == _END else f"{s} -> {t}"
        (x1, y1), (x2, y2) = pos[s], pos[t]
        if s == t:  # a self-loop: a small arc over the box
            a, b = (x1 - 0.35, y1 + 0.3), (x1 + 0.35, y1 + 0.3)
            rad = -1.2
        else:
            a, b = (x1, y1), (x2, y2)
            rad = 0.0
            if (t, s) in pairs or y2 >= y1:  # a pair, or going back up / sideways: curve
                rad = 0.25 if y2 < y1 else 0.35
        arrow = FancyArrowPatch(
            a, b, arrowstyle="-|>", mutation_scale=10 + lw * 2, linewidth=lw, color=color,
            connectionstyle=f"arc3,rad={rad}", shrinkA=0 if s == t else 22,
            shrinkB=0 if s == t else 22, zorder=2, gid=gid,
        )  # fmt: skip
        ax.add_patch(arrow)
        # label at the middle of the quadratic curve (arc3's control point)
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        cx, cy = mx + rad * (b[1] - a[1]), my - rad * (b[0] - a[0])
        lx, ly = (0.5 * mx + 0.5 * cx, 0.5 * my + 0.5 * cy) if s != t else (x1, y1 + 0.62)
        ax.text(
            lx, ly, format_count(c, lang=lang), fontsize="x-small", ha="center", va="center",
            zorder=4, gid=None if gid is None else f"{gid} count",
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )  # fmt: skip
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    ax.set_xlim(min(xs) - 2.0, max(xs) + 2.0)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    ax.set_axis_off()
    if hidden:
        ax.text(
            0.5, 0.0,
            _note("arcs_hidden", lang, n=format_count(hidden, lang=lang), k=min_count),
            transform=ax.transAxes, ha="center", va="top", fontsize="small",
        )  # fmt: skip
    _title(ax, label("dfg.title", lang=lang), options)
    return ax


# ============================================================================ dispatch

#: The default chart of each result type (what :func:`plot` draws without ``kind=``).
REGISTRY: dict[type, PlotFunction] = {
    Aging: plot_aging,
    InvoiceDays: plot_dso_distribution,
    DisputeResolution: plot_dispute_resolution,
    DunningEffectiveness: plot_dunning_effectiveness,
    PaidUntilReport: plot_paid_until_status,
    PaidUntilSummary: plot_paid_until_status,
    PaidUntilDistribution: plot_paid_until_advance,
    CancelledCredits: plot_cancelled_credits,
    CustomersWithoutContact: plot_contacts_trend,
    Variants: plot_variants,
    DirectlyFollows: plot_dfg,
}

#: Every chart of each result type by name (``kind=`` of :func:`plot`); the first is
#: the default of :data:`REGISTRY`.
KINDS: dict[type, dict[str, PlotFunction]] = {
    Aging: {"aging": plot_aging},
    InvoiceDays: {"distribution": plot_dso_distribution, "trend": plot_dso_trend},
    DisputeResolution: {"distribution": plot_dispute_resolution},
    DunningEffectiveness: {
        "effectiveness": plot_dunning_effectiveness,
        "funnel": plot_dunning_funnel,
    },
    PaidUntilReport: {"status": plot_paid_until_status},
    PaidUntilSummary: {"status": plot_paid_until_status},
    PaidUntilDistribution: {"advance": plot_paid_until_advance},
    CancelledCredits: {"credits": plot_cancelled_credits},
    CustomersWithoutContact: {"trend": plot_contacts_trend},
    Variants: {"variants": plot_variants},
    DirectlyFollows: {"dfg": plot_dfg},
}


def _lookup(result: object) -> tuple[type, PlotFunction]:
    for cls in type(result).__mro__:
        if cls in REGISTRY:
            return cls, REGISTRY[cls]
    names = ", ".join(sorted(t.__name__ for t in REGISTRY))
    raise InvalidParameterError(
        f"no chart for a {type(result).__name__}: kpicore.plot draws {names}"
    )


def plot(
    result: Any,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
    kind: str | None = None,
    **options: Any,
) -> Axes:
    """Draw a KPI result with the chart of its type.

    Parameters
    ----------
    result : a KPI result
        Any type of :data:`REGISTRY` (or a subclass of one).
    ax : matplotlib Axes, optional
    lang : {"en", "pt-BR"}
    kind : str, optional
        Another chart of the same result (:data:`KINDS`): ``"trend"`` for an
        :class:`~kpicore.kpis._ledger.InvoiceDays` computed with ``freq=``,
        ``"funnel"`` for a :class:`~kpicore.kpis.dunning.DunningEffectiveness`.
    **options
        Passed to the chart function (its own keyword arguments, ``title``,
        ``figsize``, ``color``).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    InvalidParameterError
        For a result type without a chart, an unknown ``kind``, or what the
        chart function raises.
    MissingDependencyError
        Without matplotlib.

    Examples
    --------
    >>> import datetime as dt, matplotlib
    >>> matplotlib.use("Agg")
    >>> from kpicore.kpis.dunning import dunning_effectiveness
    >>> from kpicore.synth import synth_invoices
    >>> r = dunning_effectiveness(synth_invoices(300, seed=4), as_of=dt.date(2024, 9, 30))
    >>> plot(r, kind="funnel", lang="pt-BR").get_title()
    'Funil de cobrança'
    >>> plot(3)
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidParameterError: no chart for a int: kpicore.plot draws ...
    """
    cls, default = _lookup(result)
    if kind is None:
        function = default
    else:
        kinds = KINDS[cls]
        if kind not in kinds:
            raise InvalidParameterError(
                f"kind={kind!r}: a {cls.__name__} has the charts {', '.join(map(repr, kinds))}"
            )
        function = kinds[kind]
    return function(result, ax=ax, lang=lang, **options)
