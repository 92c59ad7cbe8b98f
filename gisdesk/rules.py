"""Rule files: setbacks, tolerances, colours and plan targets of a city (TOML)."""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from gisdesk.errors import RuleError
from gisdesk.layers.kinds import CONTROL_KINDS, CONTROL_SCHEMA, ROAD_CLASS_SYNONYMS, ROAD_CLASSES

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "resources" / "rules" / "default.toml"


@dataclass(frozen=True)
class Rules:
    setback: dict[str, float]
    setback_by_road_class: dict[str, float]
    overlap_m2: float
    width_m: float
    colors: dict[str, str] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    city: str = ""
    text: str = ""  # the TOML as read, saved into the project with the results

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]


def load_rules(path: str | Path | None = None) -> Rules:
    path = Path(path) if path else DEFAULT_RULES_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError("无法读取规则文件 {path}：{why}", "cannot read rule file {path}: {why}",
                        path=path, why=exc.strerror) from exc
    return parse_rules(text, source=str(path))


def parse_rules(text: str, *, source: str = "rules") -> Rules:
    try:
        data = _loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError("规则文件 {source} 不是有效的 TOML：{why}", "rule file {source} is not valid TOML: {why}",
                        source=source, why=exc) from exc

    def number(table: str, key: str, value) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise RuleError("规则文件 {source}：[{table}] {key} 应为非负数，而不是 {value!r}",
                            "rule file {source}: [{table}] {key} must be a non-negative number, not {value!r}",
                            source=source, table=table, key=key, value=value)
        return float(value)

    def table(name: str, known: tuple[str, ...] | None, required: tuple[str, ...] = ()) -> dict:
        values = data.get(name, {})
        if not isinstance(values, dict):
            raise RuleError("规则文件 {source}：[{name}] 应为表", "rule file {source}: [{name}] must be a table",
                            source=source, name=name)
        for key in values:
            if known is not None and key not in known:
                raise RuleError("规则文件 {source}：[{name}] 中的 {key} 未知；可用：{known}",
                                "rule file {source}: unknown key {key} in [{name}]; known: {known}",
                                source=source, name=name, key=key, known=", ".join(known))
        for key in required:
            if key not in values:
                raise RuleError("规则文件 {source}：[{name}] 缺少 {key}", "rule file {source}: [{name}] lacks {key}",
                                source=source, name=name, key=key)
        return values

    setback = {k: number("setback", k, v) for k, v in table("setback", CONTROL_KINDS, CONTROL_KINDS).items()}
    by_class = _by_road_class(table("setback_by_road_class", None), number, source)
    tolerance = table("tolerance", ("overlap_m2", "width_m"))
    return Rules(
        setback=setback,
        setback_by_road_class=by_class,
        overlap_m2=number("tolerance", "overlap_m2", tolerance.get("overlap_m2", 0.5)),
        width_m=number("tolerance", "width_m", tolerance.get("width_m", 0.1)),
        colors={k: str(v) for k, v in table("colors", None).items()},
        targets={k: number("targets", k, v) for k, v in table("targets", None).items()},
        city=str(data.get("city", {}).get("name", "")),
        text=text,
    )


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


def project_rules(project) -> Rules:
    """The rules a project is checked by: those of its last check, else the default rule file.

    `gisdesk check` without --rules, the app's check and the indicators' plan targets all use this."""
    text = project.setting("rules")
    return parse_rules(text, source=f"{project.path.name} (rules)") if text else load_rules()
