"""The optimiser's results folder and its plain-text summary.

The run itself is ``sim/experiments/optimise/run.py``; ``sim.optimise`` (``sim/api.py``) and
``crisis-sim optimise`` (``sim/cli/optimise.py``) run it and then write here. Files::

    optimise.csv          every candidate rota: screen estimate and rank, stage
                          (screened_out, screen_check, eliminated, infeasible, best,
                          not_separated), replications used and simulated, the objective a
                          year with its 95% interval, and whether it is indistinguishable
                          from the pick
    best_rota.yaml        the chosen rota as a runnable scenario file (the base, merged)
    comparison.csv        paired differences a year: the pick minus the shipped rota and
                          minus the best rota of the plain start-hour sweep
    compared.csv          mean and 95% interval a year of each compared rota
    by_hour_of_week.csv   calls, attended and unmet calls a week by hour, cars on shift
    optimise.png          the chosen rota against demand and unmet calls
                          (``sim/reporting/optimise_plots.py``)
    optimise.html         the report section: question, answer, comparisons, the
                          indistinguishable set, the screen's accuracy, the method, links
                          to the files and to the chosen rota's own run report
                          (``sim/reporting/templates/optimise_report.html.j2``; self-contained)
    summary.txt           what ``crisis-sim optimise`` prints
    manifest.json         versions, settings, counts, timing, the method's constants
    .tasks/               the finished task store (``--resume`` reads a copy of it)

The folder is replaced whole (``sim/common/folders.py``). Only ``manifest.json`` holds clock
times: a run resumed after a kill writes the other files as an uninterrupted run does.
"""

from __future__ import annotations

import base64
import json
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from sim.common import formats
from sim.common.atomic import write_csv, write_text
from sim.common.folders import moved, replace_folder
from sim.experiments.optimise.run import COMPARE_FIRST, OptimiseResult
from sim.experiments.optimise.store import TASKS_DIR, Store
from sim.reporting.optimise_plots import write_optimise_plot
from sim.reporting.report.render import environment
from sim.reporting.results import git_revision, random_streams_info, system_info, versions

MAX_LISTED = 12
"""Rotas of the indistinguishable set printed in the summary (all are in optimise.csv)."""

HTML_TEMPLATE = "optimise_report.html.j2"
MAX_HTML_LISTED = 50
"""Rotas of the indistinguishable set listed on ``optimise.html`` (all are in optimise.csv)."""


def _value(v: float, unit: str) -> str:
    if unit.startswith("£"):
        return formats.money(v)
    return formats.console(v)


def _amount(v: float, unit: str) -> str:
    """``3 detentions a year`` or ``£10,000 a year``."""
    if unit.startswith("£"):
        return f"{formats.money(v)}{unit[1:]}"
    return f"{v:g} {unit}"


def _interval(mean: float, low: float, high: float, unit: str) -> str:
    if unit.startswith("£"):
        return f"{formats.money(mean)} [{formats.money(low)}, {formats.money(high)}]"
    return formats.interval(mean, low, high)


