"""The data contract: which tables the workbook reads, their columns, types and rules.

The contract is plain data so that validation, the sample world, the documentation and
the tests all read the same definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "C",
    "CONTACT_ROLES",
    "CONTENT_CATEGORIES",
    "CONTRACT",
    "Column",
    "DTYPES",
    "LIFECYCLE_STAGES",
    "OPPORTUNITY_STAGES",
    "REQUIRED_TABLES",
    "TABLES",
    "Table",
    "table",
]

#: Logical column types and the engine types that satisfy them.
DTYPES = ("string", "integer", "float", "date", "timestamp", "boolean")

LIFECYCLE_STAGES = ("prospect", "new", "growth", "mature", "declining", "churned")
OPPORTUNITY_STAGES = ("open", "won", "lost")
CONTACT_ROLES = ("decision_maker", "influencer", "user", "other")
CONTENT_CATEGORIES = ("educational", "interactive", "brand")


@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    Parameters
    ----------
    name : str
        Canonical column name.
    dtype : str
        Logical type, one of :data:`DTYPES`.
    required : bool
        Whether the table is unusable without the column. A required table (accounts,
        orders) missing one is an error; an optional table missing one is ignored with a
        warning. Every other column is optional: when it is absent or entirely empty the
        analyses that need it are skipped, and its values are never invented.
    unique : bool
        Whether values must be unique (identifiers).
    references : str, optional
        ``"table.column"`` this column is a foreign key to.
    allowed : tuple of str, optional
        Closed set of allowed values.
    minimum, maximum : float, optional
        Inclusive numeric range.
    not_after_as_of : bool
        Whether dates must not lie after the analysis date ``as_of``.
    money : bool
        Whether the column holds amounts of money, checked for implausible outliers.
    list_separator : str, optional
        For text columns holding several tags, the separator between them.
    description : str
        Plain-language meaning, shown in documentation and error messages.
    """

    name: str
    dtype: str
    required: bool = False
    unique: bool = False
    references: str | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    not_after_as_of: bool = False
    money: bool = False
    list_separator: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Table:
    """One contract table.

    Parameters
    ----------
    name : str
        Canonical table name, also the file stem (``accounts.csv``).
    required : bool
        Whether every data source must provide the table.
    columns : tuple of Column
        The columns, in canonical order.
    description : str
        What one row means.
    """

    name: str
    required: bool
    columns: tuple[Column, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        """Canonical column names in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")


C = Column

TABLES: tuple[Table, ...] = (
    Table(
        "accounts",
        True,
        (
            C("account_id", "string", required=True, unique=True, description="account identifier"),
            C("account_name", "string"),
            C("industry", "string"),
            C("employees", "integer", minimum=0),
            C("annual_revenue", "float", minimum=0),
            C("region", "string"),
            C("country", "string"),
            C("city", "string"),
            C("created_date", "date", not_after_as_of=True),
            C("owner", "string"),
            C("acquisition_channel", "string"),
            C("is_competitor_customer", "boolean"),
            C("acquisition_cost", "float", minimum=0, money=True,
              description="cost to acquire the account, when known"),
            C("lifecycle_stage", "string", allowed=LIFECYCLE_STAGES,
              description="stage kept in the CRM, if any; the workbook derives its own"),
        ),
        "one row per company (customer or prospect)",
    ),
    Table(
        "orders",
        True,
        (
            C("order_id", "string", required=True, unique=True),
            C("account_id", "string", required=True, references="accounts.account_id"),
            C("order_date", "date", required=True, not_after_as_of=True),
            C("amount", "float", required=True, money=True,
              description="order value; negative for a credit note"),
            C("gross_margin", "float", money=True, description="margin in currency on the order"),
            C("product_line", "string"),
        ),
        "one row per order or credit note",
    ),
    Table(
        "contacts",
        False,
        (
            C("contact_id", "string", unique=True),
            C("account_id", "string", required=True, references="accounts.account_id"),
            C("role", "string", allowed=CONTACT_ROLES),
            C("seniority", "string"),
        ),
        "people at accounts",
    ),
    Table(
        "interactions",
        False,
        (
            C("interaction_id", "string", unique=True),
            C("account_id", "string", required=True, references="accounts.account_id"),
            C("contact_id", "string"),
            C("timestamp", "timestamp", required=True, not_after_as_of=True),
            C("channel", "string"),
            C("event_type", "string"),
            C("content_id", "string", references="content.content_id"),
            C("campaign_id", "string"),
            C("experiment_id", "string"),
            C("variant", "string"),
        ),
        "one row per touch: view, click, download, meeting, ...",
    ),
    Table(
        "content",
        False,
        (
            C("content_id", "string", required=True, unique=True),
            C("title", "string"),
            C("content_type", "string"),
            C("content_category", "string", allowed=CONTENT_CATEGORIES),
            C("topic", "string"),
            C("publish_date", "date", not_after_as_of=True),
            C("production_cost", "float", minimum=0, money=True),
        ),
        "marketing assets",
    ),
    Table(
        "opportunities",
        False,
        (
            C("opportunity_id", "string", unique=True),
            C("account_id", "string", required=True, references="accounts.account_id"),
            C("created_date", "date", not_after_as_of=True),
            C("close_date", "date"),
            C("stage", "string", allowed=OPPORTUNITY_STAGES),
            C("amount", "float", minimum=0, money=True),
            C("source_channel", "string"),
            C("source_content_id", "string", references="content.content_id"),
        ),
        "sales opportunities",
    ),
    Table(
        "marketing_spend",
        False,
        (
            C("period_start", "date", required=True, not_after_as_of=True),
            C("channel", "string", required=True),
            C("spend", "float", required=True, minimum=0, money=True),
            C("campaign_id", "string"),
            C("target_tier", "string"),
        ),
        "spend per period and channel",
    ),
    Table(
        "surveys",
        False,
        (
            C("response_id", "string", unique=True),
            C("account_id", "string", required=True, references="accounts.account_id"),
            C("response_date", "date", not_after_as_of=True),
            C("nps", "integer", minimum=0, maximum=10),
            C("csat", "integer", minimum=1, maximum=5),
            C("pain_points", "string", list_separator=";", description="tags separated by ';'"),
            C("comment", "string"),
        ),
        "satisfaction survey responses",
    ),
    Table(
        "service_costs",
        False,
        (
            C("account_id", "string", required=True, references="accounts.account_id"),
            C("period_start", "date", not_after_as_of=True),
            C("cost_type", "string"),
            C("amount", "float", required=True, minimum=0, money=True),
        ),
        "cost to serve an account per period",
    ),
)

CONTRACT: dict[str, Table] = {t.name: t for t in TABLES}
REQUIRED_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.required)

def table(name: str) -> Table:
    """Return the contract table ``name``, with a helpful error for unknown names."""
    try:
        return CONTRACT[name]
    except KeyError:
        raise KeyError(
            f"unknown table {name!r}; the contract knows {', '.join(CONTRACT)}"
        ) from None
