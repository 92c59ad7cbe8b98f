"""Rule files: setbacks, tolerances, colours and plan targets of a city (TOML)."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from gisdesk.errors import RuleError
from gisdesk.layers.kinds import CONTROL_KINDS, CONTROL_SCHEMA, KINDS, ROAD_CLASS_SYNONYMS, ROAD_CLASSES, SUBJECT_KINDS

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "resources" / "rules" / "default.toml"


@dataclass(frozen=True)
class ExemptRule:
    """A subject whose `field` is set (to one of `values`, when given) is exempt from a kind of line."""
    field: str  # a field of a subject layer (buildings, ledger)
    reason: str  # what the conflict's exemption says: "{reason}：{value}"
    values: tuple[str, ...] = ()  # empty: any non-empty value


@dataclass(frozen=True)
class Rules:
    setback: dict[str, float]
    setback_by_road_class: dict[str, float]
    overlap_m2: float
    width_m: float
    colors: dict[str, str] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    city: str = ""
    # when each kind of line took effect, where a control feature has no effective_on of its own
    effective_on: dict[str, dt.date] = field(default_factory=dict)
    exempt: dict[str, tuple[ExemptRule, ...]] = field(default_factory=dict)  # [exempt], beside the default rule
    text: str = ""  # the TOML as read, saved into the project with the results

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]


# The tables of a rule file and their keys (None: keys checked by the table's own reader)
TARGET_KEYS = ("handling_rate", "demolition_rate", "renovation_rate", "green_land_ratio", "road_area_ratio",
               "road_network_density")  # the plan targets gisdesk.analysis.indicators looks up
RULE_TABLES: dict[str, tuple[str, ...] | None] = {
    "city": ("name", "note"), "setback": CONTROL_KINDS, "setback_by_road_class": None,
    "tolerance": ("overlap_m2", "width_m"), "colors": CONTROL_KINDS, "targets": TARGET_KEYS,
    "effective_on": CONTROL_KINDS, "exempt": CONTROL_KINDS}
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def load_rules(path: str | Path | None = None) -> Rules:
    """The rules of a TOML file in UTF-8 (with or without BOM) or GBK/GB18030 (what Notepad saves on
    Chinese Windows); any other file is refused in one line naming it."""
    path = Path(path) if path else DEFAULT_RULES_PATH
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleError("无法读取规则文件 {path}：{why}", "cannot read rule file {path}: {why}",
                        path=path, why=exc.strerror or exc) from exc
    return parse_rules(decode_rules(data, source=str(path)), source=str(path))


def decode_rules(data: bytes, *, source: str = "rules") -> str:
    """The text of a rule file: UTF-8 (a BOM dropped), else GB18030 (GBK is a subset)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RuleError("规则文件 {source} 是 UTF-16 编码的文本：请另存为 UTF-8 或 GBK",
                        "rule file {source} is UTF-16 text: save it as UTF-8 or GBK", source=source)
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        return data[3:].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = exc.start + (3 if bom else 0)
    if not bom:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            pass
    line = data[:where].count(b"\n") + 1
    raise RuleError("规则文件 {source} 第 {line} 行既不是 UTF-8 也不是 GBK 编码的文本：请另存为 UTF-8",
                    "rule file {source} line {line} is neither UTF-8 nor GBK text: save it as UTF-8",
                    source=source, line=line)


