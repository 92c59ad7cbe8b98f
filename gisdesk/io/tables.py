"""Writing result tables (CSV, UTF-8) with a fixed column order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gisdesk.errors import InputError


def write_csv(frame: pd.DataFrame, path, columns: list[str]) -> Path:
    """Write `columns` of `frame` to `path` atomically (a half-written CSV never remains)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        frame[columns].to_csv(tmp, index=False, encoding="utf-8", float_format="%.3f", lineterminator="\n")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError("无法写入 {path}：{why}", "cannot write {path}: {why}", path=path, why=exc.strerror) from exc
    return path
