"""The one masking policy for personal data in every export (xlsx, PDF, PNG, SVG, HTML). No Qt.

Which columns are personal:
- the schema's fields marked `personal` (the ledger's 当事人 party, 证件号 id_no, 电话 phone; no
  other kind has personal fields today: buildings, parking, old estates and control lines name
  places, uses and organisations, not people);
- copies of them the importer or a user may have made: `party_source`, `phone_extra`, `phone_2`
  (a personal field's name followed by '_');
- a column of the user's own (kept as an extra column by the import) whose name says it holds
  personal data: 姓名, 户主, 联系人, 联系电话, 手机, 身份证, 证件号码, phone, mobile, id_card ...
  (PERSONAL_WORDS).

How a value is masked — it keeps a hint that a value exists and what sort it is, as Chinese
government and bank pages show them, so a clerk can match a row with the paper file, but not the
value: a name 张三丰 → 张**, a company 上海某餐饮有限公司 → 上**; an ID number (15–18 characters)
110101199003071234 → 110***********1234 (region prefix and last four, length kept); a phone
number of 11 digits or more 13812345678 → 138****5678, a shorter one ****; anything else ****.
An empty value stays empty (a blank cell says "not recorded", a mask says "recorded, hidden").
A value already masked (has '*') stays as it is.

Free text (every other text column: 备注 notes, 地址 ... and a review's note) is not personal
by itself — addresses and notes are what a meeting needs — but it can quote the data: in it,
any occurrence of a masked value of the same frame (the party's name, the ID, the phone) is
replaced by its mask, and anything shaped like a mainland ID number or a mobile/landline phone
number is masked wherever it appears. A column where that changed something is reported too.
Columns of codes, choices, dates and ids (uid, case_no, the conflict frame's codes) are not free
text and are left alone. The known values are found by one trie-shaped regular expression (20 000
cases' names, IDs and phones: about a second for 100 000 notes).

`mask_frame(frame, kind)` returns the masked copy and the masked columns; `Masker` does the same
work for several frames at once (an export of conflicts, ledger and totals: a party's name quoted
in a review note of the conflict list is masked too). `masked_labels` names the columns for the
export's note (当事人、证件号、电话).
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd

from gisdesk.i18n import tr
from gisdesk.layers.kinds import KINDS
from gisdesk.layers.schema import CODES, DATE, ENUM

NAME, ID_NO, PHONE, OTHER = "name", "id", "phone", "other"

# the kinds' personal fields and how each is masked
SCHEMA_PERSONAL = {kind.code: {f.name: {"party": NAME, "id_no": ID_NO, "phone": PHONE}.get(f.name, OTHER)
                               for f in kind.schema.fields if f.personal}
                   for kind in KINDS.values()}
# words in a column name that say it holds personal data (an extra column of the user's own), and how to mask it
PERSONAL_WORDS = (
    (ID_NO, ("身份证", "证件号", "证件号码", "idcard", "id_card", "id_no", "idno", "id_number", "身份证号")),
    (PHONE, ("电话", "手机", "联系方式", "phone", "mobile", "tel", "telephone")),
    (NAME, ("当事人", "姓名", "户主", "业主姓名", "联系人", "负责人姓名", "法人代表", "法定代表人", "party", "owner_name",
            "person", "contact")),
)
_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])|(?<!\d)(\d{6})(\d{6})(\d{3})(?!\d)")
_PHONE_PATTERN = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)|(?<!\d)(0\d{2,3}[- ]?)(\d{3,4})(\d{4})(?!\d)")
MIN_QUOTED, MAX_QUOTED = 2, 100  # a masked value shorter or longer than these is not looked for in free text
# columns of codes and ids, never free text (the conflict frame's, the layers' uid): not scrubbed
CODE_COLUMNS = frozenset(("uid", "subject_id", "control_id", "subject_table", "control_table", "subject_layer",
                          "control_kind", "relation", "period", "decision", "case_no", "at"))


def _coded_fields(kind: str | None) -> set[str]:
    """The kind's fields that hold codes, choices or dates (not free text)."""
    info = KINDS.get(kind) if kind else None
    return {f.name for f in info.schema.fields if f.type in (ENUM, CODES, DATE)} if info else set()


