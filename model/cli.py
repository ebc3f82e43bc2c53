"""The `dayshift` command line: the top layer, over scenario input, the engines, analysis and output.

Each command imports what it needs when it runs, so `dayshift --help` starts without loading Mesa,
pandas or matplotlib.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from model.engine.parallel import WorkersStopped
from model.output.files import OutputError
from model.scenario.problems import ScenarioError

EXIT_BAD_INPUT = 2
EXIT_REFUSED = 1
EXIT_INTERNAL = 3
EXTENDS_ENV = "DAYSHIFT_EXTENDS_FROM"  # model.scenario.extends.ALLOW_ENV (not imported: the command line starts light)


DEFAULT_REPS = 10  # replications of a plain `compare`: enough for a stable mean and an honest interval

def _output_options(p: argparse.ArgumentParser, default: str,
                    force: str = "replace an existing results folder (only a folder dayshift wrote)") -> None:
    p.add_argument("--out", help=f"results folder (default: {default})")
    p.add_argument("--force", action="store_true", help=force)
    p.add_argument("--replace-any-folder", action="store_true",
                   help="with --force, replace the folder at --out even if dayshift did not write it")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _extends_option(p)


def _extends_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-extends-from", action="append", default=[], metavar="DIR",
                   help="a folder beyond the scenario's own (and below it) that `extends` may read from; may be "
                        f"given more than once (also: the environment variable {EXTENDS_ENV})")


def _version() -> str:
    """The installed dayshift's version (without importing the model)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dayshift")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dayshift",
        description="Project adults with learning disabilities between day services, supported employment and paid work.",
    )
    p.add_argument("--version", action="version", version=f"dayshift {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, help_: str, example: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".",
                              epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)

    run = command("run", "run a scenario and write a results folder", "dayshift run scenarios/essex_live.yaml")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--seed", type=int, help="root seed (default: the scenario's seed)")
    run.add_argument("--engine", choices=("vectorised", "agents"), default="vectorised",
                     help="vectorised (default, fast) or agents (the Mesa model, person by person); same results")
    _engine_options(run)
    _output_options(run, "results/<scenario name>")
    val = command("validate", "check a scenario file without running it", "dayshift validate scenarios/*.yaml")
    val.add_argument("scenario", nargs="+", help="scenario YAML file(s)")
    _extends_option(val)
    command("schema", "print the JSON Schema of scenario files", "dayshift schema > dayshift.schema.json")
    cmp = command("compare", "compare policies with a baseline on the same people and random numbers",
                  "dayshift compare scenarios/baseline.yaml scenarios/essex_live.yaml --psa 200")
    cmp.add_argument("baseline", help="baseline scenario YAML file")
    cmp.add_argument("policies", nargs="+", help="policy scenario YAML file(s)")
    cmp.add_argument("--reps", type=int, default=None,
                     help=f"replications with independent seeds (default {DEFAULT_REPS}, enough for a stable mean)")
    cmp.add_argument("--psa", type=int, default=0, help="parameter draws for probabilistic sensitivity analysis")
    cmp.add_argument("--psa-sample", metavar="DIR",
                     help="a calibration folder with a joint sample (calibrate --sample): its scenario's calibrated "
                          "parameters are drawn together from it, and the PSA reports how many draws reproduce "
                          "the targets")
    cmp.add_argument("--psa-common-numbers", action="store_true",
                     help="run every PSA draw on the same random numbers (parameter uncertainty only); by default "
                          "each draw has its own")
    cmp.add_argument("--decomposition-runs", type=int, default=None, metavar="N",
                     help="runs behind each subset of the policy's levers when its saving is split by lever "
                          "(default 1, left out with a note when that would take long; 0: not split)")
    cmp.add_argument("--seed", type=int, help="root seed (default: the baseline's seed)")
    cmp.add_argument("--workers", type=int, default=None, metavar="N",
                     help="processes that run many draws at once (the tornado, the split by lever, a PSA) share "
                          "out; the numbers do not depend on it (default: one per core, or DAYSHIFT_WORKERS)")
    _engine_options(cmp)
    cmp.add_argument("--memory-mib", type=float, default=None, metavar="MiB",
                     help="memory the draws run together in each process may take, shared among the workers "
                          "(default: 512, or DAYSHIFT_MEMORY_MIB); fewer draws at a time when smaller, same numbers")
    _output_options(cmp, "results/<baseline>_vs_<policy>")
    swp = command("sweep", "run a parameter sweep on Dask (resumable) with global sensitivity",
                  "dayshift sweep scenarios/sweeps/referral_and_capacity.yaml --workers 2")
    swp.add_argument("sweep", help="sweep YAML file")
    swp.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    swp.add_argument("--scheduler", help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    _output_options(swp, "results/sweep_<name>", force="discard an existing folder and start again")
    cal = command("calibrate", "fit free parameters of a scenario to published figures",
                  "dayshift calibrate scenarios/targets/essex_live.yaml --sample 4000")
    cal.add_argument("targets", help="targets YAML file")
    cal.add_argument("--sample", type=int, default=0, metavar="N",
                     help="also draw a joint sample of the free parameters consistent with the targets, by "
                          "sampling-importance-resampling over N points (a quarter of them kept), for a PSA to use")
    cal.add_argument("--sample-only", action="store_true",
                     help="draw the sample around the scenario's own values without fitting again")
    _output_options(cal, "results/calibration_<name>")
    pub = command("published-figures", "write scenarios/VALIDATION.md: published figures against the model",
                  "dayshift published-figures")
    pub.add_argument("--out", default="scenarios/VALIDATION.md", help="where to write the page")
    pub.add_argument("--scenarios", default="scenarios", help="the scenario folder")
    _extends_option(pub)
    rpt = command("report", "write report.html for a results folder", "dayshift report results/essex_live")
    rpt.add_argument("results", help="a results folder written by run or compare")
    new = command("new", "write a baseline and a policy scenario for your council from a few answers",
                  "dayshift new --council Northshire --day-centre-users 1200 --out scenarios/northshire")
    _new_options(new)
    app = command("app", "open the policy explorer in your web browser (a local page)",
                  "dayshift app scenarios/essex_live.yaml --baseline scenarios/baseline.yaml")
    app.add_argument("policy", nargs="?", default="scenarios/essex_live.yaml",
                     help="policy scenario to start from (default: scenarios/essex_live.yaml)")
    app.add_argument("--baseline", default="scenarios/baseline.yaml",
                     help="the scenario the policy is compared with (default: scenarios/baseline.yaml)")
    app.add_argument("--host", default="127.0.0.1", help="address to serve on (default: this machine only)")
    app.add_argument("--port", type=int, default=8765, help="port to serve on (default: 8765)")
    app.add_argument("--no-browser", action="store_true", help="serve the page without opening a browser")
    _extends_option(app)
    return p


def _new_options(p: argparse.ArgumentParser) -> None:
    """Options of `dayshift new`; any not given is asked for at the terminal (or defaulted with --yes)."""
    from model.output.council_questions import QUESTIONS  # light: the standard library only

    for q in QUESTIONS:
        p.add_argument(f"--{q.option}", type=q.type, metavar=q.metavar, help=f"{q.question} ({q.help})")
    p.add_argument("--out", help="folder for the two scenario files (default: scenarios/<council>)")
    p.add_argument("--yes", action="store_true", help="take the default for every question not given as an option")
    p.add_argument("--force", action="store_true", help="replace scenario files of the same names in --out")


def _engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="threads a run may use: with 2 or more, each month's random numbers are made while the "
                        "month before runs, and the month's sums are shared out (default: one per core, or "
                        "DAYSHIFT_THREADS); same numbers")


def _settings(args) -> dict[str, str] | str:
    """Environment settings this command's options give, read here and by any worker process it starts (or
    what is wrong with an option)."""
    from model.engine.memory import MEMORY_ENV, memory_budget_mib
    from model.engine.parallel import THREADS_ENV

    out = {}
    folders = getattr(args, "allow_extends_from", None)
    if folders:  # read by model.scenario.extends
        out[EXTENDS_ENV] = os.pathsep.join([*folders, os.environ.get(EXTENDS_ENV, "")]).rstrip(os.pathsep)
    for flag, env in (("threads", THREADS_ENV), ("memory_mib", MEMORY_ENV)):
        value = getattr(args, flag, None)
        if value is not None:
            if value < 1:
                return f"--{flag.replace('_', '-')} must be at least 1 (got {value:g})"
            out[env] = f"{value:g}"
    try:
        memory_budget_mib(float(out[MEMORY_ENV]) if MEMORY_ENV in out else None)
    except ValueError as exc:  # a bad DAYSHIFT_MEMORY_MIB, said before any work starts
        return str(exc)
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `dayshift` console script."""
    args = _parser().parse_args(argv)
    settings = _settings(args)
    if isinstance(settings, str):
        print(f"dayshift: {settings}", file=sys.stderr)
        return EXIT_BAD_INPUT
    before = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        commands = {"run": _run, "validate": _validate, "schema": _schema, "compare": _compare, "report": _report,
                    "sweep": _sweep, "calibrate": _calibrate, "published-figures": _published,
                    "new": _new, "app": _app}
        return commands[args.command](args)
    except ScenarioError as exc:
        print(f"dayshift: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as exc:  # the results folder: exists, cannot be written, or is not dayshift's
        print(f"dayshift: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except WorkersStopped as exc:  # out of memory, most likely: not a fault of dayshift's or of the input
        print(f"dayshift: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("dayshift: interrupted; no results were written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a program that stopped reading (e.g. head)
        sys.stderr.close()
        return 141
    except Exception as exc:  # a fault of dayshift's, not of the input: one paragraph, not a traceback
        if os.environ.get("DAYSHIFT_DEBUG"):
            raise
        print(f"dayshift: internal error ({type(exc).__name__}: {exc}). No results were written. This is a "
              "fault in dayshift, not in your scenario; rerun with DAYSHIFT_DEBUG=1 for the details and "
              "report them.", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        for k, v in before.items():  # as it was, for a notebook or a test that calls main() again
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _schema(args) -> int:
    from model.scenario.json_schema import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def _validate(args) -> int:
    from model.compile.spec import compiled
    from model.compile.validate import parse_scenario
    from model.engine.memory import check_memory
    from model.scenario.yaml_reader import read_text

    bad = 0
    for path in args.scenario:
        try:
            sc = parse_scenario(read_text(path), path)
            check_memory(compiled(sc), path)  # a scenario this machine cannot run is not valid here
            print(f"{path}: valid scenario '{sc.name}'")
            _scenario_notes(sc, path)
        except ScenarioError as exc:
            print(f"dayshift: {exc}", file=sys.stderr)
            bad += 1
    return EXIT_BAD_INPUT if bad else 0


def _run(args) -> int:
    from model.compile.spec import compiled
    from model.compile.validate import parse_scenario
    from model.engine.memory import check_memory, results_bytes
    from model.analysis.labels import financial_year
    from model.engine.simulate import simulate
    from model.output.files import check_target, safe_name, tidy_leftovers
    from model.output.results_folder import write_results
    from model.scenario.yaml_reader import read_text

    text = read_text(args.scenario)
    scenario = parse_scenario(text, args.scenario)
    _scenario_notes(scenario, args.scenario)
    if args.seed is not None and args.seed < 0:
        print("dayshift: --seed must be a non-negative whole number", file=sys.stderr)
        return EXIT_BAD_INPUT
    check_memory(compiled(scenario), args.scenario, engine=args.engine)
    out = Path(args.out) if args.out else Path("results") / safe_name(scenario.name)
    _notes(tidy_leftovers(out))
    # refuse before spending time on the run
    check_target(out, args.force, args.replace_any_folder, need_bytes=results_bytes(compiled(scenario)))

    bar = _progress(not args.no_progress, scenario.name)
    t0 = time.perf_counter()
    try:
        result = simulate(scenario, seed=args.seed, engine=args.engine, progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    seconds = time.perf_counter() - t0
    write_results(result, out, text, args.scenario, force=args.force, seconds=seconds,
                  replace_any=args.replace_any_folder)
    s = result.summary()
    print(f"{scenario.name}: {s['horizon_months'] // 12} years, seed {result.seed}, {args.engine} engine, {seconds:.1f} s")
    by_year = s.get("in_work_by_year", {})
    for y in sorted({y for y in (5, 10, 20) if y in by_year} | ({max(by_year)} if by_year else set())):
        print(f"  people in paid work at the end of {financial_year(y, scenario.start)} (year {y}): {by_year[y]}")
    print(f"  job starts: {s['job_starts_total']} ({s['job_starts_from_day_service']} from day services)")
    print(f"  council cost: GBP {s['cost_total_undiscounted'] / 1e6:,.1f}m undiscounted, "
          f"GBP {s['cost_total_discounted'] / 1e6:,.1f}m discounted ({scenario.price_year} prices)")
    print(f"  results and report: {out}/report.html")
    return 0


def _compare(args) -> int:
    from model.analysis.compare import compare
    from model.compile.spec import compiled
    from model.engine.parallel import default_workers
    from model.compile.validate import parse_scenario
    from model.engine.memory import check_memory, gathered_bytes
    from model.output.files import check_target, safe_name, tidy_leftovers, unique_file_names
    from model.output.results_folder import write_comparison
    from model.scenario.yaml_reader import read_text

    texts = {path: read_text(path) for path in [args.baseline, *args.policies]}
    scenarios = [parse_scenario(texts[path], path) for path in [args.baseline, *args.policies]]
    for sc, path in zip(scenarios, texts):
        _scenario_notes(sc, path)
    if args.reps is not None and args.psa:
        print("dayshift: give --reps or --psa, not both (each PSA draw already runs on its own random numbers)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if (args.psa_common_numbers or args.psa_sample) and not args.psa:
        print("dayshift: --psa-common-numbers and --psa-sample need --psa", file=sys.stderr)
        return EXIT_BAD_INPUT
    joint = _joint_sample(args.psa_sample) if args.psa_sample else None
    if isinstance(joint, int):
        return joint
    if args.reps is None:
        args.reps = 1 if args.psa else DEFAULT_REPS
    for flag in ("reps", "psa", "decomposition_runs", "workers"):
        value = getattr(args, flag)
        if value is not None and value < (1 if flag in ("reps", "workers") else 0):
            least = "at least 1" if flag in ("reps", "workers") else "0 or more"
            print(f"dayshift: --{flag.replace('_', '-')} must be {least}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if args.psa and not any(sc.uncertain for sc in scenarios):
        print("dayshift: --psa needs at least one value written as a distribution, e.g. "
              "job_outcome_rate: {dist: beta, a: 43, b: 57}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.seed is not None and args.seed < 0:
        print("dayshift: --seed must be a non-negative whole number", file=sys.stderr)
        return EXIT_BAD_INPUT
    names = [sc.name for sc in scenarios]
    if len(set(names)) != len(names):
        print(f"dayshift: the scenarios' names must differ (got {', '.join(names)})", file=sys.stderr)
        return EXIT_BAD_INPUT
    # a PSA's parameter sets and the baseline's results are held here; a policy's draws are paired as they come
    gathered = sum(gathered_bytes(compiled(sc), args.psa, monthly=k == 0) for k, sc in enumerate(scenarios))
    for sc, path in zip(scenarios, texts):
        check_memory(compiled(sc), path, draws=max(args.psa, 1), gathered=gathered)
    safe = unique_file_names(names)
    out = Path(args.out) if args.out else Path("results") / safe_name(
        f"{safe[names[0]]}_vs_{'_'.join(safe[n] for n in names[1:])}", max_len=120)
    _notes(tidy_leftovers(out))
    check_target(out, args.force, args.replace_any_folder)
    bar = _progress(not args.no_progress, "compare", unit="run")
    t0 = time.perf_counter()
    try:
        comp = compare(scenarios[0], scenarios[1:], reps=args.reps, psa=args.psa, seed=args.seed,
                       progress=bar.update if bar else None, psa_common_numbers=args.psa_common_numbers,
                       psa_sample=joint, decomposition_runs=args.decomposition_runs,
                       workers=args.workers or default_workers())
    finally:
        if bar:
            bar.close()
    seconds = time.perf_counter() - t0
    write_comparison(comp, out, {sc.name: (path, texts[path]) for sc, path in zip(scenarios, texts)},
                     force=args.force, seconds=seconds,
                     settings=dict(reps=args.reps, psa=args.psa, psa_common_numbers=args.psa_common_numbers),
                     replace_any=args.replace_any_folder)
    print(comp.headline())
    print(f"  {seconds:.1f} s; results and report: {out}/report.html")
    return 0


def _sweep(args) -> int:
    from model.analysis import sweep as sw
    from model.engine.memory import check_memory
    from model.output import sweep_folder

    s = sw.load_sweep(args.sweep)
    if args.workers is not None and args.workers < 1:
        print("dayshift: --workers must be at least 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    workers = args.workers or os.cpu_count() or 1
    check_memory(s.space.spec_at(s.space.base_values()), str(s.path), runs_at_once=1 if args.scheduler else workers)
    out = Path(args.out) if args.out else Path("results") / f"sweep_{s.sweep_file.name}"
    bar = _progress(not args.no_progress, f"sweep {s.sweep_file.name}", unit="point")
    try:
        info = sweep_folder.run_sweep(s, out, workers=args.workers, scheduler=args.scheduler, force=args.force,
                            progress=bar.update if bar else None, replace_any=args.replace_any_folder)
    finally:
        if bar:
            bar.close()
    print(f"{s.sweep_file.name}: {info['runs']} runs ({len(s.points)} points x {s.sweep_file.replications} replications); "
          f"{info['already_done']} were done before, {info['ran']} ran now in {info['seconds']:.1f} s")
    runs = sweep_folder.read_runs(out)
    table = sw.sensitivity(s, runs)
    if table is not None:
        table.to_csv(out / "sensitivity.csv", index=False)
        sweep_folder.plot_sensitivity(table, s.sweep_file.design, out / "sensitivity.png")
        print("top drivers:")
        for line in sw.top_drivers(table, s.sweep_file.design):
            print(f"  {line}")
    print(f"  results: {out}/runs (Parquet dataset, one row per run)")
    return 0


def _joint_sample(folder: str):
    """A calibration folder's joint sample for a PSA, or an exit code after saying what is wrong."""
    import pandas as pd

    from model.analysis.calibrate import load_targets
    from model.analysis.posterior import JointSample

    folder = Path(folder)
    meta, table = folder / "posterior.json", folder / "posterior_sample.csv"
    if not meta.is_file() or not table.is_file():
        print(f"dayshift: {folder} holds no joint sample (posterior.json and posterior_sample.csv); write one with "
              "`dayshift calibrate TARGETS --sample N`", file=sys.stderr)
        return EXIT_BAD_INPUT
    info = json.loads(meta.read_text())
    sample = pd.read_csv(table)
    held = set(info.get("held_at_fit", []))
    columns = [c for c in sample.columns if not c.startswith("model: ") and c not in held]
    targets = load_targets(info["targets_file"]).targets_file.targets if Path(info["targets_file"]).is_file() else []
    return JointSample(scenario=info["scenario"], sample=sample[columns], targets=targets)


def _calibrate(args) -> int:
    from model.analysis import calibrate as cb
    from model.engine.memory import check_memory
    from model.output.calibration_folder import write_calibration
    from model.output.files import check_target, tidy_leftovers

    cal = cb.load_targets(args.targets)
    check_memory(cal.space.spec_at(cal.shipped), str(cal.scenario_path))
    out = Path(args.out) if args.out else Path("results") / f"calibration_{cal.targets_file.name}"
    _notes(tidy_leftovers(out))
    check_target(out, args.force, args.replace_any_folder)
    if args.sample < 0 or (args.sample_only and args.sample < 8):
        print("dayshift: --sample needs a number of points (8 or more; --sample-only needs --sample)", file=sys.stderr)
        return EXIT_BAD_INPUT
    fit = None
    if not args.sample_only:
        bar = _progress(not args.no_progress, f"calibrate {cal.targets_file.name}", unit="evaluation")
        try:
            fit = cb.calibrate(cal, progress=bar.update if bar else None)
        finally:
            if bar:
                bar.close()
    posterior = None
    if args.sample:
        import numpy as np

        from model.analysis.posterior import posterior_sample

        centre = cal.shipped if fit is None else np.array(list(fit["fitted"].values()), dtype=float)
        bar = _progress(not args.no_progress, "joint sample", unit="point")
        try:
            posterior = posterior_sample(cal, args.sample, max(1, args.sample // 4), centre,
                                         progress=bar.update if bar else None)
        finally:
            if bar:
                bar.close()
    write_calibration(cal, fit, out, force=args.force, replace_any=args.replace_any_folder, posterior=posterior)
    if posterior is not None:
        print(f"{cal.targets_file.name}: joint sample of {posterior['n_keep']} from {posterior['n_prior']} points "
              f"(effective sample size {posterior['effective_sample_size']:.0f}, {posterior['distinct_points']} "
              f"distinct); held at the fit: {', '.join(posterior['held_at_fit']) or 'none'}")
        for name, share in posterior["share_within"].items():
            print(f"  {name}: {share:.0%} of the sample within tolerance")
        print(f"  all fitted targets at once: {posterior['share_within_all_fitted']:.0%} "
              f"(of the prior's points: {posterior['prior_share_within_all_fitted']:.0%})")
    if fit is None:
        print(f"  results: {out}/ (posterior_sample.csv, posterior.json)")
        return 0
    runs = fit["evaluations"] * cal.targets_file.replications
    print(f"{cal.targets_file.name}: {fit['evaluations']} evaluations ({runs} runs) in {fit['seconds']:.1f} s "
          f"({fit['method']}); objective {fit['objective']:.3g}")
    for path, value in fit["fitted"].items():
        print(f"  {path} = {value:.6g}")
    many = cal.targets_file.replications > 1
    if many:
        print(f"  model values are means of {cal.targets_file.replications} runs; 95% of runs between the bounds shown")
    for row in fit["table"].itertuples():
        mark = "within" if row.within else "OUTSIDE"
        spread = f", runs {row.low:.4g} to {row.high:.4g}" if many else ""
        print(f"  {row.target} ({row.role}): observed {row.observed:g}, model {row.model:.4g} ({mark} "
              f"+/-{row.tolerance:g}{spread})")
    print(f"  results: {out}/ (calibrated_scenario.yaml, targets.csv, fit.json)")
    return 0


def _published(args) -> int:
    from model.output import published_page

    print(published_page.write(args.out, args.scenarios))
    return 0


def _report(args) -> int:
    from model.output.report import write_report

    folder = Path(args.results)
    if not (folder / "summary.json").exists():
        print(f"dayshift: {folder} is not a results folder (no summary.json)", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        print(write_report(folder))
    except (ValueError, KeyError, TypeError) as exc:  # JSON that is not a dayshift summary
        print(f"dayshift: {folder} is not a dayshift results folder: its summary.json cannot be read "
              f"({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def _new(args) -> int:
    from model.output.new_council import write_council

    return write_council(args)


def _app(args) -> int:
    from model.app.serve import serve

    return serve(policy=args.policy, baseline=args.baseline, host=args.host, port=args.port,
                 open_browser=not args.no_browser)


def _scenario_notes(scenario, path: str) -> None:
    """Tell the user what the loader noticed in a valid scenario that may not be what they meant."""
    for note in scenario.notes:
        print(f"dayshift: note: {path}: {note}", file=sys.stderr)


def _notes(notes: list[str]) -> None:
    """Tell the user what was cleaned up beside the results folder (left by runs that were stopped)."""
    for note in notes:
        print(f"dayshift: {note}", file=sys.stderr)


class _Bar:
    def __init__(self, name: str, unit: str = "cycle"):
        from tqdm import tqdm

        self._tqdm = tqdm(total=None, desc=name, unit=unit, leave=False, disable=None,
                          bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} {unit}s [{elapsed}<{remaining}]")
        self._done = 0

    def update(self, done: int, total: int) -> None:
        if self._tqdm.total is None:
            self._tqdm.total = total
        self._tqdm.update(done - self._done)
        self._done = done

    def close(self) -> None:
        self._tqdm.close()


def _progress(enabled: bool, name: str, unit: str = "cycle") -> _Bar | None:
    return _Bar(name, unit) if enabled else None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
