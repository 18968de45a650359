"""What the data supports, summed up per report and as a sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.analysis.data_health.views import SUPPORT_KINDS
from helpers.presentation import capability_text, i18n

if TYPE_CHECKING:
    from helpers.data.capabilities import Capabilities

__all__ = [
    "NAMED_GAPS",
    "support_by_report",
    "support_gaps",
    "support_summary",
]


def support_summary(caps: Capabilities, language: str = "en") -> tuple[str, str]:
    """A sentence on the capability table, and the same as a finding for the portal.

    Returns
    -------
    (str, str)
        The report sentence and the finding text; both say when everything is supported.
    """
    from helpers.data import capabilities

    t = i18n.t
    status = {a.key: caps.support(a.key)[0] for a in capabilities.ANALYSES}
    n = {s: sum(v == s for v in status.values()) for s in capabilities.STATUSES}
    total = len(status)
    if n["supported"] == total:
        text = t("data_overview.support_all", language)
        return text, text
    sentence = t("data_overview.support_counts", language, total=total,
                 supported=n["supported"], partial=n["partial"], skipped=n["not_supported"])
    skipped = [capability_text.analysis_label(k, language) for k, v in status.items()
               if v == "not_supported"]
    named = t("data_overview.join.sep", language).join(skipped[:NAMED_GAPS])
    if len(skipped) > NAMED_GAPS:
        named += t("data_overview.finding.more", language, n=len(skipped) - NAMED_GAPS)
    finding = t("data_overview.finding.gaps", language, n=len(skipped), total=total,
                analyses=named) if skipped \
        else sentence
    return sentence, finding


#: Skipped analyses named in the support finding; the rest are counted.
NAMED_GAPS = 5


def support_by_report(caps: Capabilities, language: str = "en") -> pd.DataFrame:
    """How many analyses of each report the data supports, supports in part, or skips.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`SUPPORT_KINDS`, one row per report in workbook order.
    """
    from helpers.data import capabilities

    rows: dict[str, dict[str, int]] = {}
    for a in capabilities.ANALYSES:
        status = caps.support(a.key)[0]
        name = i18n.t(f"notebook.{a.notebook}", language, default=a.notebook)
        counts = rows.setdefault(name, dict.fromkeys(capabilities.STATUSES, 0))
        counts[status] += 1
    return pd.DataFrame([{"notebook": k, **v} for k, v in rows.items()],
                        columns=list(SUPPORT_KINDS))


def support_gaps(caps: Capabilities, language: str = "en") -> pd.DataFrame:
    """The analyses the data does not fully support, skipped ones first, with the reason."""
    frame = capability_text.support_frame(caps.support_rows(), language)
    status = {i18n.t(f"capabilities.status.{s}", language): i for i, s in
              enumerate(("not_supported", "partial"))}
    gaps = frame[frame["status"].isin(status)]
    order = gaps["status"].map(status)
    return gaps.assign(_order=order).sort_values("_order", kind="stable").drop(
        columns="_order").reset_index(drop=True)

