"""A notebook opened by hand runs with the settings of the scheduled run.

The cell after a notebook's parameters cell calls :func:`project_parameters`; its line
says which data source, ``as_of`` and language the numbers below come from.
"""

from __future__ import annotations

import os

from helpers.core.params import apply_project_parameters, project_relative
from helpers.presentation.i18n import LANGUAGES, t

__all__ = ["project_parameters"]


def project_parameters(name: str, namespace: dict, root: str | os.PathLike | None = None) -> str:
    """Resolve a notebook's parameters as ``workbook run`` does and say which are in use.

    Parameters
    ----------
    name : str
        Notebook name.
    namespace : dict
        The notebook's ``globals()``; updated in place by
        :func:`helpers.core.params.apply_project_parameters` (defaults ←
        ``params/workbook.yaml`` ← ``params/<name>.yaml``; a value papermill injected or
        the analyst typed wins; nothing changes in a scheduled kernel).
    root : path-like, optional
        Project folder (default: found from the working directory).

    Returns
    -------
    str
        One line, in the notebook's language, naming the data source, ``as_of`` and
        language in use.
    """
    apply_project_parameters(name, namespace, root)
    language = namespace.get("language", "en")
    return t("chrome.settings_line", language if language in LANGUAGES else "en",
             source=project_relative(str(namespace.get("data_source", "")), root),
             as_of=namespace.get("as_of", ""), lang=language)