def summary_text(result: OptimiseResult) -> str:
    """What the run found, in plain words (printed, and written as ``summary.txt``)."""
    sp = result.spec
    obj = sp.objective
    lines = []
    n = len(result.candidates)
    table = result.table
    lines.append(f"Optimise {sp.name}: {n:,} candidate rotas for {sp.cars} car"
                 f"{'s' if sp.cars > 1 else ''} ({_hours(sp)} car-hours a week); objective: "
                 f"{obj.direction}imise {obj.name} ({obj.unit}), delta "
                 f"{_amount(sp.delta, obj.unit)}, alpha {sp.alpha:g}.")
    for cover in sp.covers:
        lines.append(f"  constraint: {cover.label()}")
    for c in sp.constraints:
        lines.append(f"  constraint: {c.label()} (tolerance {c.tolerance:g})")
    sp_rho = result.spearman
    screen = (f"Screen (modified offered load): kept {len(result.kept):,} of {n:,}"
              if len(result.kept) < n else "Screen: none (every rota went to the selection)")
    if "simulated" in sp_rho:
        screen += (f"; its ranking against {sp.first_stage} simulated replications: Spearman "
                   f"{sp_rho['simulated']:.3f} over {sp_rho['simulated_n']} rotas")
        if "check" in sp_rho:
            screen += (f" ({sp_rho['check']:.3f} over the {sp_rho['check_n']} screened-out "
                       "rotas simulated as a check)")
    lines.append(screen + ".")
    sel = result.selection
    if sel is not None:
        spent = int(sel.simulated.sum())
        lines.append(f"Selection (KN, Kim & Nelson 2001): {len(result.kept):,} rotas, "
                     f"{spent:,} replications, {sel.stages} stages.")
    best = result.best
    if best is None:
        lines.append("No rota was chosen: " + "; ".join(result.notes))
        return "\n".join(lines) + "\n"
    row = table[table.candidate == best.index].iloc[0]
    lines.append("")
    lines.append(f"Chosen rota: {best.label()}  (candidate {best.index})")
    lines.append(f"  {obj.name}: {_interval(row.estimate, row.ci_low, row.ci_high, obj.unit)} "
                 f"a year over {int(row.replications)} replications (selection stage)")
    if result.selection is not None and result.selection.guaranteed:
        scope = ("of every candidate" if len(result.kept) == n else
                 f"of the {len(result.kept):,} rotas the screen kept")
        lines.append(f"  Guarantee: with probability at least {1 - sp.alpha:.0%} it is within "
                     f"{_amount(sp.delta, obj.unit)} of the best {scope}.")
    same = [i for i in result.indistinguishable if i != best.index]
    lines.append(f"Not distinguishable from it: {len(same)} more rota"
                 f"{'s' if len(same) != 1 else ''} that the pick cannot be shown to beat "
                 f"(paired, {1 - sp.alpha:.0%} jointly); the pick minus each, a year, with "
                 "a one-sided bound on it:")
    shown = table.set_index("candidate").loc[same] if same else table.iloc[0:0]
    shown = shown.sort_values("best_minus_this", ascending=obj.direction == "max")
    for i, r in shown.head(MAX_LISTED).iterrows():
        lines.append(f"  {r.rota:<44} {_value(r.best_minus_this, obj.unit)} (bound "
                     f"{_value(r.best_minus_this_bound, obj.unit)}; {int(r.paired_replications)} "
                     f"replications; candidate {i})")
    if len(shown) > MAX_LISTED:
        lines.append(f"  ... and {len(shown) - MAX_LISTED} more (indistinguishable in "
                     "optimise.csv)")
    comp = result.comparison
    if len(comp):
        compared = result.compared
        labels = dict(zip(compared.scenario, compared.rota, strict=False))
        lines.append("")
        lines.append(f"On {sp.compare_reps} fresh replications (numbers {COMPARE_FIRST:,} on: no "
                     "selection decision saw them), a year, 95% intervals:")
        own = compared[compared.metric == obj.name].set_index("scenario")
        for name, what in (("best", "chosen"), ("shipped", "shipped"),
                           (result.sweep_best, "start-hour sweep's best")):
            if name in own.index:
                r = own.loc[name]
                lines.append(f"  {what:<24} {obj.name} "
                             f"{_interval(r['mean'], r.ci_low, r.ci_high, obj.unit)}  "
                             f"({labels[name]})")
        for against in comp["against"].unique():
            if against != "shipped" and labels.get(against) == labels.get("best"):
                lines.append("  The start-hour sweep's best is the chosen rota itself: the "
                             "plain sweep already finds it here.")
                continue
            name = "shipped rota" if against == "shipped" else "start-hour sweep's best"
            lines.append(f"  chosen minus the {name}, paired:")
            for _, r in comp[comp.against == against].iterrows():
                unit = obj.unit if r.metric == obj.name else ""
                lines.append(f"    {r.metric:<22} "
                             f"{_interval(r.mean_difference, r.ci_low, r.ci_high, unit)}")
    for note in result.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"


