"""The result CSVs: the same text pandas' to_csv(float_format="%.3f") writes, and atomic."""

import numpy as np
import pandas as pd
import pytest

from gisdesk.errors import InputError
from gisdesk.io.tables import write_csv


def test_same_text_as_pandas(tmp_path):
    frame = pd.DataFrame({
        "name": ["外滩三号", 'a,"b"', "two\nlines", None, np.nan, ""],
        "area_m2": [1.23449, -0.0, np.nan, 1e15 + 0.5, np.inf, 2 / 3],
        "count": [1, 2, 3, 4, 5, 6],
        "flag": [True, False, True, False, True, False],
        "maybe": pd.array([1.5, None, 2.25, None, 0.0005, -3.0], dtype="Float64"),
        "whole": pd.array([1, None, 3, None, 5, 6], dtype="Int64"),
    })
    columns = ["count", "name", "area_m2", "maybe", "whole", "flag"]
    out = write_csv(frame, tmp_path / "t.csv", columns)
    expected = frame[columns].to_csv(index=False, float_format="%.3f", lineterminator="\n")
    assert out.read_text(encoding="utf-8") == expected
    assert out.read_text(encoding="utf-8").splitlines()[1] == "1,外滩三号,1.234,1.500,1,True"


def test_unwritable_leaves_nothing(tmp_path):
    folder = tmp_path / "missing"
    with pytest.raises(InputError):
        write_csv(pd.DataFrame({"a": [1.0]}), folder / "t.csv", ["a"])
    assert not folder.exists()
