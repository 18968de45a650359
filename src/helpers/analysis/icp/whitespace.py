"""Cross-sell whitespace: product lines comparable peers buy reliably more often than expected."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.icp import queries
from helpers.analysis.icp.attributes import _MISSING, _attribute_values, has_data
from helpers.core.errors import ParamError
from helpers.core.params import as_of_date
from helpers.stats import multiple_testing

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = ["deal_bands", "whitespace", "whitespace_by_line"]


def deal_bands(avg_order_value, bands: int = 3) -> pd.Series:
    """Deal-size band per customer: equal-count bands of the average order value.

    Parameters
    ----------
    avg_order_value : array-like
        Average order value per customer (missing or non-positive values get no band).
    bands : int
        Number of bands; fewer when there are fewer distinct values.

    Returns
    -------
    pandas.Series
        ``"D1"`` (smallest deals) .. ``"D<bands>"``, missing where the value is unknown.
    """
    v = pd.to_numeric(pd.Series(avg_order_value), errors="coerce").astype(float)
    ok = v.notna() & (v > 0)
    out = pd.Series(pd.NA, index=v.index, dtype="object")
    if not ok.any() or bands < 1:
        return out
    ranks = v[ok].rank(method="first")
    k = int(min(bands, ok.sum()))
    codes = pd.qcut(ranks, k, labels=False)
    out[ok] = [f"D{int(c) + 1}" for c in codes]
    return out


def whitespace(ws: Workspace, as_of, features: pd.DataFrame, *,
               peer_keys: Sequence[str] = ("industry",), days: int = 365,
               min_adoption: float = 0.5, min_peers: int = 10, bands: int = 3,
               alpha: float = 0.05, method: str = "bh") -> pd.DataFrame:
    """Cross-sell whitespace: product lines that comparable customers buy more than expected.

    Peers are the customers (an order in the window) with the same ``peer_keys`` values
    **and** the same deal-size band (:func:`deal_bands` of the average order value in the
    window), so a large account is never measured against small ones. A product line is
    whitespace for a peer group only when

    - at least ``min_adoption`` of the peers buy it, and
    - the peers buy it reliably more often than the other customers of the same deal-size
      band, i.e. more than the account's size alone would predict: Fisher's exact test
      (:func:`helpers.stats.multiple_testing.lift_test`), corrected over every (peer group,
      product line) candidate with ``method``, adjusted p-value below ``alpha``.

    A line that merely follows deal size is bought as often by every peer group in the band
    and is never whitespace. Product-line revenue per account is summed in the engine over
    the last ``days`` days.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    features : pandas.DataFrame
        Account features (for the peer keys and names).
    peer_keys : sequence of str
        Attributes that define "similar accounts", besides the deal-size band.
    days : int
        Look-back window for "buys".
    min_adoption : float
        A line needs at least this share of the peers buying it.
    min_peers : int
        Peer groups with fewer customers are skipped.
    bands : int
        Number of deal-size bands.
    alpha, method : float, str
        Level and correction of the test against the deal-size band.

    Returns
    -------
    pandas.DataFrame
        ``account_id, account_name, <peer keys>, deal_band, product_line, peers,
        peer_adoption, expected_adoption, p_adjusted, peer_median_revenue`` (the median
        window revenue on that line among peers who buy it: a size for the opportunity),
        largest opportunity first. ``attrs["tested"]`` holds every tested (peer group,
        line) with its p-values and ``significant`` flag. Peer keys without data are left
        out, and so are orders without a product line and accounts whose peer key is
        unknown; when nothing can be tested the frame is empty and ``attrs["problem"]``
        says why (``"no_peer_keys"`` or ``"no_product_lines"``).
    """
    if not 0 < min_adoption <= 1:
        raise ParamError(f"whitespace_min_adoption must be between 0 and 1, got {min_adoption!r}")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ParamError(f"whitespace_days must be a positive whole number, got {days!r}")
    for k in peer_keys:
        if k not in features.columns:
            raise ParamError(f"peer key {k!r} is not an account feature")
    as_of = as_of_date(as_of)
    # a peer group on a key nobody recorded would make every customer everyone's peer
    peer_keys = [k for k in peer_keys if has_data(features, k, distinct=2)]
    cols = ["account_id", "account_name", *peer_keys, "deal_band", "product_line", "peers",
            "peer_adoption", "expected_adoption", "p_adjusted", "peer_median_revenue"]
    tested_cols = ["peer_group", "deal_band", "product_line", "peers", "buyers",
                   "peer_adoption", "expected_adoption", "lift", "p_value", "p_adjusted",
                   "significant", "peer_median_revenue"]

    def empty(problem=None):
        frame = pd.DataFrame(columns=cols)
        if problem:
            frame.attrs["problem"] = problem
        frame.attrs["tested"] = pd.DataFrame(columns=tested_cols)
        return frame

    if not peer_keys:
        return empty("no_peer_keys")
    lines = queries.product_line_revenue(ws, as_of, days)
    if lines.empty:
        return empty("no_product_lines")
    keys = features[["account_id", *peer_keys]].copy()
    keys["account_id"] = keys["account_id"].astype(str)
    keys["peer_group"] = _attribute_values(features, list(peer_keys))[1].to_numpy()
    keys = keys[~keys["peer_group"].str.contains(_MISSING, regex=False)]
    buyers = lines.merge(keys[["account_id", "peer_group"]], on="account_id", how="inner")
    if buyers.empty:
        return empty()
    per_account = buyers.groupby("account_id").agg(
        revenue=("revenue", "sum"), orders=("orders", "sum"), peer_group=("peer_group", "first"))
    per_account["deal_band"] = deal_bands(per_account["revenue"] / per_account["orders"],
                                          bands).to_numpy()
    per_account = per_account[per_account["deal_band"].notna()]
    customers = per_account[["peer_group", "deal_band"]].reset_index()
    customers["peer_group"] = customers["peer_group"] + " × " + customers["deal_band"]
    buyers = buyers.drop(columns="peer_group").merge(customers, on="account_id", how="inner")
    peers = customers.groupby("peer_group").size().rename("peers")
    band_n = customers.groupby("deal_band").size().rename("band_n")
    adopt = buyers.groupby(["peer_group", "deal_band", "product_line"]).agg(
        buyers=("account_id", "nunique"), peer_median_revenue=("revenue", "median")).reset_index()
    band_buyers = buyers.groupby(["deal_band", "product_line"])["account_id"].nunique() \
        .rename("band_buyers").reset_index()
    adopt = adopt.merge(peers, on="peer_group").merge(band_n, on="deal_band") \
        .merge(band_buyers, on=["deal_band", "product_line"])
    adopt["peer_adoption"] = adopt["buyers"] / adopt["peers"]
    rest_n = adopt["band_n"] - adopt["peers"]
    rest_buyers = adopt["band_buyers"] - adopt["buyers"]
    adopt["expected_adoption"] = np.where(rest_n > 0, rest_buyers / rest_n.where(rest_n > 0),
                                          np.nan)
    cand = adopt[(adopt["peers"] >= min_peers) & (adopt["peer_adoption"] >= min_adoption)].copy()
    tests = [multiple_testing.lift_test(b, n, rb, rn) for b, n, rb, rn in zip(
        cand["buyers"], cand["peers"], rest_buyers[cand.index], rest_n[cand.index], strict=True)]
    cand["lift"] = [r["lift"] for r in tests]
    cand["p_value"] = [r["p_value"] for r in tests]
    cand = multiple_testing.mark_family(cand, alpha=alpha, method=method)
    cand["significant"] = cand["significant"] & (cand["lift"] > 1)
    tested = cand[tested_cols].sort_values("p_value", ignore_index=True)
    good = cand[cand["significant"]]
    # Every (customer, reliably popular line) pair, minus what the customer already buys.
    pairs = customers.merge(good.drop(columns="deal_band"), on="peer_group")
    have = buyers[["account_id", "product_line"]].drop_duplicates().assign(_has=True)
    pairs = pairs.merge(have, on=["account_id", "product_line"], how="left")
    pairs = pairs[pairs["_has"].isna()]
    names = features[["account_id", "account_name", *peer_keys]].copy()
    names["account_id"] = names["account_id"].astype(str)
    pairs = pairs.merge(names, on="account_id", how="left")
    pairs = pairs.sort_values(["peer_median_revenue", "peer_adoption"], ascending=False)
    out = pairs[cols].reset_index(drop=True)
    out.attrs["tested"] = tested
    return out


def whitespace_by_line(space: pd.DataFrame) -> pd.DataFrame:
    """Whitespace per product line: accounts with an opening and their summed potential.

    Parameters
    ----------
    space : pandas.DataFrame
        Output of :func:`whitespace`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``product_line``: ``accounts`` (distinct accounts) and ``potential`` (sum of
        ``peer_median_revenue``), largest potential first.
    """
    by_line = space.groupby("product_line").agg(accounts=("account_id", "nunique"),
                                                potential=("peer_median_revenue", "sum"))
    return by_line.sort_values("potential", ascending=False)
