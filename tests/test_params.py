"""Parameter layer: reading parameters cells, merging YAML, checking keys and types."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from helpers.core import params
from helpers.core.errors import ParamError

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"

WORKBOOK_YAML = """\
data_source: data/mine
mapping_file: ""
password_env: WORKBOOK_DB_PASSWORD
as_of: "2026-06-30"
currency: EUR
language: en
company_name: Test Group
memory_limit: 3GB
sample:
  accounts: 100
run:
  cell_timeout: 60
"""


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A project folder with the passing fixture notebook and a workbook.yaml."""
    monkeypatch.delenv("WORKBOOK_HOME", raising=False)
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()
    shutil.copy(FIXTURES / "ok.ipynb", tmp_path / "notebooks" / "ok.ipynb")
    (tmp_path / "params" / "workbook.yaml").write_text(WORKBOOK_YAML, encoding="utf-8")
    return tmp_path


def write(project: Path, rel: str, text: str) -> None:
    (project / rel).write_text(text, encoding="utf-8")


def test_notebook_parameters_reads_defaults_types_and_comments():
    found = params.notebook_parameters(FIXTURES / "ok.ipynb")
    assert found["top_n"] == {"default": 3, "type": "int", "help": "rows in the table"}
    assert found["share"]["type"] == "float"
    assert found["output_dir"]["default"] == "reports/scratch"
    assert set(params.SHARED_PARAMETERS) <= set(found)
    assert list(found)[0] == "data_source"  # cell order is kept


def test_merge_precedence(project):
    # notebook default < workbook.yaml < params/<name>.yaml < overrides
    write(project, "params/ok.yaml", "currency: USD\ntop_n: 7\nas_of: 2026-03-31\n")
    values = params.resolve_parameters("ok", {"as_of": "2026-01-31", "data_source": None},
                                       root=project)
    assert values["share"] == 0.5                    # notebook default
    assert values["company_name"] == "Test Group"   # workbook.yaml over notebook
    assert values["data_source"] == "data/mine"     # None override is ignored
    assert values["currency"] == "USD"              # params/ok.yaml over workbook.yaml
    assert values["top_n"] == 7
    assert values["as_of"] == "2026-01-31"          # command line over everything
    assert "sample" not in values and "run" not in values


def test_unquoted_yaml_date_becomes_iso_text_and_int_becomes_float(project):
    write(project, "params/ok.yaml", "as_of: 2026-03-31\nshare: 1\n")
    values = params.resolve_parameters("ok", root=project)
    assert values["as_of"] == "2026-03-31"
    assert values["share"] == 1.0 and isinstance(values["share"], float)


def test_unknown_key_names_file_key_and_closest_valid_key(project):
    write(project, "params/ok.yaml", "top_m: 5\n")
    with pytest.raises(ParamError) as err:
        params.resolve_parameters("ok", root=project)
    message = str(err.value)
    assert message.startswith(
        "params/ok.yaml: unknown parameter 'top_m'; did you mean 'top_n'? Valid keys: "
    )
    assert "data_source, mapping_file" in message


def test_unknown_key_without_close_match_lists_valid_keys(project):
    write(project, "params/ok.yaml", "zzzz: 1\n")
    with pytest.raises(ParamError, match=r"unknown parameter 'zzzz'\. Valid keys: data_source"):
        params.resolve_parameters("ok", root=project)


def test_typo_in_workbook_yaml_is_blamed_on_workbook_yaml(project):
    write(project, "params/workbook.yaml", WORKBOOK_YAML.replace("currency:", "curency:"))
    with pytest.raises(ParamError, match=r"^params/workbook.yaml: unknown parameter 'curency'; "
                                         r"did you mean 'currency'\?"):
        params.resolve_parameters("ok", root=project)


def test_shared_parameter_missing_from_notebook(project):
    write(project, "params/workbook.yaml", WORKBOOK_YAML + "region_filter: EMEA\n")
    with pytest.raises(ParamError, match="shared parameter 'region_filter' is missing from the "
                                         "parameters cell of notebooks/ok.ipynb"):
        params.resolve_parameters("ok", root=project)


