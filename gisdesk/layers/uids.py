"""The uids of one frame's rows, and uid → row lookups on them. No Qt.

A feature is named by its `uid` (a string the project gives it); its row in a frame is only
where it happens to be now, and changes when a feature before it is deleted or the frame
is reordered. `FeatureUids` belongs to one generation of a layer's data (`feature_uids(data)`,
made when first asked for and taken over by the next generation when the uids stay): the
selection, highlights and tables hold uids and turn them into rows of the generation they
read, at the moment they read it.

A frame without a `uid` column (a hand-made layer) names its features by their row
number as text. Uids are unique in a project's layer; should two rows share one, a lookup
of that uid answers both rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NO_ROWS = np.zeros(0, dtype=np.int64)
MANY_UIDS = 2000  # from this many uids on, rows_of tests rows against a Python set


def uid_array(frame: pd.DataFrame) -> np.ndarray:
    """The uid of each row as an object array of str."""
    if "uid" not in frame.columns:
        return np.arange(len(frame)).astype(str).astype(object)
    values = frame["uid"].to_numpy(dtype=object)
    if len(values) and pd.api.types.infer_dtype(values, skipna=False) != "string":
        values = frame["uid"].astype(str).to_numpy(dtype=object)
    return values


def _texts(uids) -> np.ndarray:
    """Any collection of uids as an object array of str (order and repeats kept)."""
    if isinstance(uids, (str, bytes)):
        uids = [uids]
    values = np.asarray(list(uids) if isinstance(uids, (set, frozenset)) else uids, dtype=object).reshape(-1)
    if len(values) and pd.api.types.infer_dtype(values, skipna=False) != "string":
        values = np.array([str(v) for v in values], dtype=object)
    return values


def as_uids(uids) -> np.ndarray:
    """Any collection of uids as a sorted object array of distinct str."""
    values = _texts(uids)
    if len(values) < 2 or (values[1:] > values[:-1]).all():
        # already sorted and distinct: uids the importer numbers ('B-000001' ...) come so in row
        # order, and a comparison pass costs a tenth of sorting 100 000 strings
        return values.copy() if values is uids else values  # never the caller's array itself
    return np.unique(values)


class FeatureUids:
    """The uids of the rows of one frame (`uids[row]`) and the rows of given uids."""

    def __init__(self, frame: pd.DataFrame):
        self.uids = uid_array(frame)
        self.uids.flags.writeable = False

    def __len__(self) -> int:
        return len(self.uids)

    def rows_of(self, uids) -> np.ndarray:
        """The rows (sorted) whose uid is among `uids`; uids the frame lacks give no row.

        Why a scan and not a hash index of the frame: hashing a million uids holds the GIL
        for a third of a second, once per frame, while this hashes only the uids asked for
        and tests each row against them (a million rows: 15 ms for a few hundred uids, 80 ms
        for 150 000).
        """
        wanted = _texts(uids)  # no need to sort them: a hash set does not care
        if len(wanted) == 0 or len(self.uids) == 0:
            return NO_ROWS
        if len(wanted) == 1:
            hit = self.uids == wanted[0]
        elif len(wanted) <= MANY_UIDS:
            hit = pd.Series(self.uids, dtype=object, copy=False).isin(wanted).to_numpy()  # dtype: no inference scan
        else:  # pandas' object hash table slows down past a few thousand values; a set does not
            hit = np.fromiter(map(set(wanted.tolist()).__contains__, self.uids), dtype=bool, count=len(self.uids))
        return np.flatnonzero(hit).astype(np.int64)

    def row_of_each(self, uids) -> np.ndarray:
        """The row of each of `uids`, in their order (-1 where the frame lacks it; a repeated uid: its first row)."""
        asked = np.asarray(list(uids), dtype=object).reshape(-1)
        asked = np.array([str(u) for u in asked], dtype=object) if len(asked) else asked
        rows = self.rows_of(asked)
        found = pd.Index(self.uids[rows])
        first = ~found.duplicated()
        position = found[first].get_indexer(asked) if len(rows) else np.full(len(asked), -1)
        return np.where(position >= 0, rows[first][position], -1).astype(np.int64)

    def uids_at(self, rows) -> np.ndarray:
        """The distinct uids of `rows` (rows outside the frame are left out), sorted."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        rows = rows[(rows >= 0) & (rows < len(self.uids))]
        return as_uids(self.uids[rows])


def feature_uids(data) -> FeatureUids:
    """The FeatureUids of a generation of a layer's data (a gisdesk.layers.data.FeatureData), made once."""
    return data.derived("feature_uids", lambda: FeatureUids(data.frame), columns=("uid",))
