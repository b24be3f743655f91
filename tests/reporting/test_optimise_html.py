"""``optimise.html`` (sim/reporting/optimise_results.py and
templates/optimise_report.html.j2): written into the optimiser's results folder,
self-contained, naming the chosen rota, holding the comparison rows, escaping the file's
text, linking its files and the chosen rota's own run. One tiny run (the file of
tests/support/optimise.py) serves every check.
"""

from __future__ import annotations

import html

import pandas as pd
import pytest

import sim
from sim.common import formats
from sim.reporting.optimise_results import html_page, render_html
from tests.support.optimise import TINY, tiny

HOSTILE = "<script>alert('x')</script> & co"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("optimise_html")
    text = TINY.replace("name: tiny\n", f"name: tiny\n      description: \"{HOSTILE}\"\n")
    out = tmp / "out"
    result = sim.optimise(tiny(tmp, text), jobs=1, out=out, progress=False)
    return result, out


def test_page_is_written_names_the_rota_and_holds_the_comparison(run):
    result, out = run
    page = (out / "optimise.html").read_text(encoding="utf-8")
    assert result.best is not None and html.escape(result.best.label()) in page
    assert "data:image/png;base64," in page and "Kim" in page and "docs/optimise.md" in page
    assert "Spearman" in page and "delta" in page and "alpha" in page
    assert "src=\"http" not in page and "<link" not in page  # self-contained
    comparison = pd.read_csv(out / "comparison.csv")
    assert len(comparison)
    sections = {c["key"]: c for c in html_page(result)["comparisons"]}
    assert set(sections) == set(comparison.against)
    for _, r in comparison.iterrows():
        section = sections[r.against]
        if section["same_rota"]:  # the sweep's best is the pick: said in words, no rows
            assert "the plain sweep already finds it" in page
            continue
        row = next(x for x in section["rows"] if x["metric"] == r.metric)
        assert row["difference"].startswith(formats.console(r.mean_difference))  # the CSV's
        assert (f"<td>{html.escape(r.metric)}</td><td class=\"num\">"
                f"{html.escape(row['difference'])}</td>") in page
    assert "optimise.html" in (out / "manifest.json").read_text(encoding="utf-8")
    # The files, and the chosen rota's own run into the folder beside this one ("out").
    assert out.name == "out"
    assert '<a href="best_rota.yaml">' in page and '<a href="../out_best/report.html">' in page
    assert "crisis-sim run best_rota.yaml --out ../out_best" in page


def test_description_is_escaped(run):
    result, out = run
    assert result.spec.description == HOSTILE
    page = (out / "optimise.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in page
    assert "<script>" not in render_html(result)  # without the picture too
