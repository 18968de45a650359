"""Command line: ``workbook sample-data | validate | load | run | list | params``."""

from __future__ import annotations

import argparse
import sys

from helpers.data_profiles import PROFILES
from helpers.errors import WorkbookError


def _cmd_sample_data(args: argparse.Namespace) -> int:
    from helpers import data_profiles, sample_world
    from helpers.paths import resolve

    out = resolve(args.out)
    truth = sample_world.generate_world(
        out, accounts=args.accounts, seed=args.seed, locale=args.locale, fmt=args.format
    )
    if args.profile != "full":
        tables = data_profiles.apply_profile(out, args.profile, as_of=truth["settings"]["end"])
        sample_world.mark_profile(out, args.profile)
        print(f"sample world written to {out} as profile {args.profile!r} "
              f"({', '.join(tables)})")
        return 0
    print(f"sample world written to {out} ({truth['counts']['accounts']:,} accounts, "
          f"{truth['counts']['interactions']:,} interactions)")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from helpers import datasets, validation
    from helpers.params import load_workbook_settings

    settings = load_workbook_settings()
    source = args.data or settings["data_source"]
    ws = datasets.open_workspace(
        source,
        mapping_file=args.mapping or settings.get("mapping_file") or None,
        password_env=settings.get("password_env"),
    )
    findings = validation.validate(ws, as_of=args.as_of or settings["as_of"])
    print(validation.format_findings(findings))
    return 1 if validation.has_errors(findings) else 0


def _cmd_load(args: argparse.Namespace) -> int:
    from helpers import loading
    from helpers.params import load_workbook_settings

    settings = load_workbook_settings()
    counts = loading.load_folder(
        args.source, args.target,
        mapping_file=args.mapping or settings.get("mapping_file") or None,
        password_env=args.password_env or settings.get("password_env"),
        as_of=args.as_of or settings["as_of"], replace=args.replace,
    )
    for name, rows in counts.items():
        print(f"  {name:<16} {rows:>12,} rows")
    print(f"loaded {len(counts)} table(s) into {loading.redact_url(args.target)}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from helpers import reporting

    return reporting.run_workbook(
        names=args.names or None, data=args.data, as_of=args.as_of, jobs=args.jobs,
        reports_dir=args.reports_dir,
    )


def _cmd_list(args: argparse.Namespace) -> int:
    from helpers import reporting

    print(reporting.format_notebook_list())
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from helpers import params

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
                   help="shape of the data: full, or one that real exports have "
                   "(see helpers.data_profiles)")
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
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("list", help="list the notebooks")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("params", help="show a notebook's parameters")
    p.add_argument("name")
    p.set_defaults(func=_cmd_params)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WorkbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