FILE_TITLES = (
    ("best_rota.yaml", "the chosen rota as a runnable scenario file"),
    ("optimise.csv", "every candidate rota: screen estimate, stage, replications, estimate"),
    ("comparison.csv", "paired differences a year against the shipped rota and the sweep"),
    ("compared.csv", "mean and 95% interval a year of each compared rota"),
    ("by_hour_of_week.csv", "calls, attended and unmet calls by hour of week (the picture)"),
    ("optimise.png", "the chosen rota against hour-of-week demand and unmet calls"),
    ("summary.txt", "what crisis-sim optimise printed"),
    ("manifest.json", "settings, counts, the method's constants, timing"),
)
"""The results folder's files that ``optimise.html`` links to (relative links), in order."""
RUN_SUFFIX = "_best"
"""``crisis-sim run`` of the chosen rota is suggested into ``<results folder>_best`` beside
the optimiser's folder, so that ``optimise.html`` can link its ``report.html``."""


def _links(result: OptimiseResult, png: bool, folder: str | None) -> dict[str, Any]:
    """The files of the results folder and the chosen rota's own run, as relative links."""
    present = {"optimise.csv", "comparison.csv", "compared.csv", "summary.txt",
               "manifest.json"}
    if result.best_scenario is not None:
        present.add("best_rota.yaml")
    if len(result.by_hour):
        present.add("by_hour_of_week.csv")
    if png:
        present.add("optimise.png")
    files = [{"href": name, "name": name, "what": what} for name, what in FILE_TITLES
             if name in present]
    run = None
    if result.best_scenario is not None and folder:
        target = f"{folder}{RUN_SUFFIX}"
        run = {"command": f"crisis-sim run best_rota.yaml --out ../{target}",
               "folder": f"../{target}/", "report": f"../{target}/report.html"}
    return {"files": files, "chosen_run": run}


