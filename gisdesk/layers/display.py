"""Attribute values as the user reads them: the attribute table, Identify and the HTML export's popups. No Qt.

`display_columns(schema, columns)` gives (column, header) in the table's order — uid, the schema's
fields under their names with units (高度（m）), then the user's own columns as they are named —
and `display_value(schema, column, value)` a value as text: coded values by their names (WPXJ →
未批先建, expressway → 快速路), decimals without trailing zeros, missing values empty.
gisdesk.ui.attribute_table shows the same through these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gisdesk.i18n import tr
from gisdesk.layers.names import VALUE_NAMES, field_header, value_name
from gisdesk.layers.schema import Schema


def uid_header() -> str:
    """The uid column's header (the table's 唯一标识)."""
    return tr("唯一标识", "ID")


def display_columns(schema: Schema, columns, *, geometry: str | None = None,
                    uid: str | None = None) -> list[tuple[str, str]]:
    """(column, header) of a layer's attributes: uid (headed `uid`, default uid_header()), the schema
    fields present (their names with units), then the other columns but `geometry` as named."""
    columns = list(columns)
    out = []
    if "uid" in columns:
        out.append(("uid", uid if uid is not None else uid_header()))
    out += [(f.name, field_header(f)) for f in schema.fields if f.name in columns]
    known = {c for c, _ in out}
    out += [(c, str(c)) for c in columns if c not in known and c != geometry]
    return out


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and np.isnan(value)


def format_value(value) -> str:
    """A value as text: '' when missing, decimals to two places without trailing zeros (12.5, 3)."""
    if is_missing(value):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def display_value(schema: Schema, column: str, value) -> str:
    """A value as the table and Identify show it: coded values by their names (WPXJ → 未批先建)."""
    text = format_value(value)
    if text and column in VALUE_NAMES and column in schema.names:
        return value_name(schema[column], text)
    return text
