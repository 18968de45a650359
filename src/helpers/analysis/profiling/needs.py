"""Needs per segment: survey pain-point tags ranked and tested within each segment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.profiling import queries
from helpers.analysis.profiling.segments import MISSING, OTHER, _ordered_levels, _segment_frame
from helpers.analysis.profiling.views import _pct
from helpers.core.errors import DataError
from helpers.presentation import i18n
from helpers.stats import multiple_testing

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = ["distinctive_pain_points", "pain_points"]


def pain_points(ws: Workspace, as_of, features: pd.DataFrame, by: str = "industry", *,
                top: int | None = 12, separator: str = ";") -> pd.DataFrame:
    """Survey pain-point tags ranked within each segment.

    Tags are split and counted per account in the engine. ``share`` is the share of the
    segment's survey responses that mention the tag; ``rank`` 1 is the most mentioned.

    Parameters
    ----------
    ws : Workspace
        Must provide ``surveys`` with a ``pain_points`` column.
    as_of : date-like
        Analysis date; later responses are ignored.
    features : pandas.DataFrame
        One row per account (for the segment of each account).
    by : str
        Segment column.
    top : int, optional
        Largest segments kept; the rest are folded into ``"Other"``.
    separator : str
        Separator between tags.

    Returns
    -------
    pandas.DataFrame
        Long format ``segment, pain_point, mentions, responses, share, rank, lift`` where
        ``lift`` is the share in the segment over the share across all responses; the
        segment ``"All"`` comes first.
    """
    if not ws.has("surveys"):
        raise DataError("pain points need the surveys table")
    resp, ment = queries.pain_point_mentions(ws, as_of, separator)
    seg = _segment_frame(features, by, top)
    resp = resp.merge(seg, on="account_id", how="inner")
    ment = ment.merge(seg, on="account_id", how="inner")
    cols = ["segment", "pain_point", "mentions", "responses", "share", "rank", "lift"]
    # answers of accounts without a segment count for "All" only: unknown is no segment
    seg_resp, seg_ment = resp[resp["segment"] != MISSING], ment[ment["segment"] != MISSING]
    if resp.empty or ment.empty:
        return pd.DataFrame(columns=cols)
    per_seg = seg_resp.groupby("segment")["responses"].sum()
    counts = seg_ment.groupby(["segment", "tag"])["mentions"].sum().rename("mentions").reset_index()
    overall = ment.groupby("tag")["mentions"].sum().rename("mentions").reset_index()
    overall.insert(0, "segment", "All")
    per_seg.loc["All"] = resp["responses"].sum()
    out = pd.concat([overall, counts], ignore_index=True).rename(columns={"tag": "pain_point"})
    out["responses"] = out["segment"].map(per_seg).astype("int64")
    out["share"] = out["mentions"] / out["responses"]
    all_share = out[out["segment"] == "All"].set_index("pain_point")["share"]
    out["lift"] = out["share"] / out["pain_point"].map(all_share)
    out = out.sort_values(["segment", "mentions", "pain_point"], ascending=[True, False, True])
    out["rank"] = out.groupby("segment").cumcount() + 1
    seg_order = ["All"] + [v for v in _ordered_levels(features, by, seg["segment"])
                           if v in set(out["segment"])]
    out["segment"] = pd.Categorical(out["segment"], categories=seg_order, ordered=True)
    out = out.sort_values(["segment", "rank"]).reset_index(drop=True)
    out["segment"] = out["segment"].astype(str)
    out["mentions"] = out["mentions"].astype("int64")
    return out[cols]


def distinctive_pain_points(pains: pd.DataFrame, *, min_responses: int = 30,
                            min_lift: float = 1.3, alpha: float = 0.05, method: str = "bh",
                            log=None, language: str = "en") -> pd.DataFrame:
    """Segment pain points mentioned reliably more often than in the other segments.

    Every pain point of every segment with enough responses is one comparison: its share
    of mentions against the share among all other responses (Fisher's exact test,
    :func:`helpers.stats.multiple_testing.lift_test`). The comparisons form one family,
    corrected with ``method`` (in ``log`` when given, which keeps the evidence). A pain
    point is distinctive when it survives and its lift is at least ``min_lift``.

    Parameters
    ----------
    pains : pandas.DataFrame
        Output of :func:`pain_points`.
    min_responses : int
        Segments with fewer responses are not tested (too noisy).
    min_lift : float
        Share in the segment over the overall share, at least.
    alpha, method : float, str
        Level and correction of the family (``log`` uses its own when given).
    log : helpers.presentation.findings.FindingLog, optional
        Receives one finding per tested (segment, pain point).
    language : {"en", "zh"}
        Language of the findings' texts.

    Returns
    -------
    pandas.DataFrame
        Rows of ``pains`` (segments only, not ``"All"``) with ``p_value`` and
        ``p_adjusted``, highest lift first.
    """
    cols = [*pains.columns, "p_value", "p_adjusted"]
    everyone = pains[pains["segment"] == "All"].set_index("pain_point")
    p = pains[(pains["segment"] != "All") & (pains["responses"] >= min_responses)
              & ~pains["segment"].isin([OTHER, MISSING])].copy()
    if p.empty or everyone.empty:
        return pd.DataFrame(columns=cols)
    all_n = float(everyone["responses"].iloc[0])
    all_hits = p["pain_point"].map(everyone["mentions"]).fillna(0).to_numpy(dtype=float)
    hits = np.minimum(p["mentions"].to_numpy(dtype=float), p["responses"].to_numpy(dtype=float))
    n = p["responses"].to_numpy(dtype=float)
    p["p_value"] = [multiple_testing.lift_test(h, k, max(a - h, 0), max(all_n - k, 0))["p_value"]
                    for h, k, a in zip(hits, n, all_hits, strict=True)]
    if log is not None:
        found = log.family(
            [i18n.t("customer_profiling.finding.distinct_item", language, segment=r.segment,
                    pain=r.pain_point, share=_pct(r.share), lift=f"{r.lift:.1f}")
             for r in p.itertuples()],
            p["p_value"], test="Fisher exact", family="pain point by segment",
            effects=p["lift"], ns=p["responses"], levels=p["segment"], effect_label="lift",
            impacts=[0.2] * len(p))
        p["p_adjusted"] = [f.evidence.p_adjusted for f in found]
        keep = np.array([f.stated for f in found], dtype=bool)
    else:
        p = multiple_testing.mark_family(p, alpha=alpha, method=method)
        keep = p.pop("significant").to_numpy(dtype=bool)
    p = p[keep & (p["lift"] >= min_lift).to_numpy()]
    return p[cols].sort_values("lift", ascending=False, ignore_index=True)