def html_page(result: OptimiseResult, png: bytes | None = None, folder: str | None = None
              ) -> dict[str, Any]:
    """The data of ``optimise.html``, formatted and apart from its markup.

    ``png`` is ``optimise.png`` (embedded as a ``data:`` URI), or None when not drawn.
    ``folder`` is the name of the results folder the page is written to: with it the page
    says how to run the chosen rota into ``../<folder>_best`` and links that run's
    ``report.html``. ``files`` links the folder's other files (``best_rota.yaml`` first).
    """
    sp = result.spec
    obj = sp.objective
    n = len(result.candidates)
    table = result.table
    sel = result.selection
    best = result.best
    constraints = [c.label() for c in sp.covers] + [
        f"{c.label()} (tolerance {c.tolerance:g})" for c in sp.constraints]
    question = {
        "budget": f"{sp.cars} car{'s' if sp.cars > 1 else ''}, {_hours(sp)} car-hours a week",
        "objective": f"{'maximise' if obj.direction == 'max' else 'minimise'} {obj.name} "
                     f"({obj.unit})",
        "constraints": constraints,
        "delta": _amount(sp.delta, obj.unit),
        "alpha": f"{sp.alpha:g}", "confidence": formats.percent(1 - sp.alpha),
        "candidates": f"{n:,}",
    }
    answer: dict[str, Any] | None = None
    if best is not None:
        row = table[table.candidate == best.index].iloc[0]
        guaranteed = sel is not None and sel.guaranteed
        answer = {
            "rota": best.label(), "candidate": best.index,
            "estimate": _interval(row.estimate, row.ci_low, row.ci_high, obj.unit),
            "replications": f"{int(row.replications):,}",
            "guarantee": (f"With probability at least {formats.percent(1 - sp.alpha)} it is "
                          f"within {_amount(sp.delta, obj.unit)} of the best "
                          + ("of every candidate." if len(result.kept) == n else
                             f"of the {len(result.kept):,} rotas the screen kept.")
                          ) if guaranteed else None,
        }
    same: list[dict[str, str]] = []
    if best is not None:
        others = [i for i in result.indistinguishable if i != best.index]
        shown = table.set_index("candidate").loc[others] if others else table.iloc[0:0]
        shown = shown.sort_values("best_minus_this", ascending=obj.direction == "max")
        for i, r in shown.head(MAX_HTML_LISTED).iterrows():
            same.append({"candidate": str(i), "rota": str(r.rota),
                         "estimate": _interval(r.estimate, r.ci_low, r.ci_high, obj.unit),
                         "difference": _value(r.best_minus_this, obj.unit),
                         "bound": _value(r.best_minus_this_bound, obj.unit),
                         "replications": f"{int(r.paired_replications):,}"})
    labels = dict(zip(result.compared.scenario, result.compared.rota, strict=False))
    compared = []
    own = result.compared[result.compared.metric == obj.name].set_index("scenario")
    for name, what in (("best", "chosen"), ("shipped", "shipped"),
                       (result.sweep_best, "start-hour sweep's best")):
        if name in own.index:
            r = own.loc[name]
            compared.append({"what": what, "rota": str(labels.get(name, "")),
                             "value": _interval(r["mean"], r.ci_low, r.ci_high, obj.unit)})
    comparisons = []
    comp = result.comparison
    for against in (comp["against"].unique() if len(comp) else []):
        same_rota = against != "shipped" and labels.get(against) == labels.get("best")
        rows = [{"metric": str(r.metric),
                 "difference": _interval(r.mean_difference, r.ci_low, r.ci_high,
                                         obj.unit if r.metric == obj.name else ""),
                 "n": f"{int(r.n):,}"}
                for _, r in comp[comp.against == against].iterrows()]
        comparisons.append({
            "key": str(against), "against": "the shipped rota" if against == "shipped" else
                       "the start-hour sweep's best",
            "rota": str(labels.get(against, against)), "same_rota": same_rota,
            "rows": [] if same_rota else rows})
    rho = result.spearman
    screen = {"kept": f"{len(result.kept):,}", "screened": len(result.kept) < n,
              "spearman": f"{rho['simulated']:.3f}" if "simulated" in rho else None,
              "spearman_n": str(rho.get("simulated_n", "")),
              "check": f"{rho['check']:.3f}" if "check" in rho else None,
              "check_n": str(rho.get("check_n", "")),
              "first_stage": f"{sp.first_stage:,}"}
    spent = {"selection": f"{int(sel.simulated.sum()):,}" if sel is not None else "0",
             "stages": str(sel.stages) if sel is not None else "0",
             "compare": f"{sp.compare_reps:,}", "compared": str(len(own))}
    return {
        "name": sp.name, "description": sp.description or "", "question": question,
        "answer": answer, "picture": ("data:image/png;base64,"
                                      + base64.b64encode(png).decode("ascii")) if png else None,
        "compared": compared, "comparisons": comparisons, "compare_first": f"{COMPARE_FIRST:,}",
        "indistinguishable": same, "more_indistinguishable":
            max(0, len(result.indistinguishable) - 1 - len(same)) if best else 0,
        "screen": screen, "spent": spent, "notes": list(result.notes),
        **_links(result, png is not None, folder),
    }


def render_html(result: OptimiseResult, png: bytes | None = None, folder: str | None = None
                ) -> str:
    """``optimise.html``: :func:`html_page` laid out by its template (autoescaped)."""
    return environment().get_template(HTML_TEMPLATE).render(
        page=html_page(result, png, folder))


def _hours(sp: Any) -> str:
    low, high = sp.car_hours
    return f"{high:g}" if low == high else f"{low:g}-{high:g}"


