"""shishi's own file I/O: atomic writes, folders replaced as a set, formula-safe CSV text and the
loaders of data/processed.

Below the cleaning pipeline, so that reporting and running write and read files without importing
it. data/processed/ holds one parquet per table, rejects.csv (UTF-8 with BOM, so Excel opens it),
warnings.csv and manifest.json. They are replaced as a set (:func:`staged`): written into a
staging folder, marked complete, then moved in; a run killed midway leaves either the old set or a
complete new one, never a mix.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from metrics.contract import TABLES
from metrics.errors import InputError, UsageError, output_error

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
#: A staging folder: its files replace the folder's own as a set (see :func:`staged`).
STAGING_PREFIX = ".staging-"
#: Written into a staging folder once every file in it is complete.
COMMIT_MARK = ".complete"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def follow_umask(path: Path | str, directory: bool = False) -> None:
    """Give a file made by mkstemp (mode 0600) the mode any file the user saves would get.

    Without this, os.replace carries 0600 over to the output, and a team folder shared by
    analysts cannot read it.
    """
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write via a uniquely named temporary file in the same folder, then rename over the target.

    An OSError (disk full, no permission, a file where the folder should be) becomes an
    :class:`OutputError` with one Chinese sentence.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise output_error(exc, path.parent) from exc
    os.close(fd)
    try:
        write(Path(tmp))
        follow_umask(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        shown = (
            path.parent.parent / path.name if path.parent.name.startswith(STAGING_PREFIX) else path
        )
        raise output_error(exc, shown) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def clear_stale(folder: Path) -> list[Path]:
    """Finish or remove what killed runs left in folder: a complete staging folder is moved in
    (its run had finished writing), an incomplete one and stray temp files are deleted.

    Call it only while holding the folder's lock (see metrics.running.lock): an incomplete
    staging folder may otherwise belong to a run still writing.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith(STAGING_PREFIX) and entry.is_dir():
            if (entry / COMMIT_MARK).exists():
                _move_in(entry, folder)
            else:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        elif name.startswith(".") and name.endswith((".tmp", ".running.ipynb")):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def _move_in(stage: Path, folder: Path) -> None:
    """Rename every file of a complete staging folder over its namesake in folder."""
    for src in sorted(stage.rglob("*")):
        if src.is_dir() or src.name == COMMIT_MARK:
            continue
        dest = folder / src.relative_to(stage)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # another reader moved it in already
            os.replace(src, dest)
    shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A staging folder whose files replace folder's files as a set when the block ends.

    Write everything into the yielded folder. When the block ends without an exception, a
    mark says the set is complete, then the files are renamed in; a run killed during the
    renames is finished by the next :func:`clear_stale` (or reader). When the block raises,
    the staging folder is deleted and folder is left as it was.
    """
    stage = open_stage(folder)
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    commit_stage(stage, folder)


def open_stage(folder: Path) -> Path:
    """A new, uniquely named staging folder in folder (see :func:`staged`)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
        follow_umask(stage, directory=True)
    except OSError as exc:
        raise output_error(exc, folder) from exc
    return stage


def commit_stage(stage: Path, folder: Path) -> None:
    """Mark a staging folder complete, then move its files in; on an error (disk full) the
    staging folder is deleted and folder is left as it was."""
    try:
        with (stage / COMMIT_MARK).open("w") as fh:
            fh.write(uuid.uuid4().hex)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(exc, OSError):
            raise output_error(exc, folder) from exc
        raise
    try:
        _move_in(stage, folder)
    except OSError as exc:
        raise output_error(exc, folder) from exc


def check_outputs_outside_raw(raw_dir: Path, *outputs: Path) -> None:
    """Refuse an output folder that is the raw folder itself or inside it: raw data are only read."""
    raw = Path(raw_dir).resolve()
    for out in outputs:
        resolved = Path(out).resolve()
        if resolved == raw or resolved.is_relative_to(raw):
            raise UsageError(
                "输出文件夹不能是原始数据文件夹或其中的子文件夹（原始数据只读，不写入）",
                f"请用 --out / --reports 指定原始数据文件夹（{raw}）之外的文件夹",
                path=out,
            )


def neutralize_formula(value: Any) -> Any:
    """Text that Excel would run as a formula gets a leading apostrophe: =, +, -, @ (also
    full-width ＝＋－＠, which some spreadsheet programs accept) and a tab, newline or
    carriage return, even behind leading spaces (Excel ignores them)."""
    if isinstance(value, str) and value.lstrip(" \u3000").startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy safe to open in Excel: every text cell neutralized, numbers untouched."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize_formula, na_action="ignore")
    return out


def load_processed(out_dir: Path) -> dict[str, pd.DataFrame]:
    """The four processed tables as written by :func:`run_clean` (what notebooks start from)."""
    out_dir = Path(out_dir)
    _finish_interrupted(out_dir)
    missing = [t for t in TABLES if not (out_dir / f"{t}.parquet").exists()]
    if missing:
        raise InputError(
            f"缺少清洗后的数据文件 {'、'.join(f'{t}.parquet' for t in missing)}",
            "请先运行 shishi clean（或 make report）",
            path=out_dir,
        )
    return {t: pd.read_parquet(out_dir / f"{t}.parquet") for t in TABLES}


def _finish_interrupted(out_dir: Path) -> None:
    """A reader never sees a mix: a complete set whose move was cut short is moved in first."""
    if out_dir.is_dir():
        for stage in out_dir.glob(f"{STAGING_PREFIX}*"):
            if (stage / COMMIT_MARK).exists():
                with contextlib.suppress(OSError):
                    _move_in(stage, out_dir)


def load_manifest(out_dir: Path) -> dict[str, Any]:
    """manifest.json as written by :func:`run_clean` (the row accounting of every sheet)."""
    _finish_interrupted(Path(out_dir))
    path = Path(out_dir) / "manifest.json"
    if not path.is_file():
        raise InputError(
            "缺少清洗结果 manifest.json", "请先运行 shishi clean（或 make report）", path=out_dir
        )
    return dict(json.loads(path.read_text(encoding="utf-8")))


def load_side_table(out_dir: Path, name: str) -> pd.DataFrame:
    """rejects.csv, warnings.csv, duplicates.csv or near_duplicates.csv as written
    (apostrophes added for Excel are kept)."""
    return pd.read_csv(Path(out_dir) / f"{name}.csv", encoding="utf-8-sig", dtype=str).fillna("")
