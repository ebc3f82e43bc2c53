"""Writing a run's or a comparison's results folder: tables, summary, manifest, figures and report,
complete or not at all.

Everything is written into a hidden temporary folder beside the target and renamed into place at the
end, so an interrupted run leaves no half-written results; an existing folder is replaced only when
the caller says so.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from model.analysis.compare import Comparison
from model.engine.results import SimulationResult
from model.output import plots
from model.output.budget_impact_book import write_budget_impact
from model.output.files import atomic_folder, dump_json, unique_file_names, write_table
from model.output.provenance import provenance
from model.output.report import write_report


def manifest(result: SimulationResult, scenario_text: str, scenario_path: str | None, seconds: float) -> dict:
    """What is needed to reproduce a run: the scenario, its hash, the seed, versions and commit."""
    return dict(
        scenario_name=result.scenario_name,
        scenario_path=scenario_path,
        scenario_sha256=hashlib.sha256(scenario_text.encode("utf-8")).hexdigest(),
        scenario_text=scenario_text,
        scenario_resolved=result.spec.scenario.data,  # after `extends`, as validated
        seed=result.seed,
        engine=result.engine,
        n_cycles=result.spec.calendar.n_cycles,
        cycle_months=result.spec.calendar.cycle_months,
        **provenance(),
        run_seconds=round(seconds, 3),
    )


def write_results(result: SimulationResult, out: str | Path, scenario_text: str, scenario_path: str | None = None,
                  force: bool = False, seconds: float = 0.0, replace_any: bool = False) -> Path:
    """Write the complete results folder for one run, atomically."""
    with atomic_folder(out, force, replace_any) as tmp:
        for name, df in (("monthly", result.monthly), ("yearly", result.yearly), ("people", result.people)):
            write_table(tmp, name, df)
        dump_json(tmp / "summary.json", result.summary())
        dump_json(tmp / "manifest.json", manifest(result, scenario_text, scenario_path, seconds))
        plots.save_all(result, tmp)
        write_report(tmp)
    return Path(out)


def write_comparison(comp: Comparison, out: str | Path, scenarios: dict[str, tuple[str, str]], force: bool = False,
                     seconds: float = 0.0, settings: dict | None = None, replace_any: bool = False) -> Path:
    """Write the complete results folder of a comparison, atomically; `scenarios` maps each scenario's
    name to (path, text). Each scenario's monthly table is named after it, made safe and unique."""
    with atomic_folder(out, force, replace_any) as tmp:
        write_table(tmp, "comparison_yearly", comp.yearly)
        write_table(tmp, "comparison_runs", comp.runs)
        if comp.draws is not None and len(comp.draws.columns):
            write_table(tmp, "psa_draws", comp.draws)
        if comp.tornado is not None:
            write_table(tmp, "tornado", comp.tornado)
        voi = comp.value_of_information()
        if voi is not None:
            write_table(tmp, "value_of_information", voi)
        if comp.carried is not None:
            write_table(tmp, "carried_by_catch_alls", comp.carried)
        if comp.decomposition is not None:
            write_table(tmp, "decomposition", comp.decomposition.table)
        files = unique_file_names(comp.first)
        for name, res in comp.first.items():
            write_table(tmp, f"monthly_{files[name]}", res.monthly)
        summary = comp.summary()
        summary["headline"] = comp.headline(summary)
        dump_json(tmp / "summary.json", summary)
        dump_json(tmp / "manifest.json", dict(
            kind="comparison", baseline=comp.baseline, policies=comp.policies, mode=comp.mode, seed=comp.seed,
            settings=settings or {},
            scenarios={name: dict(path=path, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), text=text)
                       for name, (path, text) in scenarios.items()},
            **provenance(), run_seconds=round(seconds, 3)))
        write_budget_impact(comp, tmp)
        plots.save_comparison(comp, tmp)
        write_report(tmp)
    return Path(out)