def manifest(result: OptimiseResult, files: list[str], command: list[str] | None
             ) -> dict[str, Any]:
    """What a reader needs to reproduce or audit the run."""
    sp = result.spec
    sel = result.selection
    return {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command if command is not None else sys.argv,
        "software": versions("dask", "distributed"),
        "source": git_revision(),
        "platform": system_info(),
        "random_streams": {**random_streams_info(),
                           "common_random_numbers": "replication r of every rota uses "
                                                    "(seed, r); the comparison uses "
                                                    f"replications {COMPARE_FIRST} on"},
        "optimise": {
            "name": sp.name, "description": sp.description, "source": sp.source,
            "base": sp.base_source, "cars": sp.cars, "car_hours_per_week": list(sp.car_hours),
            "objective": {"name": sp.objective.name, "direction": sp.objective.direction,
                          "unit": sp.objective.unit},
            "covers": [c.label() for c in sp.covers],
            "constraints": [{"metric": c.metric, "limit": c.limit,
                             "at_most": c.upper, "tolerance": c.tolerance}
                            for c in sp.constraints],
            "delta": sp.delta, "alpha": sp.alpha, "screen_keep": sp.screen_keep,
            "screen_check": sp.screen_check, "first_stage": sp.first_stage,
            "max_reps": sp.max_reps, "compare_reps": sp.compare_reps, "seed": sp.seed,
            "weeks": sp.weeks, "warmup_weeks": sp.warmup_weeks,
        },
        "method": {
            "screen": "modified offered load, carried-load fixed point (screen.py)",
            "selection": "KN (Kim & Nelson 2001), c = 1; constraints as Andradottir & Kim 2010",
            "h2": sel.h2 if sel is not None else None,
            "h2_feasibility": sel.h2_feasibility if sel is not None else None,
        },
        "result": {"best": result.best.label() if result.best else None,
                   "best_candidate": result.best.index if result.best else None,
                   "indistinguishable": list(result.indistinguishable),
                   "sweep_best": result.sweep_best},
        "run": result.run_record(),
        "files": files,
    }


def write_optimise(result: OptimiseResult, out: str | Path, *, command: list[str] | None = None,
                   plots: bool = True) -> list[Path]:
    """Write the results folder, replacing it whole; returns the paths written."""
    final = Path(out)
    sp = result.spec
    store = Store(final)
    inputs = [f for f in (sp.source, sp.base_source) if f]
    with replace_folder(final, inputs=inputs) as staging:
        written = _write_all(result, staging, command, plots,
                             final.expanduser().resolve().name)
        if store.folder.is_dir():
            shutil.copytree(store.folder, staging / TASKS_DIR)
    store.discard()
    return moved(written, staging, final)


def _write_all(result: OptimiseResult, out: Path, command: list[str] | None,
               plots: bool, folder: str) -> list[Path]:
    written: list[Path] = []

    def csv(name: str, frame: Any) -> None:
        write_csv(out / name, frame)
        written.append(out / name)

    csv("optimise.csv", result.table)
    csv("comparison.csv", result.comparison)
    csv("compared.csv", result.compared)
    if len(result.by_hour):
        csv("by_hour_of_week.csv", result.by_hour)
    if result.best_scenario is not None:
        path = out / "best_rota.yaml"
        header = (f"# The rota chosen by crisis-sim optimise ({result.spec.name}); run it with\n"
                  f"#   python run_scenarios.py {path.name}\n"
                  "# How it was chosen: optimise.html, beside this file.\n")
        data = result.best_scenario.to_dict()
        # the run report of this file shows its description: the way back to optimise.html
        data["description"] = (f"{data.get('description') or ''} How it was chosen: "
                               "optimise.html, in the folder this file was written "
                               "to.").strip()
        write_text(path, header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        written.append(path)
    if plots and len(result.by_hour):
        labels = dict(zip(result.compared.scenario, result.compared.rota, strict=False))
        written.append(write_optimise_plot(
            result.by_hour, out / "optimise.png",
            title=f"Optimise '{result.spec.name}': the chosen rota against hour-of-week demand "
                  f"({result.spec.compare_reps} replications of {result.spec.weeks} weeks)",
            best_label=labels.get("best", ""), shipped_label=labels.get("shipped"),
            sweep_name=result.sweep_best,
            sweep_label=labels.get(result.sweep_best) if result.sweep_best else None))
    png = out / "optimise.png"
    path = out / "optimise.html"
    write_text(path, render_html(result, png.read_bytes() if png.is_file() else None, folder))
    written.append(path)
    path = out / "summary.txt"
    write_text(path, summary_text(result))
    written.append(path)
    path = out / "manifest.json"
    files = [str(p.relative_to(out)) for p in written] + ["manifest.json"]
    write_text(path, json.dumps(manifest(result, files, command), indent=2, default=str) + "\n")
    written.append(path)
    return written
