"""report.html, economics.csv and economics.xlsx: written beside the other outputs,
self-contained, escaped, rendered from the package's templates, and the console's
funding-case verdict."""

from __future__ import annotations

import ast
import base64
import re
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import cli
from sim.common.yamlio import yaml_comments
from sim.economics import funding as E
from sim.economics import psa as P
from sim.reporting.report import render_report
from sim.reporting.report.render import TEMPLATE, environment
from sim.reporting.results import write_results
from tests.support.paths import ROOT, SCENARIOS

NAMES = ("no_car", "cpft_one_car", "cpft_two_cars")
PNG = b"\x89PNG\r\n\x1a\n"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _tags(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(text)
    return parser.tags


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    scen = [sim.load_scenario(SCENARIOS / f"{n}.yaml") for n in NAMES]
    result = sim.compare(scen, baseline="no_car", reps=2, weeks=2, progress=False)
    psa = P.run_psa(result, E.compute(result), draws=3, reps=1)
    out = tmp_path_factory.mktemp("run")
    write_results(result, out, sources={n: str(SCENARIOS / f"{n}.yaml") for n in NAMES},
                  command=["test"], psa=psa)
    return out


def test_funding_case_files_are_written_beside_the_others(run_dir):
    for name in ("economics.csv", "economics.xlsx", "report.html", "psa_draws.csv", "ceaf.csv",
                 "frontier.csv", "evpi.csv", "evppi.csv", "tornado.csv", "switching_values.csv",
                 "convergence.csv", "cost_consequence.csv", "ledger.csv",
                 "plots/economics_perspectives.png", "plots/economics_tornado.png",
                 "plots/economics_ceaf.png"):
        assert (run_dir / name).is_file(), name
    assert list(run_dir.glob("**/*.tmp*")) == []
    table = pd.read_csv(run_dir / "economics.csv")
    assert list(table.columns) == E.COLUMNS
    assert set(zip(table.scenario, table.comparator, strict=True)) == {
        ("cpft_one_car", "no_car"), ("cpft_two_cars", "no_car"),
        ("cpft_two_cars", "cpft_one_car")}
    assert set(table.measure) == set(E.MEASURE_NAMES)
    assert {"public_sector", "nhs", "police"} <= set(table.perspective)
    assert set(table.basis) == {"expected", "at_means"}


def test_workbook_has_summary_and_funding_case_sheets(run_dir):
    from openpyxl import load_workbook

    wb = load_workbook(run_dir / "economics.xlsx")
    assert wb.sheetnames[:2] == ["Summary", "Economics"]
    assert {"Ledger", "Unit costs", "Per replication", "Cost-consequence", "Frontier", "EVPI",
            "EVPPI", "Tornado", "Switching values", "Convergence", "CEAF"} <= set(wb.sheetnames)
    summary = [str(c.value) for row in wb["Summary"].iter_rows() for c in row if c.value]
    assert "cpft_two_cars vs cpft_one_car" in summary
    assert "net_benefit" in summary and "the NHS" in summary
    rows = list(wb["Economics"].iter_rows(values_only=True))
    assert list(rows[0]) == E.COLUMNS
    assert len(rows) == 1 + len(pd.read_csv(run_dir / "economics.csv"))
    # a payback that never comes is the word "never", not a broken number
    payback = [r[6] for r in rows[1:] if r[3] == "payback_years"]
    assert all(v == "never" or isinstance(v, float | int) for v in payback)
    money = [c for c in wb["Summary"]["D"] if isinstance(c.value, float)]
    assert any("£" in c.number_format for c in money)


def test_report_is_self_contained(run_dir):
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    tags = _tags(text)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object", "embed")]
    for tag, attrs in tags:
        for key in ("src", "href", "srcset", "poster", "data"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("data:", "#")), (tag, key, value[:60])
    assert "url(" not in text and "@import" not in text
    images = [a["src"] for t, a in tags if t == "img"]
    assert len(images) >= 8  # run plots and funding-case figures
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)


def test_report_answers_the_question_with_numbers(run_dir):
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    for section in ("The question and the answer", "Scenarios compared", "Headline results",
                    "Where and why calls go unmet", "The funding case",
                    "Sensitivity: which inputs the answer hinges on",
                    "Assumptions and their sources", "Run manifest"):
        assert f">{section}</h2>" in text, section
    assert "Should we fund a response car, a second car, or neither, and who gains?" in text
    # No control room in this run: the question points to the scenarios that have one.
    assert "control-room practitioners (alone" not in text
    assert "<code>scenarios/control_room.yaml</code>" in text
    assert "Funding cpft_two_cars (Car 1 on the Cambridgeshire rota" in text
    assert "instead of cpft_one_car (One response car)" in text
    assert re.search(r"expected net benefit to the public sector -?£[\d,]+ a year over 5 "
                     r"years \(95% range", text)
    assert "for the NHS alone" in text and "officer time valued, not cash" in text
    assert "Who pays for what" in text and "Cost-consequence" in text
    assert "Switching values" in text and "acceptability frontier" in text
    assert "The value of information" in text and "EVPI" in text
    # assumptions carry their sources from the scenario files' comments
    assert "Centre for Mental Health" in text and "PSSRU" in text
    assert "costs.s136_detention" in text
    assert "2024 prices" in text


def test_report_says_when_the_sensitivity_analysis_was_not_run():
    scen = [sim.load_scenario(SCENARIOS / f"{n}.yaml") for n in NAMES[:2]]
    result = sim.compare(scen, baseline="no_car", reps=2, weeks=1, progress=False)
    page = render_report(result, E.compute(result), None, figures={})
    assert "The sensitivity analysis was not run" in page
    assert "The probabilistic sensitivity analysis was not run" in page


HOSTILE = "<script>alert(1)</script>"


