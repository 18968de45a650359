"""Run pipeline, rendering, run records and the portal.

Most tests build notebooks and run records by hand, so they need no kernel. The
``executed_runs`` fixture executes the fixture notebooks twice with papermill (a good run,
then a run where one notebook fails) and several slow tests read its results.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
import types
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import helpers.data
from helpers.core.errors import ParamError, WorkbookError
from helpers.report import execute, history, lock, notebooks, outputs, portal, render, run, secrets

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
XSS = "<script>alert(1)</script>"
ENV_SECRET = "EnvSecret456"
URL_SECRET = "UrlSecret123"
PNG_1PX = base64.b64encode(
    bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                  "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
).decode()

WORKBOOK_YAML = """\
data_source: data/mine
mapping_file: ""
password_env: WORKBOOK_DB_PASSWORD
as_of: "2026-06-30"
currency: EUR
language: en
company_name: Fixture Industries
memory_limit: 1GB
run:
  cell_timeout: 120
  keep_runs: 5
"""


def make_project(root: Path, workbook_yaml: str = WORKBOOK_YAML) -> Path:
    """A project folder with the fixture notebooks and a non-default data folder."""
    (root / "params").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "data" / "mine").mkdir(parents=True)
    (root / "data" / "mine" / "accounts.csv").write_text("account_id\nA1\n", encoding="utf-8")
    (root / "data" / "mine" / "orders.csv").write_text(
        "order_id,account_id,order_date,amount\nO1,A1,2026-01-15,1200.50\n", encoding="utf-8")
    for nb in FIXTURES.glob("*.ipynb"):
        shutil.copy(nb, root / "notebooks" / nb.name)
    (root / "params" / "workbook.yaml").write_text(workbook_yaml, encoding="utf-8")
    return root


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBOOK_HOME", raising=False)
    return make_project(tmp_path)


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- rendering (no kernel)


def executed_notebook() -> nbformat.NotebookNode:
    """What papermill leaves behind, with every kind of output a report must handle."""
    params_cell = new_code_cell('data_source: str = "data/sample"  # where', execution_count=1,
                                metadata={"tags": ["parameters"]})
    injected = new_code_cell('# Parameters\ndata_source = "data/mine"\n', execution_count=2,
                             metadata={"tags": ["injected-parameters"]})
    table = new_code_cell("accounts.head()", execution_count=3, outputs=[
        new_output("stream", name="stdout", text=f"printed {XSS}\n"),
        new_output("stream", name="stderr", text="FutureWarning: noise on stderr\n"),
        new_output("display_data", data={
            "text/html": f"<table class='dataframe'><tr><td>&lt;b&gt;Acme&lt;/b&gt;</td></tr></table>{XSS}",
            "text/plain": "table"}),
        new_output("display_data", data={"text/markdown": f"Top account: **{XSS}**",
                                         "text/plain": "md"}),
        new_output("execute_result", data={"text/plain": f"'{XSS}'"}, execution_count=3),
    ])
    chart = new_code_cell("plot_something()", execution_count=4, outputs=[
        new_output("display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"}),
        new_output("display_data", data={"application/javascript": "alert(2)",
                                         "text/plain": "js"}),
    ])
    quiet = new_code_cell("x = 1  # no output", execution_count=5)
    crashed = new_code_cell("1/0", execution_count=6, outputs=[
        new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                   traceback=["ZeroDivisionError: division by zero"])])
    banner = new_markdown_cell('<span style="color:red">An Exception was encountered</span>',
                               metadata={"tags": ["papermill-error-cell-tag"]})
    return new_notebook(cells=[
        banner,
        new_markdown_cell("# Customer value\n\nWhat each account is worth."),
        params_cell, injected,
        new_markdown_cell("## Top accounts"), table,
        new_markdown_cell("### Revenue chart"), chart, quiet, crashed,
        new_markdown_cell("## Next steps"),
    ])


INFO = {"title": "Customer value", "company_name": "Fixture <Industries> & Co",
        "as_of": "2026-06-30", "run_id": "20261125T101500Z", "language": "en",
        "generated": "2026-11-25T10:15:00Z", "analyst_link": "customer_value.analyst.html"}


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    nb = executed_notebook()
    before = json.dumps(nb, sort_keys=True)
    pages = {aud: render.render_report(nb, audience=aud, info=INFO)
             for aud in ("management", "analyst")}
    assert json.dumps(nb, sort_keys=True) == before  # the executed notebook is not modified
    return pages


def test_management_page_has_no_code_prompts_parameters_or_errors(rendered):
    page = rendered["management"]
    assert "accounts.head()" not in page and "plot_something" not in page
    assert "data_source" not in page and "# Parameters" not in page
    assert "In\xa0[" not in page and "Out[" not in page and 'class="jp-InputPrompt' not in page
    assert "An Exception was encountered" not in page
    assert "ZeroDivisionError" not in page
    assert "noise on stderr" not in page
    assert "jp-mod-noOutputs" not in page  # cells without output are dropped


def test_management_page_is_offline_and_scriptless(rendered):
    page = rendered["management"].lower()
    assert "<script" not in page
    assert "<link" not in page
    assert "http://" not in page and "https://" not in page
    assert "alert(2)" not in page  # javascript outputs are not rendered


def test_management_page_has_toc_branding_and_inline_png(rendered):
    page = rendered["management"]
    assert '<nav aria-label="Contents" class="wb-toc">' in page or 'class="wb-toc"' in page
    assert '<a href="#Top-accounts">Top accounts</a>' in page
    assert '<a href="#Revenue-chart">Revenue chart</a>' in page
    assert '<a href="#Next-steps">Next steps</a>' in page
    assert "Fixture &lt;Industries&gt; &amp; Co" in page  # branding, escaped
    assert f"data:image/png;base64,{PNG_1PX}" in page
    assert 'href="customer_value.analyst.html"' in page


def test_user_strings_are_shown_as_text_never_as_markup(rendered):
    for page in rendered.values():
        assert XSS not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # stdout and text/html table
        assert "&lt;b&gt;Acme&lt;/b&gt;" in page                # pandas escaping survives
        assert "<strong>&lt;script&gt;" in page                 # markdown output sanitised


def test_analyst_page_keeps_code_and_stays_offline(rendered):
    page = rendered["analyst"]
    assert "accounts" in page and "head" in page and "plot_something" in page
    assert "In\xa0[4]:" in page and "Out[3]:" in page
    assert "ZeroDivisionError" in page  # analysts see the traceback
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "An Exception was encountered" not in page


def test_table_of_contents_falls_back_to_h1_and_escapes():
    body = '<h1 id="A">A &amp; B<a class="anchor-link" href="#A">¶</a></h1><h1 id="C">C</h1>'
    toc = render.table_of_contents(body)
    assert '<a href="#A">A &amp; B</a>' in toc and '<a href="#C">C</a>' in toc
    assert render.table_of_contents("<p>no headings</p>") == ""


def test_safe_html_keeps_tables_and_escapes_scripts():
    out = render.safe_html('<table><tr><th colspan="2">x</th></tr></table>'
                              '<img src="x" onerror="alert(1)"><a href="javascript:alert(1)">y</a>')
    assert '<th colspan="2">x</th>' in out
    assert "onerror" not in out and "javascript:" not in out


# --------------------------------------------------------------------------- secrets


def test_scrub_replaces_every_form_of_a_secret():
    secret = 'p@ss"w<rd'
    text = f'raw {secret} json {json.dumps(secret)} html p@ss&quot;w&lt;rd url p%40ss%22w%3Crd'
    clean = secrets.scrub(text, {secret})
    assert "p@ss" not in clean and "w&lt;rd" not in clean and "p%40ss" not in clean
    assert secrets.scrub("ab cd", {"ab"}) == "ab cd"  # too short to scrub safely


# --------------------------------------------------------------------------- notebooks' helpers


def test_record_headlines_and_exports_dir(tmp_path):
    np = pytest.importorskip("numpy")
    path = outputs.record_headlines(
        "customer_value",
        {"Active accounts": {"value": np.int64(1200), "unit": "accounts", "delta": -3},
         "Revenue": np.float64(2.5e6)},
        tmp_path,
    )
    assert path == tmp_path / "headlines" / "customer_value.json"
    assert json.loads(path.read_text()) == {
        "Active accounts": {"value": 1200, "unit": "accounts", "delta": -3},
        "Revenue": {"value": 2500000.0},
    }
    with pytest.raises(WorkbookError, match="card 'Bad' needs 'value'"):
        outputs.record_headlines("x", {"Bad": {"amount": 1}}, tmp_path)
    assert outputs.exports_dir(tmp_path) == tmp_path / "exports"
    assert (tmp_path / "exports").is_dir()


def test_format_notebook_list(project):
    (project / "params" / "ok.yaml").write_text("top_n: 2\n", encoding="utf-8")
    text = notebooks.format_notebook_list(project)
    assert "ok       Passing fixture  [params/ok.yaml]" in text
    assert "failing  Failing fixture  [(workbook.yaml only)]" in text


# --------------------------------------------------------------------------- run records and portal


def fake_run(reports: Path, run_id: str, notebooks: dict[str, str], **extra) -> Path:
    """Write a run folder as the runner would, with ``name -> status``."""
    folder = reports / run_id
    folder.mkdir(parents=True)
    record = {"run_id": run_id, "status": "ok", "started": "2026-11-25T10:00:00Z",
              "seconds": 12.0, "as_of": "2026-06-30", "company_name": "Fixture Industries",
              "notebooks": {}, **extra}
    for name, status in notebooks.items():
        if status == "ok":
            files = {"management": f"{name}.html", "analyst": f"{name}.analyst.html",
                     "notebook": f"{name}.ipynb"}
            for f in files.values():
                (folder / f).write_text(f"{run_id} {f}", encoding="utf-8")
        else:
            files = {"failed_notebook": f"{name}.failed.ipynb"}
            record["status"] = "failed"
        record["notebooks"][name] = {
            "title": f"Title of {name}", "status": status, "seconds": 1.0,
            "error": None if status == "ok" else f"ValueError: {XSS}", "parameters": {},
            "headlines": {"Accounts": {"value": 1234, "unit": "accounts", "delta": 5}},
            "files": files,
        }
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


def test_portal_links_last_good_report_and_escapes(tmp_path):
    reports = tmp_path / "reports"
    fake_run(reports, "20261120T080000Z", {"alpha": "ok", "beta": "ok"})
    fake_run(reports, "20261121T080000Z", {"alpha": "ok", "beta": "ok"})
    fake_run(reports, "20261122T080000Z", {"alpha": "failed", "beta": "ok"},
             company_name=f"ACME {XSS}")
    (reports / "scratch").mkdir()  # not a run: ignored
    page = portal.build_portal(reports).read_text(encoding="utf-8")

    latest = page.index("Latest run")
    assert page.index("20261122T080000Z") > latest
    assert 'href="20261121T080000Z/alpha.html"' in page  # last good report of the failed one
    assert "from run 20261121T080000Z" in page
    assert 'href="20261122T080000Z/alpha.failed.ipynb"' in page
    assert 'href="20261122T080000Z/beta.html"' in page
    assert 'href="20261122T080000Z/alpha.html"' not in page
    assert "1,234" in page and "+5" in page
    assert XSS not in page and "ACME &lt;script&gt;" in page
    history = page[page.index("Run history"):]
    assert history.index("20261122T080000Z") < history.index("20261121T080000Z") < \
        history.index("20261120T080000Z")
    assert "<script" not in page.lower() and "https://" not in page


def test_portal_keeps_notebooks_missing_from_the_latest_run(tmp_path):
    reports = tmp_path / "reports"
    fake_run(reports, "20261120T080000Z", {"alpha": "ok", "beta": "ok"})
    fake_run(reports, "20261121T080000Z", {"alpha": "ok"})
    page = portal.build_portal(reports).read_text(encoding="utf-8")
    assert "Other reports" in page
    assert 'href="20261120T080000Z/beta.html"' in page


def test_empty_portal(tmp_path):
    page = portal.build_portal(tmp_path / "reports").read_text(encoding="utf-8")
    assert "No reports yet" in page


def test_prune_keeps_newest_runs_and_every_last_good_report(tmp_path):
    reports = tmp_path / "reports"
    fake_run(reports, "20261101T000000Z", {"alpha": "ok", "beta": "ok"})   # pruned
    fake_run(reports, "20261102T000000Z", {"alpha": "ok", "beta": "ok"})   # beta's last good
    fake_run(reports, "20261103T000000Z", {"alpha": "ok", "beta": "failed"})  # pruned
    fake_run(reports, "20261103T000000Z-2", {"alpha": "ok", "beta": "failed"})  # newest
    removed = history.prune_runs(reports, keep=1)
    assert removed == ["20261103T000000Z", "20261101T000000Z"]
    assert sorted(p.name for p in reports.iterdir()) == ["20261102T000000Z", "20261103T000000Z-2"]


def test_run_ids_get_a_suffix_when_taken(tmp_path):
    import datetime as dt

    now = dt.datetime(2026, 11, 25, 10, 15, tzinfo=dt.UTC)
    assert history.new_run_id(tmp_path, now) == "20261125T101500Z"
    (tmp_path / "20261125T101500Z").mkdir()
    (tmp_path / ".staging-20261125T101500Z-2").mkdir()
    assert history.new_run_id(tmp_path, now) == "20261125T101500Z-3"


def test_parse_size_and_default_jobs():
    assert execute.parse_size("3GB") == 3 * 1024**3
    assert execute.parse_size("512 MiB") == 512 * 1024**2
    assert execute.parse_size("1.5g") == int(1.5 * 1024**3)
    assert execute.parse_size("lots") is None
    assert execute.default_jobs([None]) == (os.cpu_count() or 1)
    assert execute.default_jobs(["1000TB"]) == 1  # never zero, even when nothing fits


# --------------------------------------------------------------------------- run guards (no kernel)


def test_param_error_aborts_before_anything_is_touched(project):
    (project / "params" / "ok.yaml").write_text("top_m: 3\n", encoding="utf-8")
    (project / "params" / "failing.yaml").write_text("fail: maybe\n", encoding="utf-8")
    with pytest.raises(ParamError) as err:
        run.run_workbook(root=project)
    message = str(err.value)
    assert "params/ok.yaml: unknown parameter 'top_m'; did you mean 'top_n'?" in message
    assert "params/failing.yaml: parameter 'fail' must be a boolean" in message
    assert not (project / "reports").exists()


def test_unknown_notebook_name(project):
    with pytest.raises(ParamError, match=r"no notebook notebooks/okay.ipynb; did you mean 'ok'\?"):
        run.run_workbook(["okay"], root=project)


def test_lock_prevents_a_concurrent_run(project):
    reports = project / "reports"
    with lock.RunLock(reports / ".lock"):
        with pytest.raises(lock.RunLockedError) as err:
            run.run_workbook(root=project)
    assert str(err.value) == (
        f"another workbook run (pid {os.getpid()}) holds reports/.lock; wait for it to finish "
        "(the lock is released automatically when that process ends)"
    )
    assert sorted(p.name for p in reports.iterdir()) == [".lock"]
    lock.RunLock(reports / ".lock").acquire().release()  # free again afterwards


def test_default_data_source_builds_the_sample_world_first(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBOOK_HOME", raising=False)
    root = make_project(tmp_path, WORKBOOK_YAML.replace("data/mine", "data/sample")
                        + "sample:\n  accounts: 50\n  seed: 7\n")
    calls = []

    def generate_world(path, **kw):
        calls.append((Path(path), kw))
        raise WorkbookError("stop before executing")

    fake = types.SimpleNamespace(generate_world=generate_world,
                                 world_matches=lambda path, **kw: False)
    monkeypatch.setitem(sys.modules, "helpers.data.sample_world", fake)
    monkeypatch.setattr(helpers.data, "sample_world", fake, raising=False)
    with contextlib.redirect_stdout(io.StringIO()), pytest.raises(WorkbookError, match="stop"):
        run.run_workbook(["ok"], root=root)
    assert calls == [(root / "data" / "sample", {"accounts": 50, "seed": 7, "locale": "en"})]
    assert [p.name for p in (root / "reports").iterdir()] == [".lock"]


# --------------------------------------------------------------------------- end to end (papermill)


@pytest.fixture(scope="module")
def executed_runs(tmp_path_factory):
    """Run A: both notebooks pass. Run B: ``failing`` fails and the data URL has a password."""
    root = make_project(tmp_path_factory.mktemp("project"))
    reports = root / "reports"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("WORKBOOK_HOME", raising=False)
        mp.setenv("WORKBOOK_DB_PASSWORD", ENV_SECRET)
        (root / "params" / "failing.yaml").write_text("fail: false\n", encoding="utf-8")
        out_a = io.StringIO()
        with contextlib.redirect_stdout(out_a):
            code_a = run.run_workbook(root=root, jobs=2)
        run_a = next(p for p in reports.iterdir() if history.RUN_ID_RE.match(p.name))
        digest_a = tree_digest(run_a)

        (root / "params" / "failing.yaml").unlink()
        # no database behind this URL: run B is about secrets, not about reaching it
        mp.setattr(run, "check_data_sources", lambda params, cache_dir=None, root=None: len(params))
        out_b = io.StringIO()
        with contextlib.redirect_stdout(out_b), contextlib.redirect_stderr(io.StringIO()):
            code_b = run.run_workbook(
                root=root, data=f"postgresql://analyst:{URL_SECRET}@db.example.com/crm")
        env_after = os.environ.get("WORKBOOK_DB_PASSWORD")
    run_b = max((p for p in reports.iterdir() if history.RUN_ID_RE.match(p.name)),
                key=lambda p: history.run_sort_key(p.name))
    return types.SimpleNamespace(
        root=root, reports=reports, run_a=run_a, run_b=run_b, code_a=code_a, code_b=code_b,
        digest_a=digest_a, out_a=out_a.getvalue(), out_b=out_b.getvalue(), env_after=env_after,
        record_b=json.loads((run_b / "run.json").read_text(encoding="utf-8")),
    )


@pytest.mark.slow
def test_good_run_renders_everything(executed_runs):
    r = executed_runs
    assert r.code_a == 0
    names = {p.name for p in r.run_a.iterdir()}
    assert {"ok.html", "ok.analyst.html", "ok.ipynb", "failing.html", "failing.analyst.html",
            "failing.ipynb", "run.json", "exports"} <= names
    assert (r.run_a / "exports" / "accounts.csv").is_file()
    assert "headlines" not in names
    for line in ("ok ", "failing "):
        assert any(ln.strip().startswith(line) and " ok " in ln for ln in r.out_a.splitlines())
    assert not any(p.name.startswith(".staging-") for p in r.reports.iterdir())


@pytest.mark.slow
def test_failure_is_isolated_and_never_replaces_a_good_report(executed_runs):
    r = executed_runs
    assert r.code_b == 1
    assert tree_digest(r.run_a) == r.digest_a  # the earlier run is untouched, byte for byte
    names = {p.name for p in r.run_b.iterdir()}
    assert "failing.failed.ipynb" in names
    assert "failing.html" not in names and "failing.ipynb" not in names
    assert {"ok.html", "ok.analyst.html", "ok.ipynb"} <= names
    nbs = r.record_b["notebooks"]
    assert r.record_b["status"] == "failed"
    assert nbs["failing"]["status"] == "failed"
    assert nbs["failing"]["error"].startswith("ValueError: planted failure for the tests")
    assert nbs["ok"]["status"] == "ok"
    portal = (r.reports / "index.html").read_text(encoding="utf-8")
    assert f'href="{r.run_a.name}/failing.html"' in portal
    assert f'href="{r.run_b.name}/ok.html"' in portal
    assert "wb-badge-failed" in portal


@pytest.mark.slow
def test_run_record_has_parameters_fingerprint_versions_and_headlines(executed_runs):
    rec = executed_runs.record_b
    ok = rec["notebooks"]["ok"]
    assert ok["parameters"]["data_source"] == "postgresql://analyst@db.example.com/crm"
    assert ok["parameters"]["output_dir"] == f"reports/{executed_runs.run_b.name}"
    assert ok["parameters"]["company_name"] == "Fixture Industries"
    assert ok["headlines"]["Accounts"] == {"value": 2, "unit": "accounts", "delta": 1}
    assert rec["data"] and all(rec["data"].values())
    assert rec["packages"]["papermill"] and rec["packages"]["python"]
    assert rec["exports"] == ["accounts.csv"]
    assert ok["seconds"] > 0 and rec["started"] <= rec["finished"]


@pytest.mark.slow
def test_real_management_report(executed_runs):
    page = (executed_runs.run_b / "ok.html").read_text(encoding="utf-8")
    assert "import pandas" not in page and "record_headlines" not in page
    assert "top_n" not in page  # parameters and injected parameters are gone
    assert "to stderr" not in page
    assert "<script" not in page.lower() and "https://" not in page and "<link" not in page
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "data:image/png;base64," in page  # the matplotlib chart, inline
    assert '<a href="#Accounts-table">Accounts table</a>' in page
    assert "Fixture Industries" in page


@pytest.mark.slow
def test_credentials_never_reach_a_report(executed_runs):
    r = executed_runs
    for path in r.reports.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert ENV_SECRET.encode() not in data, path
            assert URL_SECRET.encode() not in data, path
    # the notebook printed both the data source and the password it received
    page = (r.run_b / "ok.analyst.html").read_text(encoding="utf-8")
    assert "env password: ***" in page
    assert "postgresql://analyst@db.example.com/crm" in page
    assert r.env_after == ENV_SECRET  # the kernel-only password variable was restored


def test_schedule_starts_the_longest_notebooks_first():
    runs = [  # newest first
        {"notebooks": {"a": {"status": "ok", "seconds": 10.0},
                       "b": {"status": "failed", "seconds": 1.0},
                       "c": {"status": "ok", "seconds": 40.0}}},
        {"notebooks": {"b": {"status": "ok", "seconds": 25.0},
                       "c": {"status": "ok", "seconds": 5.0}}},
    ]
    # new notebook d has no time yet, so it goes first; b's time is from its last good run
    assert history.schedule_order(["a", "b", "c", "d"], runs) == ["d", "c", "b", "a"]
    assert history.schedule_order(["a", "b"], []) == ["a", "b"]


def test_brief_layout_puts_the_summary_first_and_collapses_the_method():
    import nbformat

    from helpers.report.render import brief_layout

    nb = nbformat.v4.new_notebook()
    loading = nbformat.v4.new_code_cell("load()")
    loading.metadata["tags"] = ["method"]
    body = nbformat.v4.new_code_cell("analyse()")
    summary = nbformat.v4.new_code_cell("summary()")
    summary.metadata["tags"] = ["summary"]
    title = nbformat.v4.new_markdown_cell("# Report\n\nWhat it answers.")
    nb.cells = [title, loading, body, summary]
    managed = brief_layout(nbformat.from_dict(nb), management=True, method_title="How")
    kinds = [(c.cell_type, c.source[:9]) for c in managed.cells]
    assert kinds[:3] == [("code", "summary()"), ("markdown", "What it a"), ("code", "analyse()")]
    assert kinds[3][0] == "raw" and kinds[3][1].startswith("<details")
    assert kinds[4] == ("code", "load()") and managed.cells[5].source == "</details>"
    analyst = brief_layout(nbformat.from_dict(nb), management=False, method_title="How")
    assert [c.source for c in analyst.cells] == ["summary()", "What it answers.", "load()", "analyse()"]


def test_rendered_report_has_alt_texts_and_a_collapsed_method_section():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nbformat

    from helpers.presentation import plotting
    from helpers.report.render import render_report

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3e7, 4e7])
    figure = plotting.figure_html(fig, alt="Revenue rose from 30M to 40M", caption="Revenue")
    plt.close(fig)
    nb = nbformat.v4.new_notebook()
    chart = nbformat.v4.new_code_cell("chart")
    chart.outputs = [nbformat.v4.new_output("display_data", data={"text/html": figure})]
    method = nbformat.v4.new_markdown_cell("## Data\n\nLoaded 3 tables.")
    method.metadata["tags"] = ["method"]
    raw = nbformat.v4.new_raw_cell("<script>alert(1)</script>")
    raw.metadata["raw_mimetype"] = "text/html"
    nb.cells = [method, chart, raw]
    page = render_report(nb, audience="management",
                         info={"title": "T", "language": "en", "as_of": "2026-06-30"})
    assert 'alt="Revenue rose from 30M to 40M"' in page and "<figcaption>Revenue" in page
    assert '<details class="wb-method">' in page and "How this was computed" in page
    assert page.index("<figure") < page.index('<details class="wb-method">') < page.index("Loaded 3")
    assert "<script>alert" not in page
    assert "No description has been provided" not in page
