"""Check a workspace against the data contract.

Every check runs as a query in the engine and yields :class:`Finding` records: errors stop a
run, warnings are shown in the reports, notes say what the data does not support.

:func:`validate` (in ``checks``) runs the type checks (``column_types``), the value rules
(``column_rules``) and the structure checks (``structure``); ``cache`` validates once per run
folder.
"""

from __future__ import annotations

from helpers.data.validation.cache import (
    cached_validate,
    open_validated,
)
from helpers.data.validation.checks import (
    validate,
)
from helpers.data.validation.column_rules import (
    DATE_ORDER,
    MAX_LISTED,
    OTHER_SEPARATORS,
    OUTLIER_FACTOR,
)
from helpers.data.validation.findings import (
    EXAMPLES,
    SEVERITY_ORDER,
    Finding,
    findings_frame,
    format_findings,
    has_errors,
    raise_for_errors,
)
from helpers.data.validation.structure import (
    IMPLIED_COLUMNS,
)

__all__ = [
    "DATE_ORDER",
    "EXAMPLES",
    "Finding",
    "IMPLIED_COLUMNS",
    "MAX_LISTED",
    "OTHER_SEPARATORS",
    "OUTLIER_FACTOR",
    "SEVERITY_ORDER",
    "cached_validate",
    "findings_frame",
    "format_findings",
    "has_errors",
    "open_validated",
    "raise_for_errors",
    "validate",
]
