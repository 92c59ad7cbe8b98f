"""Typed fields and the validation that turns a source table into a layer of a kind.

A schema lists the fields a kind knows. Sources may name a field by its code
(`case_no`) or by its Chinese label (`编号`); both map onto the code. Fields the
schema does not know are kept as they come. Every problem names the feature and
the field, in the user's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gisdesk.errors import InputError, ValidationError
from gisdesk.i18n import tr

TEXT, INT, FLOAT, DATE, ENUM, CODES = "text", "int", "float", "date", "enum", "codes"


@dataclass(frozen=True)
class Field:
    name: str
    label_zh: str
    type: str = TEXT
    values: tuple[str, ...] = ()  # allowed values of ENUM / CODES
    required: bool = False
    minimum: float | None = None
    personal: bool = False  # personal data: masked in exports unless the user opts in
    # other spellings of ENUM values, (synonym, value): Chinese standard terms, English words
    synonyms: tuple[tuple[str, str], ...] = ()

    def label(self) -> str:
        return tr(self.label_zh, self.name)

    def value_of(self, value) -> str | None:
        """The allowed ENUM value `value` stands for (itself, or a synonym), in any letter case and
        with surrounding white space; None when it stands for none."""
        text = str(value).strip()
        if text in self.values:
            return text
        key = text.casefold()
        for allowed in self.values:
            if allowed.casefold() == key:
                return allowed
        for synonym, allowed in self.synonyms:
            if synonym.casefold() == key:
                return allowed
        return None


@dataclass(frozen=True)
class Schema:
    fields: tuple[Field, ...]
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        for source, name in self.aliases.items():
            assert name in self.names, f"alias {source} names no field ({name})"

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def source_column(self, columns, name: str) -> str | None:
        """The column of `columns` that `conform` reads as the field `name` (the field itself when
        present), or None."""
        if name in columns:
            return name
        return next((c for c, f in _schema_renames(columns, self).items() if f == name), None)

    def mapped_column(self, columns, name: str, field_map: dict[str, str] | None = None) -> str | None:
        """Like `source_column`, with the columns `field_map` maps as it says (`field_renames`)."""
        if not field_map:
            return self.source_column(columns, name)
        found = next((c for c, f in field_renames(columns, self, field_map).items() if f == name), None)
        return found or (name if name in columns and name not in field_map else None)

    def source_names(self) -> dict[str, str]:
        """Map every accepted source column name (code, Chinese label, alias) to its field."""
        names = {f.name: f.name for f in self.fields}
        names.update({f.label_zh: f.name for f in self.fields})
        names.update(self.aliases)
        return names


@dataclass
class Problem:
    row: int
    uid: str | None
    field: str
    value: object
    reason_zh: str
    reason_en: str
    source_row: int | None = None  # the feature's row in the user's file (1-based, as it shows it), when known
    line: bool = False  # whether source_row is a spreadsheet or CSV row ("第 5 行") rather than a record
    id_field: str | None = None  # the user's name of the id column (编号), whose value the uid is
    column: str | None = None  # the user's name of the column that holds the field (状态 for status)
    label_zh: str | None = None  # the field's Chinese name (小区编号 for estate_no), what messages call it

    @property
    def field_text(self) -> str:
        """The field as a message names it: its Chinese name in Chinese, its code in English."""
        return tr(self.label_zh, self.field) if self.label_zh else self.field

    def describe(self) -> str:
        reason = tr(self.reason_zh, self.reason_en, value=self.value)
        if self.source_row is not None:  # as the user finds it: the row, its id value, the column they named
            where = tr("第 {n} 行", "row {n}", n=self.source_row) if self.line else tr(
                "第 {n} 条记录", "record {n}", n=self.source_row)
            if self.uid and self.id_field:
                where += tr("（{id_field} = {uid}）", " ({id_field} = {uid})", id_field=self.id_field, uid=self.uid)
            return tr("{who}的 {field}：{reason}", "{who}, field {field}: {reason}",
                      who=where, field=self.column or self.field_text, reason=reason)
        who = tr("要素 {uid}", "feature {uid}", uid=self.uid) if self.uid else tr(
            "第 {n} 个要素", "feature #{n}", n=self.row + 1)
        return tr("{who} 字段 {field}：{reason}", "{who}, field {field}: {reason}",
                  who=who, field=self.field_text, reason=reason)


def conform(frame: pd.DataFrame, schema: Schema, *, source: str, uids=None, mapped: dict | None = None,
            unmapped: dict | None = None, field_map: dict[str, str] | None = None, rows=None, lines: bool = False,
            id_column: str | None = None) -> pd.DataFrame:
    """Rename source columns onto the schema, convert types and check values.

    Returns a new frame whose schema fields have their proper dtypes (missing optional
    fields are added empty). Raises ValidationError listing the first problems.

    `mapped`, when given, receives each renamed source column → its field. With `unmapped` given
    (an import), a value of an optional ENUM field that stands for no allowed value is no refusal:
    the field stays empty for that feature, the value as given goes into the column
    `<field>_source`, and `unmapped[field]` counts each such value. Required fields (the workflow
    states among them) refuse as always.

    `field_map` (source column → field name, or "" to keep the column as an extra column) overrides
    the mapping found by name for the columns it names (`field_renames`).

    `rows` (an import) gives each feature's row in the user's file (1-based; `lines`: spreadsheet or
    CSV rows, else records) and `id_column` the user's id column: a problem then names the row, the
    id value and the column as the user wrote them ("第 5 行（编号 = WJ-003）的 状态：…").
    """
    renames = field_renames(frame.columns, schema, field_map, source=source)
    if mapped is not None:
        mapped.update(renames)
    frame = frame.rename(columns=renames)
    # (list() of a pandas Series of a million uids takes seconds, its tolist() a tenth of that)
    uids = (uids.tolist() if hasattr(uids, "tolist") else list(uids)) if uids is not None else [None] * len(frame)
    problems: list[Problem] = []
    out = frame.copy()
    for f in schema.fields:
        if f.name not in out.columns:
            if f.required:
                problems.append(Problem(-1, None, f.name, None, "缺少必填字段", "required field is missing", label_zh=f.label_zh))
            out[f.name] = _empty_column(f, len(out))
            continue
        if f.type in (ENUM, CODES) and not f.required and unmapped is not None:
            out[f.name], kept, counts = _lenient_enum(out[f.name], f)
            if counts:
                column = f"{f.name}_source"
                while column in out.columns:
                    column += "_"
                out[column] = kept
                unmapped[f.name] = counts
            continue
        out[f.name] = _convert(out[f.name], f, uids, problems)
    if problems:
        if rows is not None:
            rows, columns = list(rows), {f: c for c, f in renames.items()}
            for problem in problems:
                if problem.row >= 0:
                    problem.source_row, problem.line = int(rows[problem.row]), lines
                    problem.id_field, problem.column = id_column, columns.get(problem.field, problem.field)
        raise SchemaProblems(source, problems)
    return out


SHAPEFILE_NAME_LENGTH = 10  # a DBF field name has at most 10 characters (bytes)
EXTRA_SUFFIX = "_extra"  # a column kept aside whose name is a field's (in any letter case) gets it


def field_renames(columns, schema: Schema, field_map: dict[str, str] | None = None, *,
                  source: str = "") -> dict[str, str]:
    """Source column → the name it gets: the field it is read as (found by `_schema_renames`, or as
    `field_map` says for the columns it names). A column `field_map` keeps aside ("") whose name is
    a field's in any letter case (GeoPackage columns ignore case), or that lost its field to a
    column the map sends there, is renamed `<column>_extra`. A map naming a column the source lacks,
    a field the schema lacks, or one field for two columns is refused."""
    renames = _schema_renames(columns, schema)
    if not field_map:
        return renames
    columns = [str(c) for c in columns]
    for column, target in field_map.items():
        if column not in columns:
            raise InputError("{source}：字段对应 {column}={target} 中的源字段 {column} 不存在；源字段有：{columns}",
                             "{source}: field mapping {column}={target}: the source has no column {column}; "
                             "it has: {columns}", source=source, column=column, target=target,
                             columns=", ".join(c for c in columns if c != "geometry"))
        if target and target not in schema.names:
            raise InputError("{source}：字段对应 {column}={target} 中的 {target} 不是该类图层的字段；可选：{fields}"
                             "（或留空作为附加字段保留）",
                             "{source}: field mapping {column}={target}: {target} is not a field of this kind; "
                             "one of: {fields} (or empty to keep the column as an extra column)",
                             source=source, column=column, target=target, fields=", ".join(schema.names))
    targets = [t for t in field_map.values() if t]
    twice = next((t for t in targets if targets.count(t) > 1), None)
    if twice:
        raise InputError("{source}：字段对应把多个源字段（{columns}）都对应到 {target}",
                         "{source}: the field mapping sends several columns ({columns}) to {target}",
                         source=source, target=twice, columns=", ".join(c for c, t in field_map.items() if t == twice))
    renames = {c: f for c, f in renames.items() if c not in field_map and f not in targets}
    renames.update({c: t for c, t in field_map.items() if t and c != t})
    fields = {n.casefold() for n in schema.names}
    names = {str(c).casefold() for c in columns if c not in renames} | {f.casefold() for f in renames.values()}
    for column in columns:
        if column in renames or column.casefold() not in fields or field_map.get(column) == column:
            continue
        if field_map.get(column) == "" or (column in schema.names and column in targets) or \
                column not in schema.names:  # kept aside, or its field now another column's
            name = column + EXTRA_SUFFIX
            while name.casefold() in names or name.casefold() in fields:
                name += "_"
            renames[column] = name
            names.add(name.casefold())
    return renames


def _schema_renames(columns, schema: Schema) -> dict[str, str]:
    """Source column → schema field, matched by code, Chinese label or alias, in any letter case
    (`NAME` is `name`: GeoPackage and shapefile column names ignore case), else as the shapefile
    cut (10 bytes) of the names of exactly one field (`building_u` is `building_use`, `配建建筑类`
    is `配建建筑类型`). A field that a column already carries exactly keeps it; each field is taken by
    one column at most, a full name before a cut one."""
    names = {source.casefold(): field for source, field in schema.source_names().items()}
    cuts: dict[str, set[str]] = {}
    for source, field in schema.source_names().items():
        for cut in _shapefile_cuts(source):
            cuts.setdefault(cut.casefold(), set()).add(field)
    taken = {c for c in columns if c in schema.names}
    renames = {}
    for match in (lambda key: names.get(key),
                  lambda key: next(iter(cuts[key])) if len(cuts.get(key, ())) == 1 else None):
        for column in columns:
            if column in renames:
                continue
            field = match(str(column).casefold())
            if field is None or column == field or field in taken or column in taken:
                continue
            renames[column] = field
            taken.add(field)
    return renames


def _shapefile_cuts(name: str) -> set[str]:
    """What a shapefile writer leaves of a name longer than a DBF field name's 10 bytes: its first 10
    characters (ASCII), or as many whole characters as fit in 10 bytes of GBK (Chinese DBFs)."""
    data = name.encode("gb18030")  # ASCII as it is
    return {data[:SHAPEFILE_NAME_LENGTH].decode("gb18030", errors="ignore")} if len(data) > SHAPEFILE_NAME_LENGTH \
        else set()


def _empty_column(f: Field, n: int) -> pd.Series:
    if f.type == INT:
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    if f.type == FLOAT:
        return pd.Series(np.full(n, np.nan))
    return pd.Series([None] * n, dtype=object)


def _allowed_or_none(text: str, f: Field) -> str | None:
    """The value as an ENUM or CODES field stores it, or None when (a code of) it is none of the allowed."""
    if f.type == ENUM:
        return f.value_of(text)
    try:
        return _convert_value(text, f) or None
    except ValueError:
        return None


def _enum_lookup(column: pd.Series, f: Field):
    """(each row's stored value or None, rows with a value, the value as given, trimmed) for an ENUM
    or CODES column, each distinct value looked up once."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)  # missing: -1
    given = np.array([*(str(u).strip() for u in uniques), ""], dtype=object)  # code -1 (missing): ""
    stored = np.array([*(_allowed_or_none(g, f) if g else None for g in given[:-1]), None], dtype=object)
    return stored[codes], (given != "")[codes], given[codes]


def _lenient_enum(column: pd.Series, f: Field):
    """(the allowed values, the source values that stand for none of them — else None —, their
    counts {value: n})."""
    converted, present, given = _enum_lookup(column, f)
    bad = present & np.equal(converted, None)
    if not bad.any():
        return pd.Series(converted, index=column.index, dtype=object), None, {}
    kept = np.where(bad, given, None)
    counts = {str(k): int(n) for k, n in pd.Series(given[bad]).value_counts().items()}
    return (pd.Series(converted, index=column.index, dtype=object), pd.Series(kept, index=column.index, dtype=object),
            counts)


def _convert(column: pd.Series, f: Field, uids, problems: list[Problem]) -> pd.Series:
    """The column converted to the field's type; each bad value becomes a problem naming its row.

    Text columns of text and number columns of numbers (nearly every real column) are converted
    in whole arrays; only the rows that may be a problem (empty but required, fractional in an
    integer field, below the minimum) and columns of other types go value by value.
    """
    fast = _convert_arrays(column, f)
    if fast is None:
        return _finish(_convert_each(column.to_list(), range(len(column)), f, uids, problems), f, column.index)
    converted, suspect = fast
    rows = np.flatnonzero(suspect)
    if len(rows):
        fixed = _convert_each(column.iloc[rows].to_list(), rows, f, uids, problems)
        converted = converted.astype(object)
        converted[rows] = fixed
    return _finish(converted, f, column.index)


def _convert_arrays(column: pd.Series, f: Field):
    """(converted values as an array, rows to look at one by one), or None for the value-by-value way."""
    if f.type == TEXT and pd.api.types.is_string_dtype(column):
        text = column.astype("string").str.strip()
        missing = (text.isna() | (text == "")).to_numpy(dtype=bool)
        values = text.astype(object).to_numpy().copy()
        values[missing] = None
        return values, missing & f.required
    if f.type in (INT, FLOAT) and pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        number = column.to_numpy(dtype=float, na_value=np.nan).copy()
        missing = np.isnan(number)
        suspect = missing & f.required
        with np.errstate(invalid="ignore"):
            if f.type == INT:
                suspect |= ~missing & ~(np.isfinite(number) & (number == np.floor(number)))
            if f.minimum is not None:
                suspect |= ~missing & (number < f.minimum)
        return number, suspect
    if f.type in (ENUM, CODES):
        converted, present, _ = _enum_lookup(column, f)
        return converted, (present & np.equal(converted, None)) | (~present & f.required)
    return None


def _convert_each(values, rows, f: Field, uids, problems: list[Problem]) -> list:
    converted = []
    for row, value in zip(rows, values):
        if _is_missing(value):
            if f.required:
                problems.append(Problem(row, uids[row], f.name, value, "必填字段为空", "required value is empty", label_zh=f.label_zh))
            converted.append(None)
            continue
        try:
            converted.append(_convert_value(value, f))
        except (ValueError, OverflowError) as exc:
            zh, en = exc.args if len(exc.args) == 2 else ("值 {value!r} 无效", "invalid value {value!r}")
            problems.append(Problem(row, uids[row], f.name, value, zh, en, label_zh=f.label_zh))
            converted.append(None)
    return converted


def _finish(values, f: Field, index) -> pd.Series:
    if f.type == INT:
        values = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
        if values.dtype == float:
            missing = np.isnan(values)
            return pd.Series(pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing),
                             index=index)
        return pd.Series(pd.array([None if _is_missing(v) else int(v) for v in values], dtype="Int64"), index=index)
    if f.type == FLOAT:
        return pd.Series([np.nan if v is None else v for v in values], index=index, dtype=float) \
            if not (isinstance(values, np.ndarray) and values.dtype == float) else pd.Series(values, index=index)
    return pd.Series(list(values) if not isinstance(values, np.ndarray) else values, index=index, dtype=object)


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _convert_value(value, f: Field):
    if f.type == TEXT:
        return str(value).strip() if not isinstance(value, str) else value.strip()
    if f.type in (INT, FLOAT):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("{value!r} 不是数字", "{value!r} is not a number") from None
        if f.type == INT:
            if number != int(number):
                raise ValueError("{value!r} 不是整数", "{value!r} is not a whole number")
            number = int(number)
        if f.minimum is not None and number < f.minimum:
            raise ValueError(f"{{value!r}} 小于允许的最小值 {f.minimum:g}",
                             f"{{value!r}} is below the minimum {f.minimum:g}")
        return number
    if f.type == DATE:
        return _iso_date(value)
    if f.type == ENUM:
        allowed = f.value_of(value)
        if allowed is None:
            raise ValueError("{value!r} 不在允许值之内：" + "、".join(f.values),
                             "{value!r} is not one of: " + ", ".join(f.values))
        return allowed
    if f.type == CODES:
        given = [c.strip() for c in str(value).replace("，", ",").replace("、", ",").split(",") if c.strip()]
        codes = [f.value_of(c) for c in given]
        unknown = [c for c, code in zip(given, codes) if code is None]
        if unknown:
            raise ValueError("未知代码 " + ",".join(unknown) + "；允许：" + ",".join(f.values),
                             "unknown code " + ",".join(unknown) + "; allowed: " + ",".join(f.values))
        return ",".join(codes)
    raise AssertionError(f"unknown field type {f.type}")


