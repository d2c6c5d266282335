"""What the leadership report reads: the processed tables, the manifest, the unit's name and
targets (shishi.toml) and the analyst's own words (报告文字/<期间>.md).

:func:`load_summary` is the notebook's one call; it reads, then hands everything to
:func:`.model.build_summary`, which reads no file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from metrics.paths import data_dirs
from metrics.periods import Period
from metrics.reporting import kpi
from metrics.reporting.analyst import load_analyst_text
from metrics.reporting.model import SummaryReport, build_summary


def load_targets(raw_dir: Path, unit: str = "") -> dict[str, float]:
    """A scope's annual targets: the folder's [targets] for the whole (a group, or a single
    unit), a unit's own ([[units]] targets or its folder's [targets]), or none - never the
    group's for one of its units. config.py has checked the keys (kpi.HEADLINES) and numbers.
    """
    from metrics.cleaning.units import read_units

    return read_units(raw_dir).targets_for(unit)


def load_summary(
    period: str,
    unit: str = "",
    processed_dir: str | Path = "",
    raw_dir: str | Path = "",
    made_on: str = "",
    draft: bool = False,
    blockers: list[Any] | None = None,
    workdir: str | Path = "",
) -> SummaryReport:
    """Read everything the report needs (the notebook's one call) and build the model.

    ``workdir`` (a unit's working folder) is all JupyterLab needs: the unit's processed data,
    name, targets and text are read from it (:func:`metrics.paths.data_dirs`).
    """
    from metrics.cleaning.units import read_units
    from metrics.config import load_config
    from metrics.files import load_manifest, load_processed

    processed, raw = data_dirs(workdir, processed_dir, raw_dir)
    p = Period.parse(period)
    config = load_config(raw)
    declared = read_units(raw, config)
    # a report titled with the group's name always covers the whole group
    scope = "" if declared.is_whole(unit) else unit
    tables = kpi.filter_unit(load_processed(processed), scope)
    manifest_path = processed / "manifest.json"
    manifest = load_manifest(processed) if manifest_path.exists() else {}

    report = build_summary(
        tables,
        p,
        unit=scope,
        name=declared.title,
        declared=[u.name for u in declared.units],
        targets=declared.targets_for(scope),
        text=load_analyst_text(raw, p, scope),
        manifest=manifest,
        made_on=dt.date.fromisoformat(made_on) if made_on else dt.date.today(),
        draft=draft,
        blockers=blockers or [],
    )
    report.sample = bool(config.sample)
    return report
