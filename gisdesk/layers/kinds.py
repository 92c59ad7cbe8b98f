"""The kinds of layer gisdesk knows (docs/domain.md §1-4) and the schema of each."""

from __future__ import annotations

from dataclasses import dataclass

from gisdesk.errors import InputError
from gisdesk.i18n import tr
from gisdesk.layers.schema import CODES, DATE, ENUM, FLOAT, INT, Field, Schema

POLYGON, POINT, LINE = "polygon", "point", "line"

ADMIN_FIELDS = (
    Field("district", "区"),
    Field("street", "街道"),
    Field("community", "社区"),
)

BUILDING_SCHEMA = Schema((
    Field("name", "名称"),
    Field("building_use", "用途"),
    Field("floors", "层数", INT, minimum=0),
    Field("height_m", "高度", FLOAT, minimum=0),
    *ADMIN_FIELDS,
    Field("address", "地址"),
    # when it was built (the year), against a control line's effective_on (docs/domain.md §7)
    Field("built_year", "建成年份", INT, minimum=1000),
    # 文物保护单位, 历史建筑, 优秀历史建筑 ...: set, the building is exempt from its purple line
    Field("protection", "保护类别"),
), aliases={"建筑名称": "name", "建筑用途": "building_use", "use": "building_use", "楼层数": "floors",
            "建筑层数": "floors", "建筑高度": "height_m", "height": "height_m", "addr": "address",
            "建成年代": "built_year", "建造年代": "built_year", "建造年份": "built_year", "竣工年份": "built_year",
            "year_built": "built_year", "保护等级": "protection", "保护级别": "protection",
            "文保级别": "protection", "heritage": "protection"})

VIOLATION_CODES = ("WPXJ", "CQLJ", "SDLJ", "CG", "CMJ", "YHX", "ZYGX", "ZLX", "ZLanX", "ZZX", "ZHX")
VIOLATION_NAMES = {
    "WPXJ": ("未批先建", "built without permit"),
    "CQLJ": ("超期临建", "temporary building past its term"),
    "SDLJ": ("私搭乱建", "unauthorised add-on"),
    "CG": ("超高", "over height"),
    "CMJ": ("超面积", "over area"),
    "YHX": ("压红线/退线不足", "on road red line / setback shortfall"),
    "ZYGX": ("占压管线", "over utility lines"),
    "ZLX": ("占用绿线", "in green line"),
    "ZLanX": ("占用蓝线", "in blue line"),
    "ZZX": ("占用紫线", "in purple line"),
    "ZHX": ("占用黄线", "in yellow line"),
}

# The ledger workflow (docs/domain.md §2); the allowed moves live in gisdesk.layers.ledger.
LEDGER_STATUSES = ("待核查", "已立案", "责令停止", "限期整改", "限期拆除", "催告", "强拆公告",
                   "已拆除", "没收", "补办手续", "不予立案", "已结案")