def _iso_date(value) -> str:
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).date().isoformat()
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            pass
    raise ValueError("{value!r} 不是日期（应为 YYYY-MM-DD）", "{value!r} is not a date (expected YYYY-MM-DD)")


class SchemaProblems(ValidationError):
    """Features that break a schema: names the first problem (by feature) and counts the rest."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = sorted(problems, key=lambda p: p.row)
        Exception.__init__(self, source)

    @property
    def message(self) -> str:
        first = self.problems[0]
        text = first.describe() if first.row >= 0 else tr(
            "字段 {field}：缺少必填字段", "field {field}: required field is missing", field=first.field_text)
        more = len(self.problems) - 1
        return tr("{source}：{first}", "{source}: {first}", source=self.source, first=text) + (
            tr("（另有 {more} 处问题）", " (and {more} more problems)", more=more) if more else "")


def mapping_lines(mapped: dict[str, str], unmapped: dict[str, dict[str, int]], schema: Schema | None = None) -> list[str]:
    """The import report's lines on field mapping: which source columns were read as which fields
    (by their names in `schema`), and, per field, the values that stood for no allowed value (kept in
    `<field>_source`)."""
    def named(field: str) -> str:
        return schema[field].label() if schema is not None and field in schema.names else field

    lines = []
    if mapped:
        lines.append(tr("  字段对应：{pairs}", "  fields read as: {pairs}",
                        pairs=", ".join(f"{source} → {named(field)}" for source, field in mapped.items())))
    for name, counts in unmapped.items():
        shown = list(counts.items())[:10]
        values = ", ".join(f"{v!r} ×{n}" for v, n in shown) + (" …" if len(counts) > len(shown) else "")
        lines.append(tr("  字段 {label} 有 {n} 个要素的值无法对应允许值，已留空并原样保存在 {field}_source：{values}",
                        "  field {field}: {n} features have a value that is none of the allowed ones; left empty, "
                        "kept as given in {field}_source: {values}", field=name, label=named(name),
                        n=sum(counts.values()), values=values))
    return lines