def mask_value(value, how: str = OTHER):
    """One value masked as `how` says (NAME, ID_NO, PHONE, OTHER); empty and missing values as they are."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return value
    text = str(value).strip()
    if not text:
        return value
    if "*" in text or "■" in text:  # masked already (e.g. the demo's made-up data)
        return text
    if how == NAME:
        return text[0] + "**"
    if how == ID_NO:
        return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) >= 15 else "****"
    if how == PHONE:
        digits = sum(ch.isdigit() for ch in text)
        return text[:3] + "****" + text[-4:] if digits >= 11 else "****"
    return "****"


def _how_by_name(column: str) -> str | None:
    """How a column of the user's own is masked, by its name; None: not personal. Chinese words and
    English ones with '_' anywhere in the name, other English words as whole words (tel, not hotel)."""
    name = str(column).casefold()
    tokens = set(re.split(r"[^0-9a-z]+", name))
    for how, words in PERSONAL_WORDS:
        for word in words:
            if (word in name) if (not word.isascii() or "_" in word) else (word in tokens):
                return how
    return None


def personal_columns(columns, kind: str | None = None) -> dict[str, str]:
    """The personal columns among `columns` (of a layer of `kind`, or of any kind) → how each is masked."""
    known = SCHEMA_PERSONAL.get(kind, {}) if kind else {k: v for d in SCHEMA_PERSONAL.values() for k, v in d.items()}
    out = {}
    for column in columns:
        name = str(column)
        if name in known:
            out[column] = known[name]
            continue
        copy = next((field for field in known if name.startswith(field + "_")), None)
        if copy is not None:  # party_source, phone_extra: a copy of a personal field
            out[column] = known[copy]
            continue
        how = _how_by_name(name)
        if how is not None:
            out[column] = how
    return out


def _mask_patterns(text: str) -> str:
    text = _ID_PATTERN.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 7) + m.group(0)[-4:], text)
    return _PHONE_PATTERN.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:] if m.group(1)
                              else m.group(4) + "****" + m.group(6), text)


def _trie_pattern(words) -> str:
    """One regular expression matching any of `words`, the longest where several match (张三丰 before
    张三), built as a trie: matching costs the text's length, not the number of words (an
    alternation of 60 000 names is a thousand times slower)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class Masker:
    """Masks the personal columns of frames and scrubs their values out of the free text of all of them.

    `add(frame, kind)` learns a frame's personal values (before any frame is masked: a name in
    the conflict list's notes is found when the ledger was added too); `mask(frame, kind)` gives
    the masked copy. `masked` lists the columns masked so far, by frame name."""

    def __init__(self):
        self._values: dict[str, str] = {}  # raw value → its mask
        self.masked: dict[str, list[str]] = {}
        self._pattern: re.Pattern | None = None

    def add(self, frame: pd.DataFrame, kind: str | None = None) -> Masker:
        for column, how in personal_columns(frame.columns, kind).items():
            for value in pd.unique(frame[column].dropna().astype(str)):
                value = value.strip()
                if MIN_QUOTED <= len(value) <= MAX_QUOTED and "*" not in value:
                    self._values[value] = mask_value(value, how)
        self._pattern = None
        return self

    def scrub(self, text):
        """Free text with every known personal value and every ID / phone-shaped number masked."""
        if not isinstance(text, str) or not text:
            return text
        if self._values:
            if self._pattern is None:
                self._pattern = re.compile(_trie_pattern(self._values))
            text = self._pattern.sub(lambda m: self._values[m.group(0)], text)
        return _mask_patterns(text)

    def mask(self, frame: pd.DataFrame, kind: str | None = None, *, name: str = "") -> tuple[pd.DataFrame, list[str]]:
        """The masked copy of `frame` and the columns masked (personal ones, then free text that changed)."""
        personal = personal_columns(frame.columns, kind)
        out = frame.copy()
        masked = list(personal)
        for column, how in personal.items():
            out[column] = out[column].map(lambda v, how=how: mask_value(v, how)).astype(object)
        coded = _coded_fields(kind)
        geometry = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
        for column in out.columns:
            if column in personal or column == geometry or column in coded or column in CODE_COLUMNS:
                continue
            series = out[column]
            if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
                continue
            values = pd.unique(series.dropna())  # each distinct text scrubbed once
            scrubbed = {v: self.scrub(v) for v in values if isinstance(v, str)}
            changed = {v: t for v, t in scrubbed.items() if t != v}
            if changed:
                out[column] = series.map(lambda v: changed.get(v, v) if isinstance(v, str) else v).astype(object)
                masked.append(column)
        self.masked[name] = masked
        return out, masked


def mask_frame(frame: pd.DataFrame, kind: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """`frame` (a layer's attributes, of `kind` or of any kind when None) with its personal data
    masked, and the columns masked. The input frame is left as it is."""
    return Masker().add(frame, kind).mask(frame, kind)


def masked_column(frame: pd.DataFrame, column: str, kind: str | None = None) -> tuple[pd.Series, list[str]]:
    """One column of `frame` (a label field) as an export shows it: masked if it is personal, and
    with the personal values of the whole frame (a party quoted in a note) scrubbed out of it if it
    is free text. Also the masked columns among it ([] or [column]). Masking only `frame[[column]]`
    would not know the row's party when the column is 备注."""
    masker = Masker().add(frame, kind)
    part, masked = masker.mask(frame[[column]], kind)
    return part[column], masked


def masked_labels(columns, kind: str | None = None) -> list[str]:
    """The masked columns by their names for people: 当事人, 证件号, 电话; a user's column as it is."""
    out = []
    for column in columns:
        label = str(column)
        for code in ([kind] if kind else list(KINDS)):
            info = KINDS.get(code)
            if info is not None and str(column) in info.schema.names:
                label = info.schema[str(column)].label()
                break
        if label not in out:
            out.append(label)
    return out


def masked_note(columns, kind: str | None = None) -> str:
    """'已隐去个人信息：当事人、证件号、电话' for an export's note; '' when nothing was masked."""
    labels = masked_labels(columns, kind)
    if not labels:
        return ""
    return tr("已隐去个人信息：{fields}（导出时加 --with-personal-data 或勾选“包含个人信息”可保留）",
              "personal data masked: {fields} (export with --with-personal-data or tick 'include personal data' "
              "to keep it)", fields=tr("、", ", ").join(labels))
