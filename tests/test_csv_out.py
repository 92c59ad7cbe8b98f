"""The result CSVs: the same text pandas' to_csv(float_format="%.3f") writes, and atomic."""

import numpy as np
import pandas as pd
import pytest

from gisdesk.errors import InputError
from gisdesk.io.tables import _fixed3, write_csv


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


def test_three_decimals_as_python_rounds_them():
    """Ties of the binary value (k/8, k/16: 0.0625 → 0.062, half to even), values a hair either side
    of a half thousandth, negatives that round to zero (-0.000), large and tiny magnitudes."""
    rng = np.random.default_rng(3)
    ties = np.arange(-4000, 4000) / 16
    near = np.r_[0.0005, 1.0005, 2.675, 1.0015, 0.0015, -0.0005, 1e-4, -1e-4, -0.0, 0.0]
    near = np.r_[near, np.nextafter(near, np.inf), np.nextafter(near, -np.inf)]
    wide = rng.uniform(-1, 1, 200_000) * 10.0 ** rng.integers(-6, 16, 200_000)
    values = np.r_[ties, near, wide, rng.normal(0, 30, 100_000), [1e300, -1e300, np.inf, -np.inf, np.nan]]
    got = _fixed3(values).to_pylist()
    assert got == ["" if np.isnan(v) else f"{v:.3f}" for v in values.tolist()]


def test_many_rows_with_text_to_quote(tmp_path):
    rng = np.random.default_rng(4)
    n = 20_000
    words = np.array(["东区", "a,b", 'say "hi"', "line\nbreak", "", "plain", " padded "], dtype=object)
    frame = pd.DataFrame({"id": [f"B{i:07d}" for i in range(n)], "name": words[rng.integers(0, len(words), n)],
                          "x": rng.normal(0, 100, n), "kind": pd.array(rng.choice(["red", None], n), dtype="string")})
    out = write_csv(frame, tmp_path / "t.csv", ["id", "name", "x", "kind"])
    assert out.read_text(encoding="utf-8") == frame.to_csv(index=False, float_format="%.3f", lineterminator="\n")


def test_a_carriage_return_is_quoted(tmp_path):
    out = write_csv(pd.DataFrame({"a": ["x\ry", "z"]}), tmp_path / "t.csv", ["a"])
    assert out.read_bytes() == b'a\n"x\ry"\nz\n'


def test_no_rows_is_the_header_alone(tmp_path):
    out = write_csv(pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}),
                    tmp_path / "t.csv", ["a", "b"])
    assert out.read_text(encoding="utf-8") == "a,b\n"


def test_a_column_in_several_chunks(tmp_path):
    """pd.concat of Arrow-backed text keeps the parts as chunks of one column."""
    part = pd.Series(["a", "b,c", None], dtype="string[pyarrow]")
    frame = pd.DataFrame({"t": pd.concat([part, part], ignore_index=True)})
    out = write_csv(frame, tmp_path / "t.csv", ["t"])
    assert out.read_text(encoding="utf-8") == 't\na\n"b,c"\n\na\n"b,c"\n\n'


def test_objects_that_are_not_all_text(tmp_path):
    frame = pd.DataFrame({"v": pd.Series([1, "a", None, 2.5, np.nan, True], dtype=object)})
    out = write_csv(frame, tmp_path / "t.csv", ["v"])
    assert out.read_text(encoding="utf-8") == "v\n1\na\n\n2.5\n\nTrue\n"