def test_output_dir_belongs_to_the_runner(project):
    write(project, "params/ok.yaml", "output_dir: somewhere\n")
    with pytest.raises(ParamError, match="params/ok.yaml: output_dir is set by `workbook run`"):
        params.resolve_parameters("ok", root=project)


def test_unknown_command_line_override(project):
    with pytest.raises(ParamError, match="^command line: unknown parameter 'as_off'"):
        params.resolve_parameters("ok", {"as_off": "2026-01-01"}, root=project)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('top_n: "five"', r"params/ok.yaml: parameter 'top_n' must be an integer \(int\), got "
                          r"text 'five'; write the number without quotes"),
        ("top_n: true", r"parameter 'top_n' must be an integer \(int\), got a boolean True"),
        ("share: [1, 2]", r"parameter 'share' must be a number \(float\), got a list"),
        ("label: 12", r"parameter 'label' must be text \(str\), got an integer 12; quote it"),
        ("label:", r"parameter 'label' is empty"),
        ('as_of: "31/01/2026"', r"as_of must be a real date written YYYY-MM-DD, e.g. 2026-06-30; got .31/01/2026."),
    ],
)
def test_wrong_type_is_a_clear_error(project, line, expected):
    write(project, "params/ok.yaml", line + "\n")
    with pytest.raises(ParamError, match=expected):
        params.resolve_parameters("ok", root=project)


def test_malformed_yaml_names_file_and_line(project):
    write(project, "params/ok.yaml", "top_n: 3\nlabel: a: b\n")
    with pytest.raises(ParamError, match=r"^params/ok.yaml line 2: not valid YAML"):
        params.resolve_parameters("ok", root=project)


def test_yaml_that_is_not_a_mapping(project):
    write(project, "params/ok.yaml", "- top_n\n- 3\n")
    with pytest.raises(ParamError, match="params/ok.yaml: must be a mapping.*found a list"):
        params.resolve_parameters("ok", root=project)


def test_workbook_settings_fill_runner_defaults_and_check_them(project):
    settings = params.load_workbook_settings(project)
    assert settings["sample"] == {"accounts": 100, "seed": 42, "locale": "en"}
    assert settings["run"] == {"cell_timeout": 60, "keep_runs": 20}
    assert "run" not in params.shared_parameters(settings)

    write(project, "params/workbook.yaml", WORKBOOK_YAML.replace("cell_timeout", "cell_timout"))
    with pytest.raises(ParamError, match=r"unknown setting 'run.cell_timout'; did you mean "
                                         r"'run.cell_timeout'\?"):
        params.load_workbook_settings(project)
    write(project, "params/workbook.yaml", WORKBOOK_YAML.replace("accounts: 100", "accounts: many"))
    with pytest.raises(ParamError, match="'sample.accounts' must be an integer"):
        params.load_workbook_settings(project)


def test_missing_workbook_yaml(tmp_path):
    with pytest.raises(ParamError, match="params/workbook.yaml not found"):
        params.load_workbook_settings(tmp_path)


def test_unknown_notebook_suggests_a_name(project):
    with pytest.raises(ParamError, match=r"no notebook notebooks/okk.ipynb; did you mean 'ok'\?"):
        params.resolve_parameters("okk", root=project)


def _notebook_with_parameters(path: Path, source: str, tagged: bool = True) -> Path:
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"] if tagged else []})
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    return path


def test_parameters_cell_must_hold_literals(tmp_path):
    nb = _notebook_with_parameters(tmp_path / "x.ipynb", "n: int = 3\nm: int = n + 1\n")
    with pytest.raises(ParamError, match="parameter 'm' must default to a literal"):
        params.notebook_parameters(nb)
    nb = _notebook_with_parameters(tmp_path / "x.ipynb", "import os\n")
    with pytest.raises(ParamError, match="line 1: only 'name: type = literal' assignments"):
        params.notebook_parameters(nb)


