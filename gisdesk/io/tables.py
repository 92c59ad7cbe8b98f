"""Writing result tables (CSV, UTF-8) with a fixed column order: floats with 3 decimals, empty where missing."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd

from gisdesk.errors import InputError


def write_csv(frame: pd.DataFrame, path, columns: list[str]) -> Path:
    """Write `columns` of `frame` to `path` atomically (a half-written CSV never remains)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(zip(*(_texts(frame[name]) for name in columns)))
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError("无法写入 {path}：{why}", "cannot write {path}: {why}", path=path, why=exc.strerror) from exc
    return path


def _texts(column: pd.Series) -> list[str]:
    """A column as the text of its cells. By hand rather than DataFrame.to_csv, which formats
    every float through a Python call of its own: 1.4 s for the 83,000 rows of a 1 M check."""
    if pd.api.types.is_float_dtype(column.dtype):
        return ["" if math.isnan(v) else f"{v:.3f}" for v in column.to_numpy(dtype=float, na_value=math.nan).tolist()]
    return ["" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
            for v in column.astype(object).tolist()]
