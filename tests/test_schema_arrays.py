"""Whole-array conversion of text and number columns gives what value-by-value conversion gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gisdesk.layers import schema
from gisdesk.layers.kinds import KINDS
from gisdesk.layers.schema import SchemaProblems, conform


def both_ways(frame, kind, monkeypatch):
    def run():
        try:
            return conform(frame, KINDS[kind].schema, source="s.shp", uids=[f"u{i}" for i in range(len(frame))]), None
        except SchemaProblems as problems:
            return None, [(p.row, p.uid, p.field, repr(p.value), p.reason_en) for p in problems.problems]

    fast = run()
    with monkeypatch.context() as m:
        m.setattr(schema, "_convert_arrays", lambda column, f: None)
        slow = run()
    return fast, slow


def test_clean_columns_convert_alike(monkeypatch):
    frame = pd.DataFrame({
        "name": pd.array(["  一号楼 ", "", None, "二号楼"], dtype="string"),
        "address": ["中山路1号", " ", None, "x"],
        "floors": [3.0, np.nan, 12.0, 0.0],
        "height_m": pd.array([10, None, 7, 0], dtype="Int64"),
    })
    (fast, _), (slow, _) = both_ways(frame, "buildings", monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["name"].tolist() == ["一号楼", None, None, "二号楼"]
    assert fast["floors"].dtype == "Int64" and fast["floors"].isna().tolist() == [False, True, False, False]


@pytest.mark.parametrize("floors", [[3.0, 2.5, -1.0, np.inf], [1, 2, -3, 4]])
def test_bad_numbers_are_the_same_problems(monkeypatch, floors):
    frame = pd.DataFrame({"floors": floors, "height_m": [1.0, -2.0, np.nan, 3.0]})
    (_, fast), (_, slow) = both_ways(frame, "buildings", monkeypatch)
    assert fast == slow and fast  # the same rows, values and reasons


def test_a_required_text_field_left_empty_is_named(monkeypatch):
    frame = pd.DataFrame({"case_no": pd.array(["A", " ", None], dtype="string"),
                          "found_on": ["2025-01-01"] * 3, "status": ["待核查"] * 3})
    (_, fast), (_, slow) = both_ways(frame, "ledger", monkeypatch)
    assert fast == slow and [p[0] for p in fast] == [1, 2]