def test_notebook_without_parameters_cell(tmp_path):
    nb = _notebook_with_parameters(tmp_path / "x.ipynb", "n: int = 3\n", tagged=False)
    with pytest.raises(ParamError, match="no code cell tagged 'parameters'"):
        params.notebook_parameters(nb)


def test_optional_annotation_accepts_none(tmp_path):
    nb = _notebook_with_parameters(tmp_path / "x.ipynb", "limit: int | None = None  # cap\n")
    spec = params.notebook_parameters(nb)["limit"]
    assert spec == {"default": None, "type": "int | None", "help": "cap"}
    assert params.check_value("limit", None, spec["type"], "f") is None
    assert params.check_value("limit", 4, spec["type"], "f") == 4


def test_split_url_password():
    assert params.split_url_password("postgresql://ana:s%40cret@db:5432/crm") == (
        "postgresql://ana@db:5432/crm", "s@cret")
    assert params.split_url_password("postgresql://ana@db/crm") == ("postgresql://ana@db/crm", None)
    assert params.split_url_password("data/sample") == ("data/sample", None)


def test_describe_parameters_shows_values_origins_help_and_hides_passwords(project):
    write(project, "params/ok.yaml",
          "top_n: 9\ndata_source: postgresql://ana:TopSecret1@db/crm\n")
    text = params.describe_parameters("ok", root=project)
    assert "params/ok.yaml exists" in text
    assert "top_n" in text and "= 9   [params/ok.yaml]" in text
    assert "rows in the table" in text
    assert "[params/workbook.yaml]" in text  # company_name comes from there
    assert "TopSecret1" not in text
    assert "postgresql://ana@db/crm" in text


def test_an_interactive_run_gets_the_scheduled_parameters(tmp_path, monkeypatch):
    import shutil

    from helpers.core.params import SCHEDULED_ENV, notebook_parameters
    from helpers.report.interactive import project_parameters

    repo = Path(__file__).parents[1]
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "params").mkdir()
    shutil.copy(repo / "notebooks" / "data_overview.ipynb", tmp_path / "notebooks")
    (tmp_path / "params" / "workbook.yaml").write_text(
        "data_source: data/crm\nlanguage: zh\nas_of: '2026-03-31'\n", encoding="utf-8")
    (tmp_path / "params" / "data_overview.yaml").write_text("top_categories: 4\n", encoding="utf-8")
    defaults = {k: v["default"] for k, v in
                notebook_parameters(tmp_path / "notebooks" / "data_overview.ipynb").items()}
    monkeypatch.delenv(SCHEDULED_ENV, raising=False)
    ns = dict(defaults)
    line = project_parameters("data_overview", ns, root=tmp_path)
    assert (ns["data_source"], ns["language"], ns["as_of"], ns["top_categories"]) == (
        "data/crm", "zh", "2026-03-31", 4)
    assert ns["output_dir"] == defaults["output_dir"]
    assert "data/crm" in line and "2026-03-31" in line and "zh" in line
    # a value papermill injected (or the analyst typed) differs from the default and wins
    ns = {**defaults, "as_of": "2025-12-31"}
    project_parameters("data_overview", ns, root=tmp_path)
    assert ns["as_of"] == "2025-12-31" and ns["language"] == "zh"
    # the runner's kernels hold resolved values already
    monkeypatch.setenv(SCHEDULED_ENV, "1")
    ns = dict(defaults)
    project_parameters("data_overview", ns, root=tmp_path)
    assert ns == defaults


def test_as_of_date_reads_what_notebooks_hand_over():
    import datetime as dt

    import pandas as pd

    day = dt.date(2025, 6, 30)
    for value in ("2025-06-30", day, dt.datetime(2025, 6, 30, 13, 5), pd.Timestamp("2025-06-30")):
        assert params.as_of_date(value) == day
    assert params.as_of_end("2025-06-30") == dt.datetime(2025, 7, 1)
    with pytest.raises(ParamError, match="is not a date; write it like"):
        params.as_of_date("someday")
    with pytest.raises(ParamError, match="as_of is missing"):
        params.as_of_date(None)