def parse_rules(text: str, *, source: str = "rules") -> Rules:
    """The rules of a TOML text. Every number finite and non-negative, tables where tables belong,
    no unknown table or key: anything else is refused naming the file, the table and the key."""
    text = text.removeprefix("\ufeff")
    try:
        data = _loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, source) from None
    except (ValueError, RecursionError, OverflowError):  # a number of thousands of digits, arrays nested too deep
        raise RuleError("规则文件 {source} 不是有效的 TOML：数字过长或嵌套过深",
                        "rule file {source} is not valid TOML: a number too long or nesting too deep",
                        source=source) from None
    for name in data:
        if name not in RULE_TABLES:
            raise RuleError("规则文件 {source}：未知的表或键 {name}；可用的表：{known}",
                            "rule file {source}: unknown table or key {name}; the tables are: {known}",
                            source=source, name=_shown_key(name), known=", ".join(RULE_TABLES))

    def number(table: str, key: str, value) -> float:
        try:
            ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and value >= 0
            result = float(value) if ok else math.nan
        except OverflowError:  # an integer of hundreds of digits
            ok = False
        if not ok or not math.isfinite(result):
            raise RuleError("规则文件 {source}：[{table}] {key} = {value} 不是有限的非负数",
                            "rule file {source}: [{table}] {key} = {value} is not a finite non-negative number",
                            source=source, table=table, key=_shown_key(key), value=_shown_value(value))
        return result

    def text_value(table: str, key: str, value, check=None, example: str = "") -> str:
        if not isinstance(value, str) or (check is not None and not check(value)):
            raise RuleError("规则文件 {source}：[{table}] {key} = {value} 应为{what}",
                            "rule file {source}: [{table}] {key} = {value} must be {what_en}",
                            source=source, table=table, key=_shown_key(key), value=_shown_value(value),
                            what=f"颜色，例如 {example}" if example else "文字（加引号）",
                            what_en=f"a colour, e.g. {example}" if example else "text (in quotes)")
        return value

    def table(name: str, required: tuple[str, ...] = ()) -> dict:
        values = data.get(name, {})
        if not isinstance(values, dict):
            raise RuleError("规则文件 {source}：{name} 应为表 [{name}]，而不是 {value}",
                            "rule file {source}: {name} must be a table [{name}], not {value}",
                            source=source, name=name, value=_shown_value(values))
        known = RULE_TABLES[name]
        for key in values:
            if known is not None and key not in known:
                raise RuleError("规则文件 {source}：[{name}] 中的 {key} 未知；可用：{known}",
                                "rule file {source}: unknown key {key} in [{name}]; known: {known}",
                                source=source, name=name, key=_shown_key(key), known=", ".join(known))
        for key in required:
            if key not in values:
                raise RuleError("规则文件 {source}：[{name}] 缺少 {key}", "rule file {source}: [{name}] lacks {key}",
                                source=source, name=name, key=key)
        return values

    setback = {k: number("setback", k, v) for k, v in table("setback", CONTROL_KINDS).items()}
    by_class = _by_road_class(table("setback_by_road_class"), number, source)
    tolerance = table("tolerance")
    city = {k: text_value("city", k, v) for k, v in table("city").items()}
    return Rules(
        setback=setback,
        setback_by_road_class=by_class,
        overlap_m2=number("tolerance", "overlap_m2", tolerance.get("overlap_m2", 0.5)),
        width_m=number("tolerance", "width_m", tolerance.get("width_m", 0.1)),
        colors={k: text_value("colors", k, v, _COLOR.fullmatch, '"#e3170a"') for k, v in table("colors").items()},
        targets={k: number("targets", k, v) for k, v in table("targets").items()},
        city=city.get("name", ""),
        effective_on={k: _date(source, k, v) for k, v in table("effective_on").items()},
        exempt={k: _exempt_rules(source, k, v) for k, v in table("exempt").items()},
        text=text,
    )


def _shown_key(key: str) -> str:
    """A key as the file writes it: quoted when TOML needs quotes, cut when very long."""
    shown = key if re.fullmatch(r"[A-Za-z0-9_-]+|[^\x00-\x7f]+", key) else json.dumps(key, ensure_ascii=False)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _shown_value(value) -> str:
    """A value written as in TOML (nan, inf, true, "abc", a table as {…}), cut when very long."""
    if isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, float):
        shown = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    elif isinstance(value, int):
        shown = str(value)  # (TOML refuses integers of more digits than Python converts)
    elif isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dict):
        shown = "{…}" if value else "{}"
    elif isinstance(value, list):
        shown = "[…]" if value else "[]"
    else:  # a TOML date or time
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


