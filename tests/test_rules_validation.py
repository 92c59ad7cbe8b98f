"""Rule files are validated like sources (issue 7): every number finite and non-negative, tables
where tables belong, no unknown table or key, UTF-8 (with or without BOM) or GBK/GB18030 text, a
TOML syntax error named by its line — each refused in one line naming the file, the table and the
key; through `gisdesk check --rules` exit 2 and the project byte-identical."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from pathlib import Path

import pytest
from shapely.geometry import box

from gisdesk import i18n
from gisdesk.errors import RuleError
from gisdesk.rules import DEFAULT_RULES_PATH, RULE_TABLES, TARGET_KEYS, decode_rules, load_rules, parse_rules
from tests.conftest import frame

DEFAULT = DEFAULT_RULES_PATH.read_text(encoding="utf-8")


def _refused(text: str) -> str:
    with pytest.raises(RuleError) as caught:
        parse_rules(text, source="rules.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_default_rule_file_passes_its_own_checks():
    rules = load_rules()
    assert rules.setback["red"] == 10.0 and rules.targets["handling_rate"] == 0.9
    assert rules.colors["red"] == "#e3170a" and rules.city == "默认规则（示例）"


@pytest.mark.parametrize("value, shown", [
    ("nan", "nan"), ("+nan", "nan"), ("inf", "inf"), ("-inf", "-inf"), ("-1", "-1"), ("-0.5", "-0.5"),
    ('"abc"', '"abc"'), ("'10'", '"10"'), ("true", "true"), ("false", "false"), ("1e999", "inf"),
    ("1979-05-27", "1979-05-27"), ("[1, 2]", "[…]"), ("{ a = 1 }", "{…}"),
])
@pytest.mark.parametrize("table, key, line", [
    ("setback", "red", "red = 10.0"),
    ("setback_by_road_class", "trunk", "trunk = 15.0"),
    ("tolerance", "overlap_m2", "overlap_m2 = 0.5"),
    ("tolerance", "width_m", "width_m = 0.1"),
    ("targets", "road_network_density", "road_network_density = 8.0"),
])
def test_a_number_that_is_not_finite_and_non_negative_is_refused_naming_table_and_key(value, shown, table, key, line):
    assert line in DEFAULT
    message = _refused(DEFAULT.replace(line, f"{key} = {value}"))
    assert message == f"规则文件 rules.toml：[{table}] {key} = {shown} 不是有限的非负数"
    i18n.set_language("en")
    assert _refused(DEFAULT.replace(line, f"{key} = {value}")) == \
        f"rule file rules.toml: [{table}] {key} = {shown} is not a finite non-negative number"


def test_an_integer_too_large_for_a_float_is_refused_not_an_overflow():
    message = _refused(DEFAULT.replace("red = 10.0", "red = 1" + "0" * 400))
    assert message.startswith("规则文件 rules.toml：[setback] red = 1000") and "不是有限的非负数" in message
    assert "TOML" in _refused(DEFAULT.replace("red = 10.0", "red = 1" + "0" * 5000))  # beyond what Python converts


def test_zero_and_integers_are_numbers():
    rules = parse_rules(DEFAULT.replace("red = 10.0", "red = 0").replace("overlap_m2 = 0.5", "overlap_m2 = 2"))
    assert rules.setback["red"] == 0.0 and rules.overlap_m2 == 2.0 and isinstance(rules.overlap_m2, float)


def _without(table: str) -> str:
    """The default file without the table `table` (its header and its keys)."""
    return re.sub(rf"^\[{table}\]\n(?:[^\[].*\n|\n)*", "", DEFAULT, flags=re.M)


@pytest.mark.parametrize("text, says", [
    ("setback = 10.0\n" + _without("setback"), "setback 应为表 [setback]，而不是 10.0"),
    ('tolerance = "0.5"\n' + _without("tolerance"), 'tolerance 应为表 [tolerance]，而不是 "0.5"'),
    (DEFAULT.replace("[targets]", "[[targets]]"), "targets 应为表 [targets]，而不是 […]"),
    ("city = 3\n" + _without("city"), "city 应为表 [city]，而不是 3"),
    ("colors = [\"#e3170a\"]\n" + _without("colors"), "colors 应为表 [colors]，而不是 […]"),
])
def test_a_table_where_a_table_belongs(text, says):
    assert says in _refused(text)


@pytest.mark.parametrize("change, says", [
    (('name = "默认规则（示例）"', "name = 12"), '[city] name = 12 应为文字（加引号）'),
    (('red = "#e3170a"', "red = 14876426"), '[colors] red = 14876426 应为颜色，例如 "#e3170a"'),
    (('red = "#e3170a"', 'red = "红"'), '[colors] red = "红" 应为颜色'),
])
def test_text_where_text_belongs(change, says):
    assert change[0] in DEFAULT
    assert says in _refused(DEFAULT.replace(*change, 1))


@pytest.mark.parametrize("change, says", [
    (("[targets]", "[target]"), "未知的表或键 target；可用的表：city, setback, setback_by_road_class, tolerance, "
                                "colors, targets"),
    (("[city]", "threshold = 3\n[city]"), "未知的表或键 threshold"),
    (("yellow = 5.0", "yellow = 5.0\norange = 3"), "[setback] 中的 orange 未知；可用：red, green, blue, purple, yellow"),
    (("width_m = 0.1", "width_m = 0.1\ndepth_m = 0.1"), "[tolerance] 中的 depth_m 未知；可用：overlap_m2, width_m"),
    (("handling_rate = 0.90", "handling_rate = 0.90\nhandlingrate = 0.9"), "[targets] 中的 handlingrate 未知；可用："
                                                                          "handling_rate, demolition_rate"),
    (('red = "#e3170a"', 'red = "#e3170a"\nroads = "#000000"'), "[colors] 中的 roads 未知；可用：red, green"),
    (("[city]", '[city]\nmayor = "x"'), "[city] 中的 mayor 未知；可用：name, note"),
    (("trunk = 15.0", "trunk = 15.0\n高速 = 30"), "[setback_by_road_class] 中的 高速 未知；可用：expressway, trunk"),
    (("yellow = 5.0", 'yellow = 5.0\n"a b" = 1'), '[setback] 中的 "a b" 未知'),
])
def test_unknown_tables_and_keys_are_refused_with_the_known_ones(change, says):
    assert change[0] in DEFAULT
    assert says in _refused(DEFAULT.replace(*change, 1))


def test_the_known_targets_are_those_the_indicators_look_up():
    source = (Path(__file__).resolve().parent.parent / "gisdesk" / "analysis" / "indicators.py").read_text("utf-8")
    looked_up = set(re.findall(r'targets\.get\("(\w+)"\)', source))
    assert looked_up and looked_up <= set(TARGET_KEYS)
    assert all(f'"{key}"' in source for key in TARGET_KEYS)  # (two are looked up through a variable)
    assert set(parse_rules(DEFAULT).targets) <= set(TARGET_KEYS)
    assert set(RULE_TABLES) == {"city", "setback", "setback_by_road_class", "tolerance", "colors", "targets",
                                "effective_on", "exempt"}


@pytest.mark.parametrize("text, zh, en", [
    ("[setback\nred = 1\n", "第 1 行第 9 列不是有效的 TOML：表名缺少结尾的 ]",
     "is not valid TOML at line 1, column 9: a table name without its closing ]"),
    ("# 规则\n[setback]\nred = 10 m\n", "第 3 行第 10 列不是有效的 TOML：一条语句后应换行",
     "at line 3, column 10: a statement not followed by a new line"),
    ("[setback]\nred = abc\n", "第 2 行第 7 列不是有效的 TOML：值无效（文字要加引号",
     "at line 2, column 7: an invalid value (text goes in quotes"),
    ("[setback]\nred = 1\nred = 2\n", "第 3 行第 8 列不是有效的 TOML：同一个键给了两次", "at line 3, column 8: a key given twice"),
    ("[setback]\n[setback]\n", "第 2 行第 9 列不是有效的 TOML：同一个表声明了两次", "a table declared twice"),
    ("[city]\nname = \"深圳\n", "第 2 行第 11 列不是有效的 TOML：字符串缺少结尾的引号", "a string without its closing quote"),
    ("[city]\nname = '''深圳\n", "不是有效的 TOML：文件末尾字符串缺少结尾的引号", "at its end: a string without its closing"),
    ("[city]\nname = \"C:\\gis\"\n", "字符串中有未转义的 \\（Windows 路径请用单引号）", "an unescaped \\ in a string"),
    ("[setback]\nred = [1, 2\n", "不是有效的 TOML：", "not valid TOML"),
    ("[setback]\nred\x01 = 1\n", "第 2 行第 4 列不是有效的 TOML：", "at line 2, column 4"),
    ("x = " + "[" * 3000 + "]" * 3000, "不是有效的 TOML：数字过长或嵌套过深", "nesting too deep"),
])
def test_a_toml_syntax_error_gives_its_line_in_the_users_language(text, zh, en):
    message = _refused(text)
    assert message.startswith("规则文件 rules.toml") and zh in message, message
    assert not re.search(r"[A-Za-z]{5,}", message.replace("rules.toml", "").replace("TOML", "").replace("Windows", ""))
    i18n.set_language("en")
    message = _refused(text)
    assert message.startswith("rule file rules.toml") and en in message, message


# --- encodings: UTF-8 with or without BOM, GBK/GB18030 (Notepad on Chinese Windows) ---

CHINESE_RULES = """# 深圳市规划管理技术规定（节选）——退线距离，单位：米
[city]
name = "深圳市南山区"
note = "城市规划管理技术规定 2024 版；用记事本保存"

