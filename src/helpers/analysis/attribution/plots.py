"""The attribution chart and its alt text."""

from __future__ import annotations

import pandas as pd

from helpers.analysis.attribution.credits import compare_models
from helpers.analysis.attribution.models import MODELS, model_name
from helpers.analysis.attribution.sentences import _pct, _t, known_labels
from helpers.analysis.content.labels import value_label
from helpers.presentation import i18n

__all__ = [
    "chart_text",
    "plot_attribution",
]


def plot_attribution(credits: pd.DataFrame, *, ax=None, top: int = 10, language: str = "en",
                     kind: str = "channel"):
    """Grouped bars: share of conversions per label under each model.

    Parameters
    ----------
    credits : pandas.DataFrame
        Output of :func:`attribute`.
    ax : matplotlib.axes.Axes, optional
    top : int
        Labels shown (largest Markov share first).
    language : {"en", "zh"}
        Language of the title, axis label, model names and labels.
    kind : str
        Label family of the labels (see :func:`helpers.analysis.content.value_label`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    from helpers.presentation.plotting import legend_outside

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    wide = compare_models(credits).head(top)
    data = credits[credits["label"].isin(wide.index)].copy()
    data["model"] = data["model"].map(lambda m: model_name(m, language))
    data["label"] = data["label"].map(lambda v: value_label(kind, v, language))
    order = [value_label(kind, v, language) for v in wide.index]
    sns.barplot(data=data, y="label", x="share", hue="model", order=order,
                hue_order=[model_name(m, language) for m in MODELS], ax=ax, orient="h")
    ax.set_xlabel(i18n.t("content_evaluation.chart.won_share", language))
    ax.set_ylabel("")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    legend_outside(ax, title="", fontsize=8)
    ax.set_title(i18n.t("content_evaluation.chart.attribution", language))
    return ax


def chart_text(side: pd.DataFrame, language: str = "en", kind: str = "channel") -> dict[str, str]:
    """Alt text and caption of :func:`plot_attribution`: who leads under Markov.

    Parameters
    ----------
    side : pandas.DataFrame
        :func:`compare_models` of the same credits.
    language : {"en", "zh"}
    kind : str
        Label family of the labels.
    """
    known = known_labels(side)
    lead = known.iloc[0] if len(known) else side.iloc[0]
    markov = lead["markov"] if "markov" in side.columns else float("nan")
    return {"alt": _t("alt.attribution", language, n=len(side),
                      label=value_label(kind, lead.name, language), share=_pct(markov)),
            "caption": _t("caption.attribution", language)}