_TOML_WHY = [  # Python's TOML reader → words a user can act on
    ("Invalid statement", "无法识别的语句（键 = 值，或 [表名]）", "not a statement (key = value, or [table])"),
    ("Expected '=' after a key", "键后面缺少 =", "a key without = after it"),
    ("Expected ']' at the end of a table", "表名缺少结尾的 ]", "a table name without its closing ]"),
    ("Expected ']]' at the end of an array", "缺少结尾的 ]]", "an array-of-tables name without its closing ]]"),
    ("Cannot declare", "同一个表声明了两次", "a table declared twice"),
    ("Cannot overwrite a value", "同一个键给了两次", "a key given twice"),
    ("Cannot mutate immutable namespace", "同一个键给了两次", "a key given twice"),
    ("Cannot redefine namespace", "同一个表声明了两次", "a table declared twice"),
    ("Duplicate inline table key", "同一个键给了两次", "a key given twice"),
    ("Invalid initial character for a key part", "键的开头字符无效", "a key that starts with a character keys cannot"),
    ("Unclosed array", "数组缺少结尾的 ]", "an array without its closing ]"),
    ("Unclosed inline table", "内联表缺少结尾的 }", "an inline table without its closing }"),
    ("Unterminated string", "字符串缺少结尾的引号", "a string without its closing quote"),
    ("Illegal character '\\n'", "字符串缺少结尾的引号", "a string without its closing quote"),
    ("Illegal character", "文件中有不允许的控制字符", "a control character that TOML does not allow"),
    ("Found invalid character", "有无效的字符", "an invalid character"),
    ("Unescaped '\\'", "字符串中有未转义的 \\（Windows 路径请用单引号）",
     "an unescaped \\ in a string (write Windows paths in single quotes)"),
    ("Invalid hex value", "无效的转义序列", "an invalid escape sequence"),
    ("Escaped character is not", "无效的转义序列", "an invalid escape sequence"),
    ("Invalid date or datetime", "日期或时间无效", "an invalid date or time"),
    ("Invalid value", "值无效（文字要加引号，数字如 10.0）", "an invalid value (text goes in quotes, numbers like 10.0)"),
    ("Expected newline", "一条语句后应换行（一行只写一个 键 = 值）", "a statement not followed by a new line"),
    ("Expected '", "字符串缺少结尾的引号", "a string without its closing quotes"),
    ('Expected "', "字符串缺少结尾的引号", "a string without its closing quotes"),
]


def _syntax_error(exc: tomllib.TOMLDecodeError, source: str) -> RuleError:
    """A TOML syntax error in the user's language, with its line and column."""
    text = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)$", text)
    why = next(((zh, en) for key, zh, en in _TOML_WHY if text.startswith(key)), (text, text))
    if match is None:  # "(at end of document)"
        return RuleError("规则文件 {source} 不是有效的 TOML：文件末尾{why}", "rule file {source} is not valid TOML at "
                         "its end: {why_en}", source=source, why=why[0], why_en=why[1])
    return RuleError("规则文件 {source} 第 {line} 行第 {column} 列不是有效的 TOML：{why}",
                     "rule file {source} is not valid TOML at line {line}, column {column}: {why_en}",
                     source=source, line=int(match.group(1)), column=int(match.group(2)), why=why[0], why_en=why[1])


# a bare key with Chinese in it (主干路 = 20): TOML 1.1 allows it, Python's TOML 1.0 reader does not
_UNICODE_KEY = re.compile(r"^([ \t]*)([^\s=#\"'\[\].]*[^\x00-\x7f][^\s=#\"'\[\].]*)([ \t]*=)", re.M)