[setback]   # 各类控制线的建筑退线
red = 10.0      # 道路红线：次干路，多层
green = 5.0     # 绿线
blue = 10.0     # 蓝线
purple = 0.0    # 紫线：核心保护范围内不得新建
yellow = 5.0    # 黄线

[setback_by_road_class]   # 按道路等级（GB 50220）
快速路 = 30.0
主干路 = 20
次干路 = 12.5
支路 = 6

[tolerance]
overlap_m2 = 0.5   # 重叠面积
width_m = 0.1      # 深度

[targets]
handling_rate = 0.85   # 违法建设查处率
"""


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_gbk_rule_file_loads_with_the_same_values_as_its_utf8_twin(tmp_path):
    utf8 = load_rules(_write(tmp_path / "utf8.toml", CHINESE_RULES.encode("utf-8")))
    gbk_bytes = CHINESE_RULES.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        gbk_bytes.decode("utf-8")  # really GBK, not UTF-8 by chance
    gbk = load_rules(_write(tmp_path / "gbk.toml", gbk_bytes))
    bom = load_rules(_write(tmp_path / "bom.toml", codecs.BOM_UTF8 + CHINESE_RULES.encode("utf-8")))
    crlf = load_rules(_write(tmp_path / "crlf.toml", CHINESE_RULES.replace("\n", "\r\n").encode("gbk")))
    assert utf8.setback_by_road_class == {"expressway": 30.0, "trunk": 20.0, "secondary": 12.5, "branch": 6.0}
    assert utf8.city == "深圳市南山区" and utf8.targets == {"handling_rate": 0.85}
    for other in (gbk, bom, crlf):
        assert (other.setback, other.setback_by_road_class, other.overlap_m2, other.width_m, other.city,
                other.targets, other.colors) == (utf8.setback, utf8.setback_by_road_class, utf8.overlap_m2,
                                                 utf8.width_m, utf8.city, utf8.targets, utf8.colors)
    assert gbk.text == utf8.text == bom.text  # the text saved in the project: decoded, without the BOM
    assert gbk.digest == utf8.digest


def test_gb18030_beyond_gbk_is_read_too(tmp_path):
    text = CHINESE_RULES.replace("# 深圳市", "# 𠀀 鿿 深圳市")  # characters GBK lacks, GB18030 has
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    rules = load_rules(_write(tmp_path / "gb18030.toml", text.encode("gb18030")))
    assert rules.text.startswith("# 𠀀 鿿 深圳市") and rules.setback_by_road_class["trunk"] == 20.0


@pytest.mark.parametrize("data, says", [
    (b"[setback]\nred = 10.0\n\xff\xfe\xff\n", "第 3 行既不是 UTF-8 也不是 GBK 编码的文本"),
    (codecs.BOM_UTF8 + "[city]\nname = '深圳'\n".encode("gbk"), "第 2 行既不是 UTF-8 也不是 GBK 编码的文本"),
    ("[city]\nname = '深圳'\n".encode("utf-16"), "是 UTF-16 编码的文本：请另存为 UTF-8 或 GBK"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x80\x80\xff", "既不是 UTF-8 也不是 GBK"),
])
def test_a_file_that_is_neither_utf8_nor_gbk_is_refused_in_one_line(tmp_path, data, says):
    path = _write(tmp_path / "城市规则.toml", data)
    with pytest.raises(RuleError) as caught:
        load_rules(path)
    assert says in str(caught.value) and "城市规则.toml" in str(caught.value) and "\n" not in str(caught.value)


def test_decoding_alone():
    assert decode_rules(codecs.BOM_UTF8 + "a = 1".encode()) == "a = 1"
    assert decode_rules("名 = 1".encode("gb18030")) == "名 = 1"
    assert parse_rules("\ufeff" + DEFAULT).text == DEFAULT  # a BOM left in a text is dropped too


def test_binary_that_decodes_as_gb18030_is_still_refused_as_toml():
    with pytest.raises(RuleError, match="TOML"):
        parse_rules(decode_rules(bytes(range(1, 0x7f))), source="rules.toml")


# --- through the command line ---

@pytest.fixture
def checked_project(cli, tmp_path):
    """A project of two buildings and a green zone in EPSG:4549, one of them encroaching."""
    x, y = 500000.0, 3400000.0
    frame([{"bid": "B1", "geometry": box(x, y, x + 10, y + 10)},
           {"bid": "B2", "geometry": box(x + 100, y, x + 110, y + 10)}]).to_file(tmp_path / "buildings.geojson")
    frame([{"gid": "G1", "geometry": box(x + 5, y, x + 50, y + 10)}]).to_file(tmp_path / "park.geojson")
    project = tmp_path / "city.gpkg"
    assert cli("new", project, "--crs", "EPSG:4549")[0] == 0
    assert cli("import", project, tmp_path / "buildings.geojson", "--as", "buildings", "--id-field", "bid")[0] == 0
    assert cli("import", project, tmp_path / "park.geojson", "--as", "green", "--id-field", "gid")[0] == 0
    return project


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("data, says", [
    (DEFAULT.replace("width_m = 0.1", "width_m = nan").encode(), "[tolerance] width_m = nan 不是有限的非负数"),
    (DEFAULT.replace("red = 10.0", "red = -10").encode(), "[setback] red = -10 不是有限的非负数"),
    (DEFAULT.replace("[targets]", "[target]").encode(), "未知的表或键 target"),
    (DEFAULT.replace("[tolerance]", "[tolerance\n").encode(), "第 26 行第 11 列不是有效的 TOML"),
    (b"[setback]\x80\xff\n", "第 1 行既不是 UTF-8 也不是 GBK"),
    (CHINESE_RULES.replace("次干路 = 12.5", "次干路 = inf").encode("gbk"), "[setback_by_road_class] 次干路 = inf"),
])
def test_check_with_a_bad_rule_file_exits_2_in_one_line_and_leaves_the_project(cli, checked_project, tmp_path,
                                                                               data, says):
    rules = _write(tmp_path / "rules.toml", data)
    before, listing = _digest(checked_project), sorted(os.listdir(tmp_path))
    code, out, err = cli("check", checked_project, "--rules", rules, "--out", tmp_path / "out")
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("gisdesk: 错误: 规则文件 ") and says in err, err
    assert "内部错误" not in err and str(rules) in err
    assert _digest(checked_project) == before and sorted(os.listdir(tmp_path)) == listing


def test_check_with_a_gbk_rule_file_uses_its_values(cli, checked_project, tmp_path):
    rules = _write(tmp_path / "深圳规则.toml", CHINESE_RULES.replace("overlap_m2 = 0.5", "overlap_m2 = 0.25")
                   .encode("gbk"))
    code, out, err = cli("check", checked_project, "--rules", rules, "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    assert "压线 1 处" in out and "重叠面积 > 0.25 m²" in out
    from gisdesk.project import Project
    from gisdesk.rules import project_rules

    stored = project_rules(Project.open(checked_project))  # the decoded text is what the project keeps
    assert stored.city == "深圳市南山区" and stored.overlap_m2 == 0.25
