"""A calibration's results folder: the fit, the table of targets against the model, and a calibrated
copy of the scenario that stands alone (the original with its `extends` merged in, and the fitted values)."""

from __future__ import annotations

import json
from pathlib import Path

from model.analysis.calibrate import Calibration, calibrated_yaml
from model.output.files import atomic_folder, dump_json, write_table
from model.output.provenance import provenance


def write_calibration(cal: Calibration, fit: dict | None, out: str | Path, force: bool = False,
                      replace_any: bool = False, posterior: dict | None = None) -> Path:
    """Write the fit, the table of targets against the model, and a calibrated copy of the scenario; and the
    joint sample of the free parameters (`posterior_sample.csv`, `posterior.json`) when there is one."""
    out = Path(out)
    with atomic_folder(out, force, replace_any) as tmp:
        if fit is not None:
            write_table(tmp, "targets", fit["table"])
            info = {k: v for k, v in fit.items() if k != "table"}
            info.update(targets_file=str(cal.path), scenario=str(cal.scenario_path), seed=cal.targets_file.seed,
                        **provenance())
            (tmp / "fit.json").write_text(json.dumps(info, indent=2) + "\n")
            (tmp / "calibrated_scenario.yaml").write_text(calibrated_yaml(cal, fit["fitted"]))
        if posterior is not None:
            posterior["sample"].to_csv(tmp / "posterior_sample.csv", index=False)
            info = {k: v for k, v in posterior.items() if k != "sample"}
            info.update(targets_file=str(cal.path), method="sampling-importance-resampling",
                        **provenance())
            dump_json(tmp / "posterior.json", info)
    return out