LEDGER_SCHEMA = Schema((
    Field("case_no", "编号", required=True),
    *ADMIN_FIELDS,
    Field("grid", "网格"),
    Field("address", "地址"),
    Field("party", "当事人", personal=True),
    Field("id_no", "证件号", personal=True),
    Field("phone", "电话", personal=True),
    Field("building_use", "建设类型", ENUM, ("住宅", "商业", "工业", "附属用房", "其他")),
    Field("structure", "结构", ENUM, ("砖混", "钢混", "钢结构", "彩钢板/铁皮", "简易"),
          synonyms=(("砖混结构", "砖混"), ("钢混结构", "钢混"), ("钢筋混凝土", "钢混"), ("彩钢板", "彩钢板/铁皮"),
                    ("铁皮", "彩钢板/铁皮"), ("简易结构", "简易"))),
    Field("land_type", "土地性质", ENUM, ("国有", "集体", "宅基地", "耕地", "公共区域", "其他")),
    Field("footprint_m2", "占地面积", FLOAT, minimum=0),
    Field("floor_area_m2", "建筑面积", FLOAT, minimum=0),
    Field("illegal_area_m2", "违建面积", FLOAT, minimum=0),
    Field("floors", "层数", INT, minimum=0),
    Field("height_m", "高度", FLOAT, minimum=0),
    Field("started_on", "开工时间", DATE),
    Field("found_on", "发现时间", DATE, required=True),
    Field("source", "发现方式", ENUM, ("巡查发现", "群众举报", "卫片图斑", "数字城管", "街镇转办", "其他"),
          synonyms=(("巡查", "巡查发现"), ("举报", "群众举报"), ("卫片", "卫片图斑"))),
    Field("stock", "存量/新增", ENUM, ("存量", "新增")),
    Field("violation", "违法类型", CODES, VIOLATION_CODES,
          synonyms=(*((zh, code) for code, (zh, _) in VIOLATION_NAMES.items()), ("压红线", "YHX"), ("退线不足", "YHX"))),
    Field("status", "处置状态", ENUM, LEDGER_STATUSES, required=True),
    Field("demolition", "拆除方式", ENUM, ("自拆", "强拆"), synonyms=(("自行拆除", "自拆"), ("强制拆除", "强拆"))),
    Field("deadline", "处置期限", DATE),
    Field("closed_on", "处置日期", DATE),
    Field("demolished_m2", "拆除面积", FLOAT, minimum=0),
    Field("unit", "责任单位"),
    Field("notes", "备注"),
    # a case found by comparing two dated images (卫片图斑): their dates, as the images give them
    # (a year, a month or a day: "2019", "2019-06", "2019-06-01"), so text, not DATE
    Field("image_before", "前时相"),
    Field("image_after", "后时相"),
), aliases={"案件编号": "case_no", "图斑编号": "case_no", "违建编号": "case_no", "状态": "status",
            "发现日期": "found_on", "违法建筑面积": "illegal_area_m2", "违法面积": "illegal_area_m2",
            "详细地址": "address", "ADDRESS": "address", "description": "notes",  # a KML placemark's text
            "前时相影像": "image_before", "后时相影像": "image_after"})

PARKING_SCHEMA = Schema((
    Field("survey_no", "普查编号", required=True),
    Field("category", "类别", ENUM, ("配建", "路外公共", "路内"), required=True),
    Field("host_use", "配建建筑类型", ENUM, ("居住", "办公", "商业", "医院", "学校", "枢纽", "单位大院")),
    Field("name", "名称"),
    *ADMIN_FIELDS,
    Field("address", "地址"),
    Field("form", "形式", ENUM, ("地面", "地下", "地上立体", "机械")),
    Field("spaces", "泊位数", INT, required=True, minimum=0),
    Field("spaces_large", "大型车泊位", INT, minimum=0),
    Field("spaces_accessible", "无障碍泊位", INT, minimum=0),
    Field("spaces_ev", "充电泊位", INT, minimum=0),
    Field("chargers", "充电桩", INT, minimum=0),
    Field("opening", "开放方式", ENUM, ("全天开放", "时段开放", "内部")),
    Field("operator", "运营单位"),
    Field("fee", "收费标准"),
), aliases={"编号": "survey_no", "停车场名称": "name", "车位数": "spaces", "停车位数": "spaces"})

ESTATE_STATUSES = ("储备", "计划", "已开工", "已完工", "已验收")
OLD_ESTATE_SCHEMA = Schema((
    Field("estate_no", "小区编号", required=True),
    Field("name", "小区名称", required=True),
    *ADMIN_FIELDS,
    Field("built_year", "建成年份", INT, minimum=1800),
    Field("buildings", "楼栋数", INT, minimum=0),
    Field("entrances", "单元数", INT, minimum=0),
    Field("households", "户数", INT, minimum=0),
    Field("floor_area_m2", "建筑面积", FLOAT, minimum=0),
    Field("works_classes", "改造类别", CODES, ("基础类", "完善类", "提升类")),
    Field("works_items", "改造内容"),
    Field("investment_wan", "投资（万元）", FLOAT, minimum=0),
    Field("status", "改造状态", ENUM, ESTATE_STATUSES, required=True),
    Field("plan_year", "计划年度", INT),
    Field("started_on", "开工日期", DATE),
    Field("finished_on", "完工日期", DATE),
    Field("accepted_on", "验收日期", DATE),
    Field("new_parking", "新增车位", INT, minimum=0),
    Field("lifts_added", "加装电梯", INT, minimum=0),
    Field("chargers", "新增充电桩", INT, minimum=0),
), aliases={"编号": "estate_no", "名称": "name", "状态": "status"})