def test_report_escapes_names_descriptions_and_comments(tmp_path):
    file = tmp_path / "hostile.yaml"
    file.write_text(
        "name: hostile\n"
        "description: \"Tom & Jerry's <b>car</b>\"\n"
        f"extends: {SCENARIOS / 'cpft_one_car.yaml'}\n"
        "demand:\n  calls_per_day: 9  # <i>made up</i> & unsourced [U]\n", encoding="utf-8")
    # a name the schema may refuse still comes out escaped (model_copy does not validate)
    hostile = sim.load_scenario(file).model_copy(update={"name": HOSTILE})
    scen = [sim.load_scenario(SCENARIOS / "no_car.yaml"), hostile]
    result = sim.compare(scen, baseline="no_car", reps=2, weeks=1, progress=False)
    page = render_report(result, E.compute(result), None, figures={},
                         sources={HOSTILE: str(file)})
    assert HOSTILE not in page and "<b>car</b>" not in page and "<i>made up" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Tom &amp; Jerry" in page and "&lt;b&gt;car&lt;/b&gt;" in page
    assert "&lt;i&gt;made up&lt;/i&gt; &amp; unsourced [U]" in page
    assert not [t for t, _ in _tags(page) if t == "script"]
    parser = _Tags()
    parser.feed(page)
    text = "".join(parser.text)
    assert HOSTILE in text and "Tom & Jerry's <b>car</b>" in text  # shown as written
    assert f"Funding {HOSTILE} (Tom & Jerry's <b>car</b>) instead of no_car" in text


def test_templates_are_found_in_the_installed_package():
    folder = files("sim.reporting") / "templates"
    names = [TEMPLATE, *(f"report/{p.name}" for p in (folder / "report").iterdir()
                         if p.name.endswith(".j2"))]
    assert "report/funding.html.j2" in names
    env = environment()
    assert set(names) <= set(env.list_templates())  # through the package loader
    assert env.autoescape is True
    for name in names:  # nothing marked safe: every value is escaped
        source = env.loader.get_source(env, name)[0]
        assert not re.search(r"\|\s*safe\b|Markup|autoescape\s+false", source), name
    # a wheel (non-editable install) ships them: pyproject's package data covers each one
    tomllib = pytest.importorskip("tomllib")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = {p.relative_to(ROOT / "sim" / "reporting" / "templates").as_posix()
               for g in data["tool"]["setuptools"]["package-data"]["sim"]
               if g.startswith("reporting/templates") for p in (ROOT / "sim").glob(g)}
    assert set(names) <= shipped, set(names) - shipped


def test_the_report_computes_no_economics():
    """The funding case and the PSA arrive computed (sim/reporting/results.py)."""
    report = ROOT / "sim" / "reporting"
    for path in [*sorted((report / "report").glob("*.py")), report / "funding_case.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    for a in node.names}
        assert not imported & {"compute", "run_psa"}, path.name
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                    for m in ast.walk(n) if isinstance(m, ast.Import | ast.ImportFrom)], \
            f"{path.name}: imports inside a function"


def test_yaml_comments_follow_extends(tmp_path):
    (tmp_path / "_p.yaml").write_text(
        "# the demand\ndemand:\n  # ten a day [D]\n  calls_per_day: 10\n"
        "  hourly_profile: flat   # no shape [U]\ncosts:\n  price_year: 2013\n",
        encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        "extends: _p.yaml\ndemand:\n  calls_per_day: 12  # more [U]\n", encoding="utf-8")
    comments = yaml_comments(tmp_path / "c.yaml")
    assert comments["demand"] == "the demand"
    assert comments["demand.calls_per_day"] == "more [U]"
    assert comments["demand.hourly_profile"] == "no shape [U]"
    assert "costs.price_year" not in comments


def test_cli_prints_the_verdict_and_writes_the_funding_case(tmp_path, capsys):
    out = tmp_path / "run"
    files = [str(SCENARIOS / f"{n}.yaml") for n in NAMES]
    code = cli.main([*files, "--reps", "2", "--weeks", "1", "--jobs", "1", "--psa", "2",
                     "--psa-reps", "1", "--no-plots", "--out", str(out)])
    assert code == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "The appraisal (£ a year at 2024 prices" in printed
    for s, c in (("cpft_one_car", "no_car"), ("cpft_two_cars", "no_car"),
                 ("cpft_two_cars", "cpft_one_car")):
        assert re.search(rf"Funding {s} \([^)]*\) instead of {c} \([^)]*\): expected net "
                         r"benefit to the public sector -?£[\d,]+ a year over 5 years \(95% "
                         r"range -?£[\d,]+ to -?£[\d,]+\), positive in \d+% of plausible "
                         r"worlds", printed)
    assert "expected values over 2 draws of the uncertain inputs" in printed
    assert "sensitivity analysis: 2 draws x 1 replication(s)" in printed
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Plots were not drawn" in page and "<img" not in page
    assert (out / "economics.xlsx").is_file()


def test_cli_psa_0_skips_the_analysis(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main([str(SCENARIOS / "no_car.yaml"), str(SCENARIOS / "cpft_one_car.yaml"),
                     "--reps", "2", "--weeks", "1", "--jobs", "1", "--psa", "0", "--no-plots",
                     "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "(sensitivity analysis not run: no expected values; see report.html)" in printed
    assert not (out / "tornado.csv").exists()
    assert "The sensitivity analysis was not run" in (out / "report.html").read_text()


def test_cli_psa_flag_is_refused_for_sweep_files(capsys):
    sweep = SCENARIOS / "sweeps" / "cars_by_demand.yaml"
    assert cli.main([str(sweep), "--psa", "5"]) == 2
    assert "--psa: applies to scenario files only" in capsys.readouterr().err
