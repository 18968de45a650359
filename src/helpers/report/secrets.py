"""Keep secrets out of the reports.

Passwords written in a ``data_source`` URL are taken out of the notebooks' parameters and
handed to the kernels through an environment variable (:func:`prepare_secrets`); every
form a secret may take (raw, JSON, HTML and URL escaped) is replaced by ``***`` in the
executed notebooks, the pages and ``run.json`` (:func:`scrub`, :func:`scrub_file`).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from urllib.parse import quote

from helpers.core.errors import ParamError
from helpers.core.params import split_url_password

__all__ = ["MIN_SECRET_LENGTH", "prepare_secrets", "redact_parameters", "scrub", "scrub_file",
           "secret_variants"]

MIN_SECRET_LENGTH = 4


def secret_variants(secret: str) -> set[str]:
    """The forms a secret may take in notebooks and HTML: raw, JSON, HTML and URL escaped."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
        quote(secret, safe=""),
    }


def scrub(text: str, secrets: set[str] | list[str]) -> str:
    """Replace every form of every secret in ``text`` by ``***``.

    Parameters
    ----------
    text : str
    secrets : iterable of str
        Secrets shorter than :data:`MIN_SECRET_LENGTH` are skipped: replacing two-letter
        strings would garble the document.

    Returns
    -------
    str
    """
    for secret in secrets:
        if len(secret) < MIN_SECRET_LENGTH:
            continue
        for form in sorted(secret_variants(secret), key=len, reverse=True):
            text = text.replace(form, "***")
    return text


def scrub_file(path: Path, secrets: set[str]) -> None:
    """:func:`scrub` a text file in place (rewritten only when a secret was found)."""
    if not secrets or not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    clean = scrub(text, secrets)
    if clean != text:
        path.write_text(clean, encoding="utf-8")


def redact_parameters(params: dict) -> tuple[dict, set[str]]:
    """Strip URL passwords from string parameters; return the clean dict and the passwords."""
    clean, found = {}, set()
    for key, value in params.items():
        if isinstance(value, str):
            value, password = split_url_password(value)
            if password:
                found.add(password)
        clean[key] = value
    return clean, found


def prepare_secrets(resolved: dict[str, dict]) -> tuple[dict[str, dict], set[str], dict[str, str]]:
    """Redact URL passwords from every notebook's parameters.

    Returns the clean parameters, every secret to scrub from outputs, and environment
    variables that hand the URL passwords to the kernels through ``password_env``.
    """
    clean, secrets, env = {}, set(), {}
    for name, params in resolved.items():
        clean[name], found = redact_parameters(params)
        var = params.get("password_env") or "WORKBOOK_DB_PASSWORD"
        for password in found:
            if env.get(var, password) != password:
                raise ParamError(
                    f"data sources of several notebooks carry different passwords for ${var}; "
                    f"remove the passwords from the URLs and set ${var} instead"
                )
            env[var] = password
        secrets |= found
        if params.get("password_env") and os.environ.get(params["password_env"]):
            secrets.add(os.environ[params["password_env"]])
    return clean, secrets, env