ROAD_CLASSES = ("expressway", "trunk", "secondary", "branch")
# GB 50220's classes and the usual English words, onto the stored codes (the rule file's keys)
ROAD_CLASS_SYNONYMS = (
    ("快速路", "expressway"), ("城市快速路", "expressway"),
    ("主干路", "trunk"), ("主干道", "trunk"), ("arterial", "trunk"),
    ("次干路", "secondary"), ("次干道", "secondary"), ("collector", "secondary"),
    ("支路", "branch"), ("local", "branch"),
)
CONTROL_SCHEMA = Schema((
    Field("name", "名称"),
    # A centre line becomes a zone of this half width; a boundary line with a side, a
    # zone of this width on that side. Zone polygons need neither.
    Field("half_width_m", "半宽", FLOAT, minimum=0),
    Field("side", "侧", ENUM, ("left", "right"), synonyms=(("左", "left"), ("右", "right"))),
    Field("setback_m", "退线距离", FLOAT, minimum=0),  # overrides the rule file for this feature
    Field("road_class", "道路等级", ENUM, ROAD_CLASSES, synonyms=ROAD_CLASS_SYNONYMS),
    Field("note", "说明"),
    Field("effective_on", "生效日期", DATE),  # overrides the rule file's [effective_on] for this feature
), aliases={"批复日期": "effective_on", "批复时间": "effective_on", "施行日期": "effective_on",
            "生效时间": "effective_on", "宽度一半": "half_width_m", "class": "road_class", "等级": "road_class", "道路级别": "road_class",
            "roadclass": "road_class", "道路名称": "name", "路名": "name", "road_name": "name",
            "roadname": "name", "退线": "setback_m", "备注": "note", "description": "note"})


@dataclass(frozen=True)
class LayerKind:
    code: str
    table: str  # the table of this kind in the project
    name_zh: str
    name_en: str
    schema: Schema
    geometries: tuple[str, ...]
    group: str  # the layer-tree group: control / ledger / resources / base (base: buildings, admin areas; imagery gets a group of its own)
    id_field: str | None = None  # schema field that gives the uid when --id-field is not given

    @property
    def title(self) -> str:
        return tr(self.name_zh, self.name_en)

    @property
    def is_control(self) -> bool:
        return self.group == "control"


def _control(code: str, zh: str, en: str) -> LayerKind:
    return LayerKind(code, f"{code}_lines", zh, en, CONTROL_SCHEMA, (POLYGON, LINE), "control")


KINDS: dict[str, LayerKind] = {k.code: k for k in (
    LayerKind("buildings", "buildings", "建筑", "Buildings", BUILDING_SCHEMA, (POLYGON,), "base"),
    LayerKind("ledger", "ledger", "违法建设台账", "Illegal-construction ledger", LEDGER_SCHEMA,
              (POLYGON, POINT), "ledger", id_field="case_no"),
    LayerKind("parking", "parking", "停车资源", "Parking resources", PARKING_SCHEMA,
              (POLYGON, POINT, LINE), "resources", id_field="survey_no"),
    LayerKind("old_estates", "old_estates", "老旧小区", "Old residential areas", OLD_ESTATE_SCHEMA,
              (POLYGON,), "resources", id_field="estate_no"),
    _control("red", "道路红线", "Road red line"),
    _control("green", "城市绿线", "Green line"),
    _control("blue", "城市蓝线", "Blue line"),
    _control("purple", "城市紫线", "Purple line"),
    _control("yellow", "城市黄线", "Yellow line"),
)}
CONTROL_KINDS = tuple(k for k, v in KINDS.items() if v.is_control)
# Default drawing order, bottom first: footprints under zones, cases on top.
# Each layer-tree group is one block: base, resources, control lines, ledger.
DRAW_ORDER = ("buildings", "old_estates", "parking", "green", "blue", "red", "yellow", "purple", "ledger")
SUBJECT_KINDS = ("buildings", "ledger")  # the polygon layers the conflict check examines


def kind_of(code: str) -> LayerKind:
    try:
        return KINDS[code]
    except KeyError:
        raise InputError(
            "未知的图层类型 {code}；可选：{known}",
            "unknown layer kind {code}; one of: {known}",
            code=code, known=" ".join(KINDS),
        ) from None
