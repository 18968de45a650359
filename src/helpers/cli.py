"""Command line: ``workbook sample-data | validate | load | run | list | params``."""

from __future__ import annotations

import argparse
import os
import sys

from helpers.core.errors import WorkbookError
from helpers.data.data_profiles import CHOICES as PROFILES
from helpers.data.data_profiles import NULL_PROFILE

__all__ = ["build_parser", "describe_error", "main"]


def _cmd_sample_data(args: argparse.Namespace) -> int:
    from helpers.core.paths import resolve
    from helpers.data import data_profiles, sample_world

    out = resolve(args.out)
    truth = sample_world.generate_world(
        out, accounts=args.accounts, seed=args.seed, locale=args.locale, fmt=args.format,
        effects="none" if args.profile == NULL_PROFILE else "planted",
    )
    if args.profile == NULL_PROFILE:
        print(f"sample world written to {out} as profile {args.profile!r}: no planted effect "
              f"({truth['counts']['accounts']:,} accounts)")
        return 0
    if args.profile != "full":
        tables = data_profiles.apply_profile(out, args.profile, as_of=truth["settings"]["end"])
        sample_world.mark_profile(out, args.profile)
        print(f"sample world written to {out} as profile {args.profile!r} "
              f"({', '.join(tables)})")
        return 0
    print(f"sample world written to {out} ({truth['counts']['accounts']:,} accounts, "
          f"{truth['counts']['interactions']:,} interactions)")
    return 0


def _as_of(args: argparse.Namespace, settings: dict) -> str:
    """``--as-of`` or the settings' ``as_of``, checked to be a real date (ISO text)."""
    from helpers.core.params import WORKBOOK_FILE, parse_as_of

    if args.as_of:
        return parse_as_of(args.as_of, "--as-of").isoformat()
    return parse_as_of(settings["as_of"], WORKBOOK_FILE).isoformat()


def _cmd_validate(args: argparse.Namespace) -> int:
    from helpers.core.params import load_workbook_settings
    from helpers.data import datasets, validation
    from helpers.data.loading import check_driver

    settings = load_workbook_settings()
    as_of = _as_of(args, settings)
    source = args.data or settings["data_source"]
    check_driver(str(source))
    ws = datasets.open_workspace(
        source,
        mapping_file=args.mapping or settings.get("mapping_file") or None,
        password_env=settings.get("password_env"),
    )
    findings = validation.validate(ws, as_of=as_of)
    print(validation.format_findings(findings))
    return 1 if validation.has_errors(findings) else 0


def _cmd_load(args: argparse.Namespace) -> int:
    from helpers.core.params import load_workbook_settings
    from helpers.data import loading

    settings = load_workbook_settings()
    as_of = _as_of(args, settings)
    counts = loading.load_folder(
        args.source, args.target,
        mapping_file=args.mapping or settings.get("mapping_file") or None,
        password_env=args.password_env or settings.get("password_env"),
        as_of=as_of, replace=args.replace,
    )
    for name, rows in counts.items():
        print(f"  {name:<16} {rows:>12,} rows")
    print(f"loaded {len(counts)} table(s) into {loading.redact_url(args.target)}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from helpers.core.params import parse_as_of
    from helpers.report.execute import quiet_runner
    from helpers.report.run import run_workbook

    if args.as_of:
        args.as_of = parse_as_of(args.as_of, "--as-of").isoformat()
    quiet_runner()  # library notices stay out of the console from the first read
    return run_workbook(
        names=args.names or None, data=args.data, as_of=args.as_of, jobs=args.jobs,
        reports_dir=args.reports_dir, language=args.language,
    )


def _cmd_list(args: argparse.Namespace) -> int:
    from helpers.report.notebooks import format_notebook_list

    print(format_notebook_list())
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from helpers.core import params

    print(params.describe_parameters(args.name))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``workbook`` command."""
    parser = argparse.ArgumentParser(prog="workbook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample-data", help="write the synthetic B2B sample world")
    p.add_argument("--accounts", type=int, default=2000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--locale", choices=["en", "zh"], default="en")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.add_argument("--out", default="data/sample", help="output folder (default data/sample)")
    p.add_argument("--profile", default="full", choices=PROFILES,
                   help="shape of the data: full, one that real exports have, or null "
                   "(every table, no planted effect; see helpers.data.data_profiles)")
    p.set_defaults(func=_cmd_sample_data)

    p = sub.add_parser("validate", help="check a data source against the data contract")
    p.add_argument("--data", help="folder, .duckdb file or URL (default: params/workbook.yaml)")
    p.add_argument("--mapping", help="column-mapping YAML")
    p.add_argument("--as-of", dest="as_of")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("load", help="validate a folder of table files and load it into a "
                       "database (.duckdb file or postgresql:// URL)")
    p.add_argument("--from", dest="source", required=True,
                   help="folder of <table>.csv/.parquet/.xlsx files")
    p.add_argument("--to", dest="target", required=True,
                   help="target .duckdb file or database URL without password")
    p.add_argument("--password-env", dest="password_env",
                   help="environment variable holding the target's password "
                   "(default: password_env in params/workbook.yaml)")
    p.add_argument("--mapping", help="column-mapping YAML")
    p.add_argument("--as-of", dest="as_of", help="analysis date for the date checks")
    p.add_argument("--replace", action="store_true",
                   help="overwrite contract tables that already exist in the target")
    p.set_defaults(func=_cmd_load)

    p = sub.add_parser("run", help="execute notebooks and render the reports")
    p.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    p.add_argument("--data", help="override data_source")
    p.add_argument("--as-of", dest="as_of", help="override as_of (YYYY-MM-DD)")
    p.add_argument("--jobs", type=int, help="notebooks at once (default: number of cores)")
    p.add_argument("--reports-dir", dest="reports_dir", help="default: reports/")
    p.add_argument("--language", choices=("en", "zh"), help="override language (the reports')")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("list", help="list the notebooks")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("params", help="show a notebook's parameters")
    p.add_argument("name")
    p.set_defaults(func=_cmd_params)
    return parser


def describe_error(exc: BaseException) -> tuple[str, int]:
    """The message and exit code for an exception that ends a command.

    Expected problems (bad data, parameters, files, folders) give their own message and
    exit code 2; anything else is a bug: one line and a request to report it, exit code 1.

    Parameters
    ----------
    exc : BaseException

    Returns
    -------
    (str, int)
    """
    if isinstance(exc, WorkbookError):
        return f"error: {exc}", 2
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"error: {where}{reason}", 2
    if isinstance(exc, (ValueError, TypeError)) and not isinstance(exc, UnicodeError):
        first = next((ln for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        return (f"error: {first} (an unexpected {type(exc).__name__}; set WORKBOOK_DEBUG=1 "
                "for the traceback and report it if the input looks right)"), 2
    first = next((ln for ln in str(exc).splitlines() if ln.strip()), "")
    return (f"internal error: {type(exc).__name__}{': ' + first if first else ''}. This is a "
            "bug; run again with WORKBOOK_DEBUG=1 for the traceback and report it"), 1


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code.

    0 success, 1 a notebook failed (or an unexpected error), 2 a problem with the data,
    the parameters or the folders, refused before anything ran.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("WORKBOOK_DEBUG"):
            raise
        message, code = describe_error(exc)
        print(message, file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
