"""Where shishi's own files live, derived once from the package's location (no module state).

Every other module asks here instead of counting ``parents[...]`` itself, so moving a module
never silently points it at the wrong folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: src/metrics/: the library, its vocabularies (data/) and its PDF template (templates/).
PACKAGE_DIR = Path(str(resources.files("metrics")))
#: The checkout's root (where pyproject.toml, notebooks/ and data/ are).
PROJECT_ROOT = PACKAGE_DIR.parents[1]
#: The report notebooks papermill runs.
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
#: nbconvert templates and CSS of the PDF exporter.
TEMPLATES_DIR = PACKAGE_DIR / "templates"
#: The package's vocabularies (header synonyms, status words...).
DATA_DIR = PACKAGE_DIR / "data"

#: The shipped sample (``[unit] sample = true``) and where it is cleaned to.
SAMPLE_RAW = PROJECT_ROOT / "data" / "raw"
SAMPLE_PROCESSED = PROJECT_ROOT / "data" / "processed"

#: A unit's working folder, as ``shishi init`` lays it out (see running/init.py).
WORKDIR_RAW = "原始数据"
WORKDIR_PROCESSED = "清洗结果"
WORKDIR_REPORTS = "报告"
WORKDIR_TEMPLATES = "空白台账"
CONFIG_NAME = "shishi.toml"


def is_workdir(folder: Path) -> bool:
    """Whether ``folder`` is a working folder ``shishi init`` made (it has 原始数据/shishi.toml)."""
    return (Path(folder) / WORKDIR_RAW / CONFIG_NAME).is_file()


def data_dirs(
    workdir: str | Path = "", processed_dir: str | Path = "", raw_dir: str | Path = ""
) -> tuple[Path, Path]:
    """(processed, raw): the folders a report notebook reads, from its one setting.

    Folders given explicitly win (``shishi report`` passes both). Otherwise ``workdir`` (a
    unit's working folder, ``~`` allowed) gives its 清洗结果/ and 原始数据/. A processed folder
    given alone reads its settings (name, targets, sample or not) from the raw folder it was
    cleaned from: its working folder's 原始数据/, or the one its manifest names (so a unit's
    data are never shown with the sample's targets and banner). Nothing given: the sample.
    """
    from metrics.errors import UsageError

    if workdir:
        root = Path(workdir).expanduser()
        if not is_workdir(root):
            raise UsageError(
                f"{root} 不是 shishi 的工作文件夹（没有 {WORKDIR_RAW}/{CONFIG_NAME}）",
                "把 workdir 写成 shishi init（make init DIR=…）建的文件夹，例如 ~/实事报告",
            )
        processed = Path(processed_dir) if processed_dir else root / WORKDIR_PROCESSED
        return processed, Path(raw_dir) if raw_dir else root / WORKDIR_RAW
    processed = Path(processed_dir).expanduser() if processed_dir else SAMPLE_PROCESSED
    if raw_dir:
        return processed, Path(raw_dir).expanduser()
    if not processed_dir:
        return processed, SAMPLE_RAW
    if is_workdir(processed.parent):
        return processed, processed.parent / WORKDIR_RAW
    return processed, _cleaned_from(processed) or SAMPLE_RAW


def _cleaned_from(processed: Path) -> Path | None:
    """The raw folder a processed folder's manifest names, if it is an absolute path still there."""
    import json

    try:
        named = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))["raw_dir"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    raw = Path(str(named))
    return raw if raw.is_absolute() and raw.is_dir() else None