def _loads(text: str) -> dict:
    """The TOML; a file that TOML 1.0 refuses only for bare keys in Chinese is read with them quoted."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        quoted = _UNICODE_KEY.sub(r'\1"\2"\3', text)
        if quoted == text:
            raise
    return tomllib.loads(quoted)  # its error, if any, is the file's next one (same lines)


def _by_road_class(values: dict, number, source: str) -> dict[str, float]:
    """[setback_by_road_class] keyed by the stored codes; a key may also be a GB 50220 term or an
    English synonym (主干路 = 20 is trunk = 20). A class given twice is refused."""
    road_class = CONTROL_SCHEMA["road_class"]
    out: dict[str, float] = {}
    given: dict[str, str] = {}
    for key, value in values.items():
        code = road_class.value_of(key)
        if code is None:
            known = [*ROAD_CLASSES, *(s for s, _ in ROAD_CLASS_SYNONYMS)]
            raise RuleError("规则文件 {source}：[{name}] 中的 {key} 未知；可用：{known}",
                            "rule file {source}: unknown key {key} in [{name}]; known: {known}",
                            source=source, name="setback_by_road_class", key=key, known=", ".join(known))
        if code in out:
            raise RuleError("规则文件 {source}：[setback_by_road_class] 中 {first} 与 {key} 是同一道路等级（{code}）",
                            "rule file {source}: {first} and {key} in [setback_by_road_class] are the same road "
                            "class ({code})", source=source, first=given[code], key=key, code=code)
        out[code] = number("setback_by_road_class", key, value)
        given[code] = key
    return out


def _date(source: str, key: str, value) -> dt.date:
    """[effective_on] kind = 2005-01-01 (a TOML date) or "2005-01-01"."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass  # not a date: refused below, with the example
    raise RuleError("规则文件 {source}：[effective_on] {key} = {value} 应为日期，例如 {key} = 2005-01-01",
                    "rule file {source}: [effective_on] {key} = {value} must be a date, e.g. {key} = 2005-01-01",
                    source=source, key=key, value=_shown_value(value))


EXEMPT_EXAMPLE = '[{field = "protection", reason = "受保护建筑"}]'
_EXEMPT_KEYS = ("field", "reason", "values")


def _subject_fields() -> dict[str, str]:
    """Every name a subject field goes by in [exempt] (code or Chinese label) → its code."""
    names: dict[str, str] = {}
    for kind in SUBJECT_KINDS:
        for f in KINDS[kind].schema.fields:
            names.setdefault(f.name, f.name)
            names.setdefault(f.label_zh, f.name)
    return names


def _exempt_rules(source: str, kind: str, value) -> tuple[ExemptRule, ...]:
    """[exempt] kind = [{field = "...", reason = "...", values = ["...", ...]}, ...] (values optional);
    one inline table alone stands for a list of one."""
    def refuse(zh: str, en: str, **extra):
        raise RuleError("规则文件 {source}：[exempt] {key}：" + zh + "；写法如 {key} = {example}",
                        "rule file {source}: [exempt] {key}: " + en + "; write it like {key} = {example}",
                        source=source, key=kind, example=EXEMPT_EXAMPLE, **extra)

    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list):
        refuse("应为 {{field = ..., reason = ...}} 的列表，而不是 {value}",
               "must be a list of {{field = ..., reason = ...}}, not {value}", value=_shown_value(value))
    fields = _subject_fields()
    rules = []
    for item in items:
        if not isinstance(item, dict):
            refuse("列表中的 {value} 不是 {{field = ..., reason = ...}}",
                   "{value} in the list is not {{field = ..., reason = ...}}", value=_shown_value(item))
        unknown = [k for k in item if k not in _EXEMPT_KEYS]
        if unknown:
            refuse("未知的键 {name}；可用：field, reason, values", "unknown key {name}; known: field, reason, values",
                   name=_shown_key(unknown[0]))
        for name in ("field", "reason"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                refuse("{name} 应为非空文字（加引号），而不是 {value}",
                       "{name} must be non-empty text (in quotes), not {value}",
                       name=name, value=_shown_value(item.get(name, "")))
        code = fields.get(item["field"].strip())
        if code is None:
            refuse("字段 {name} 不是建筑或台账的字段；可用：{known}",
                   "{name} is not a field of buildings or the ledger; known: {known}",
                   name=_shown_value(item["field"]), known=", ".join(dict.fromkeys(fields.values())))
        values = item.get("values", [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            refuse("values 应为文字的列表，例如 [\"文物保护单位\", \"历史建筑\"]，而不是 {value}",
                   "values must be a list of text, e.g. [\"文物保护单位\", \"历史建筑\"], not {value}",
                   value=_shown_value(values))
        rules.append(ExemptRule(code, item["reason"].strip(), tuple(v.strip() for v in values)))
    return tuple(rules)


def project_rules(project) -> Rules:
    """The rules a project is checked by: those of its last check, else the default rule file.

    `gisdesk check` without --rules, the app's check and the indicators' plan targets all use this."""
    text = project.setting("rules")
    return parse_rules(text, source=f"{project.path.name} (rules)") if text else load_rules()
