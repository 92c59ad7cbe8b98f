"""Writing result tables (CSV, UTF-8) with a fixed column order: floats with 3 decimals, empty where missing.

The text is what pandas' to_csv(float_format="%.3f") writes (and a carriage return inside a field
is quoted too), made column by column in Arrow rather than cell by cell in Python: a check of a
city where every building conflicts has a million rows (8 s through the csv module, 1 s here).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from gisdesk.errors import InputError

_TEXT = pa.large_string()  # every column of text is of this one type (Arrow's kernels take one)


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, _TEXT)


def write_csv(frame: pd.DataFrame, path, columns: list[str]) -> Path:
    """Write `columns` of `frame` to `path` atomically (a half-written CSV never remains)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    header = _line([_quoted(pa.array([str(name)], type=_TEXT)) for name in columns])
    rows = _line([_quoted(_texts(frame[name])) for name in columns]) if len(frame) else b""
    try:
        with open(tmp, "wb") as handle:
            handle.write(header)
            handle.write(rows)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError("无法写入 {path}：{why}", "cannot write {path}: {why}", path=path, why=exc.strerror) from exc
    return path


def _line(cells: list[pa.Array]) -> bytes:
    """The rows of these columns of text, as UTF-8: cells joined by commas, each row ended by a newline."""
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, _s(",")), _s(""), _s("\n"))
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return lines.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]


def _quoted(cells: pa.Array) -> pa.Array:
    """A cell holding a comma, a quote or a line break in quotes, its quotes doubled (as the csv module does)."""
    special = pc.match_substring_regex(cells, r'[,"\n\r]')
    if not pc.any(special).as_py():
        return cells
    quoted = pc.binary_join_element_wise(_s('"'), pc.replace_substring(cells, '"', '""'), _s('"'), _s(""))
    return pc.if_else(special, quoted, cells)


def _texts(column: pd.Series) -> pa.Array:
    """A column as the text of its cells (large strings, no nulls)."""
    if pd.api.types.is_float_dtype(column.dtype):
        return _fixed3(column.to_numpy(dtype=float, na_value=math.nan))
    if pd.api.types.is_string_dtype(column.dtype):  # text, or objects that may all be text (None, NaN: empty)
        try:
            cells = pa.array(column, type=_TEXT, from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            cells = None  # objects not all text: each made text below
        if cells is not None:
            return (cells.combine_chunks() if isinstance(cells, pa.ChunkedArray) else cells).fill_null(_s(""))
    return pa.array(["" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
                     for v in column.astype(object).tolist()], type=_TEXT)


def _fixed3(values: np.ndarray) -> pa.Array:
    """f"{v:.3f}" of each value, "" for NaN, in numpy and Arrow.

    Python rounds the exact binary value to the nearest thousandth, ties to even. v·1000 in floating
    point is within half an ulp of the exact product, so its nearest integer is the same unless the
    product lies that close to a half: those, and values too large for the integers to be exact (or
    infinite), are formatted by Python."""
    product = values * 1000.0
    nearest = np.rint(product)
    finite = np.isfinite(product)
    with np.errstate(invalid="ignore"):  # (of infinities: those are Python's)
        near_half = np.abs(np.abs(product - np.trunc(product)) - 0.5) <= 1e-12 * np.maximum(1.0, np.abs(product))
    python = ~np.isnan(values) & (~finite | (np.abs(product) >= 2.0 ** 52) | near_half)
    thousandths = np.abs(np.where(finite & ~python, nearest, 0.0)).astype(np.int64)
    text = pc.binary_join_element_wise(
        pc.if_else(np.signbit(values), _s("-"), _s("")), pa.array(thousandths // 1000).cast(_TEXT), _s("."),
        pc.utf8_slice_codeunits(pa.array(thousandths % 1000 + 1000).cast(_TEXT), 1, 4), _s(""))
    text = pc.if_else(np.isnan(values), _s(""), text)
    if python.any():
        text = pc.replace_with_mask(text, pa.array(python), pa.array([f"{v:.3f}" for v in values[python].tolist()],
                                                                    type=_TEXT))
    return text
