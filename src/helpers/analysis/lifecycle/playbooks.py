"""Stage playbooks: the recommended action, objective, channels and content of each stage."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.core.errors import ParamError
from helpers.presentation import i18n

from .migration import stage_mix
from .rules import STAGES, _unknown
from .sentences import stage_label

__all__ = [
    "DEFAULT_PLAYBOOKS",
    "action_counts",
    "check_playbooks",
    "playbook_overview",
    "playbook_table",
    "recommend_actions",
    "stage_overview",
]


#: Default stage playbooks: stage -> action, objective, channels and content types.
DEFAULT_PLAYBOOKS: dict[str, dict[str, Any]] = {
    "prospect": {
        "action": "Educate and open conversations",
        "objective": "turn interest into a first qualified opportunity",
        "channels": ["social", "search"],
        "content": ["educational content", "guides", "webinars"],
    },
    "new": {
        "action": "Onboard and support",
        "objective": "a smooth start and a second order",
        "channels": ["email", "meeting"],
        "content": ["onboarding guides", "support contacts", "training"],
    },
    "growth": {
        "action": "Offer upgrades",
        "objective": "widen the product footprint while momentum lasts",
        "channels": ["meeting", "email"],
        "content": ["upgrade offers", "case studies"],
    },
    "mature": {
        "action": "Reward loyalty",
        "objective": "keep share of wallet and deepen executive ties",
        "channels": ["meeting", "events"],
        "content": ["loyalty offers", "executive meetings"],
    },
    "declining": {
        "action": "Review the account",
        "objective": "find and fix the cause before the account lapses",
        "channels": ["visit", "meeting"],
        "content": ["account review", "service check"],
    },
    "churned": {
        "action": "Win back",
        "objective": "reopen the relationship",
        "channels": ["email", "outbound"],
        "content": ["win-back offers"],
    },
}


_PLAYBOOK_KEYS = ("action", "objective", "channels", "content")


def check_playbooks(playbooks: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Validate stage playbooks and merge them over :data:`DEFAULT_PLAYBOOKS`.

    Parameters
    ----------
    playbooks : mapping, optional
        ``stage -> {action, objective, channels, content}``; keys left out keep the default.
        ``channels`` and ``content`` are lists of text (a single text is taken as one item).

    Returns
    -------
    dict
    """
    merged = copy.deepcopy(DEFAULT_PLAYBOOKS)
    if playbooks is None:
        return merged
    if not isinstance(playbooks, Mapping):
        raise ParamError(f"playbooks must be a mapping of stage -> playbook, got {playbooks!r}")
    for stage, given in playbooks.items():
        if stage not in merged:
            raise _unknown("playbooks", stage, STAGES)
        if not isinstance(given, Mapping):
            raise ParamError(f"playbooks.{stage} must be a mapping with keys "
                             f"{', '.join(_PLAYBOOK_KEYS)}; got {given!r}")
        for key, value in given.items():
            if key not in _PLAYBOOK_KEYS:
                raise _unknown(f"playbooks.{stage}", key, _PLAYBOOK_KEYS)
            if key in ("channels", "content"):
                value = [value] if isinstance(value, str) else value
                if not isinstance(value, (list, tuple)) or not all(
                        isinstance(v, str) for v in value):
                    raise ParamError(f"playbooks.{stage}.{key} must be a list of text")
                value = list(value)
            elif not isinstance(value, str) or not value.strip():
                raise ParamError(f"playbooks.{stage}.{key} must be non-empty text")
            merged[stage][key] = value
    return merged


def _playbook_text(stage: str, key: str, value: Any, language: str) -> str:
    """One playbook field as text: the translated default, or the given text as it is."""
    if value == DEFAULT_PLAYBOOKS[stage][key]:
        return i18n.t(f"customer_segmentation.playbook.{stage}.{key}", language)
    if isinstance(value, str):
        return value
    return i18n.t("customer_segmentation.list_separator", language).join(value)


def playbook_table(playbooks: Mapping[str, Any] | None = None, *, language: str = "en"
                   ) -> pd.DataFrame:
    """The playbooks as a table, one row per stage.

    Parameters
    ----------
    playbooks : mapping, optional
        See :func:`check_playbooks`.
    language : {"en", "zh"}
        Default playbook texts are translated; texts given in ``playbooks`` are shown as
        they are.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage``, ``action``, ``objective``, ``channels`` and ``content`` (lists
        joined with ", ").
    """
    p = check_playbooks(playbooks)
    return pd.DataFrame([
        {"stage": s, **{key: _playbook_text(s, key, p[s][key], language) for key in _PLAYBOOK_KEYS}}
        for s in STAGES
    ])


def recommend_actions(stages: pd.DataFrame, playbooks: Mapping[str, Any] | None = None, *,
                      language: str = "en") -> pd.DataFrame:
    """Attach each account's stage playbook.

    Parameters
    ----------
    stages : pandas.DataFrame
        ``account_id`` and ``stage``.
    playbooks : mapping, optional
        See :func:`check_playbooks`.
    language : {"en", "zh"}
        As for :func:`playbook_table`.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``stage``, ``action``, ``objective``, ``channels``, ``content``, in
        the row order of ``stages``.
    """
    table = playbook_table(playbooks, language=language)
    out = stages[["account_id", "stage"]].copy()
    key = out["stage"].astype("object")
    for col in ("action", "objective", "channels", "content"):
        out[col] = key.map(table.set_index("stage")[col])
    return out


def action_counts(actions: pd.DataFrame) -> pd.DataFrame:
    """Accounts per recommended action, in stage order.

    Parameters
    ----------
    actions : pandas.DataFrame
        From :func:`recommend_actions`.

    Returns
    -------
    pandas.DataFrame
        ``stage``, ``action``, ``channels``, ``accounts`` and ``share``.
    """
    mix = stage_mix(actions["stage"])
    firsts = actions.assign(stage=actions["stage"].astype("object")).drop_duplicates("stage")
    out = mix.merge(firsts[["stage", "action", "channels"]], on="stage", how="left")
    return out[["stage", "action", "channels", "accounts", "share"]]


def stage_overview(mix: pd.DataFrame, playbooks: Mapping[str, Any] | None = None, *,
                   language: str = "en") -> pd.DataFrame:
    """One row per stage for a management table: accounts, share and the recommended action.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    playbooks : mapping, optional
        See :func:`check_playbooks`; every stage gets its action and channels, also a stage
        without accounts.
    language : {"en", "zh"}
        Language of the stage names and the default playbook texts.

    Returns
    -------
    pandas.DataFrame
        ``stage`` (named in ``language``), ``accounts``, ``share`` (0-1), ``action`` and
        ``channels``, in stage order.
    """
    books = playbook_table(playbooks, language=language)
    out = mix[["stage", "accounts", "share"]].astype({"stage": "object"}).merge(
        books[["stage", "action", "channels"]], on="stage", how="left")
    out["stage"] = [stage_label(s, language) for s in out["stage"]]
    return out.reset_index(drop=True)


def playbook_overview(playbooks: Mapping[str, Any] | None, counts: pd.DataFrame, *,
                      language: str = "en") -> pd.DataFrame:
    """The playbook of every stage with the number of accounts it applies to.

    Parameters
    ----------
    playbooks : mapping or None
        See :func:`check_playbooks`.
    counts : pandas.DataFrame
        From :func:`action_counts`.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`playbook_table` and ``accounts``, stages named in ``language``.
    """
    out = playbook_table(playbooks, language=language).merge(counts[["stage", "accounts"]], on="stage")
    out["stage"] = [stage_label(s, language) for s in out["stage"]]
    return out
