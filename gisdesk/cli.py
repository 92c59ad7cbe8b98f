"""The `gisdesk` command: runs jobs headless (and, later, opens the app).

Exit codes: 0 success; 2 bad input (one clear line on stderr, in the user's language);
1 an internal error (a bug: one line, and the traceback with GISDESK_DEBUG=1);
130 cancelled with Ctrl-C.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import functools
import gc
import logging
import os
import re
import shutil
import sqlite3
import sys
import traceback
import warnings
from pathlib import Path

# before numpy loads: no command multiplies matrices big enough for OpenBLAS's threads, whose start
# costs a command ~0.1 s of CPU (and, spinning, the other core's time)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from gisdesk import gpkg, i18n  # noqa: E402  (after the line above)
from gisdesk.crs import crs_label
from gisdesk.errors import Cancelled, GisdeskError, InputError
from gisdesk.i18n import tr
from gisdesk.layers.kinds import KINDS

DEMO_PROJECT = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix if prefix is not None else tr("用法：", "usage: "))


class _Parser(argparse.ArgumentParser):
    """argparse in the user's language: help texts, headings and errors (one line, exit 2)."""

    def __init__(self, *args, add_help: bool = True, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = tr("位置参数", "positional arguments")
        self._optionals.title = tr("选项", "options")
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=tr("显示本帮助并退出", "show this help message and exit"))

    def error(self, message):  # one line, exit 2, like every other bad input
        raise InputError("命令行参数错误：{message}（gisdesk --help 查看用法）",
                         "bad command line: {message} (see gisdesk --help)", message=message)


def build_parser() -> argparse.ArgumentParser:
    """The command line; built after the language is chosen, so that its help speaks it."""
    parser = _Parser(prog="gisdesk", description=tr(
        "gisdesk：离线 GIS，管控制线、违法建设台账和冲突", "gisdesk: offline GIS for control lines, ledgers and conflicts"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES,
                        help=tr("提示语言（默认 zh，或环境变量 GISDESK_LANG）", "message language (default zh, or GISDESK_LANG)"))
    # --lang also after the command (gisdesk open P --lang en); SUPPRESS keeps one given before it
    common = _Parser(add_help=False)
    common.add_argument("--lang", choices=i18n.LANGUAGES, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, title=tr("命令", "commands"))
    sub.add_parser = functools.partial(sub.add_parser, parents=[common])

    p = sub.add_parser("open", help=tr("打开桌面程序（可指定项目）", "open the desktop app (on a project)"))
    p.add_argument("project", nargs="?", help=tr("项目文件 .gpkg（默认：上次的项目）", "project .gpkg (default: the last one)"))
    p.add_argument("--screenshot", help=tr("地图画好后把窗口存为 PNG 并退出（无界面）",
                                           "save a PNG of the window once the map is drawn, then quit (offscreen)"))
    p.add_argument("--size", default="1600x1000", help=tr("--screenshot 的窗口大小，宽x高",
                                                          "window size for --screenshot, WIDTHxHEIGHT"))

    p = sub.add_parser("new", help=tr("新建空项目", "create an empty project"))
    p.add_argument("project", help=tr("要新建的项目文件 .gpkg", "the project .gpkg to make"))
    p.add_argument("--crs", help=tr("项目坐标系，如 EPSG:4549（默认：首次导入数据所在的 3° 高斯-克吕格带）",
                                    "project CRS, e.g. EPSG:4549 (default: the 3° GK zone of the first import)"))
    p.add_argument("--name", help=tr("项目名称", "project name"))

    p = sub.add_parser("import", help=tr("把矢量文件或表格导入为某类图层，或把影像（GeoTIFF、MBTiles）添加为底图",
                                         "import a vector file or table as a layer of a kind, or add an image "
                                         "(GeoTIFF, MBTiles) as a base map"))
    p.add_argument("project", help=tr("项目文件 .gpkg", "the project .gpkg"))
    p.add_argument("source", help=tr("源文件：shapefile（可压缩为 zip）、GeoPackage、GeoJSON、KML/KMZ、File GDB、"
                                     ".osm.pbf、DXF、CSV、Excel；或影像 GeoTIFF、MBTiles（按内容识别，作为底图按引用添加，不复制文件）",
                                     "source file: shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ, File GDB, "
                                     ".osm.pbf, DXF, CSV, Excel; or an image, GeoTIFF or MBTiles (known by its content, "
                                     "added as a base map by reference, not copied)"))
    p.add_argument("--as", dest="kind", choices=list(KINDS), help=tr("图层类型（矢量数据必填；影像不用）",
                                                                     "layer kind (required for vector data; not for images)"))
    p.add_argument("--date", help=tr("底图的日期，如 2010、2019-06（默认：影像元数据中的日期）",
                                     "the base map's date, e.g. 2010, 2019-06 (default: the date in the image's metadata)"))
    p.add_argument("--title", help=tr("底图的名称（默认：文件名）", "the base map's title (default: the file name)"))
    p.add_argument("--to", metavar="LAYER", help=tr(
        "导入到项目中标识为 LAYER 的图层（不存在则新建）；默认：项目中该类型唯一的图层；影像：新底图的标识（默认由文件名生成）",
        "id of the project layer to import into (created if new); default: the kind's layer, when the project has one; "
        "for an image: the new base map's id (default: made from the file name)"))
    p.add_argument("--layer", help=tr("源文件中要读取的图层或工作表（文件有多个时）",
                                      "layer or sheet of SOURCE to read (for files with several)"))
    p.add_argument("--update", action="store_true", help=tr(
        "用较新的导出更新图层：按 uid 匹配，写入改变的，新增新的",
        "update the layer from a newer export: match features by uid, write what changed, add new ones"))
    p.add_argument("--id-field", help=tr("其值作为要素 uid 的字段", "field whose values become the features' uid"))
    p.add_argument("--map", action="append", default=[], metavar=tr("源字段=字段", "COLUMN=FIELD"), help=tr(
        "把源字段读作该类图层的某个字段（可重复；字段留空则作为附加字段保留），如 --map 路名=name",
        "read a source column as a field of the kind (repeatable; an empty FIELD keeps the column as an extra "
        "column), e.g. --map 路名=name"))
    p.add_argument("--keep-multipart", action="store_true", help=tr(
        "多部件的建筑和台账保持为一个要素（默认：每个部件一个要素，uid 为 编号-1、编号-2 ……）",
        "keep multi-part buildings and ledger cases whole (default: one feature per part, uids ID-1, ID-2 ...)"))
    p.add_argument("--skip-bad", action="store_true", help=tr(
        "源文件损坏时导入可读的记录并列出其余（默认：不能完整读取的源文件被拒绝）",
        "import the records that can be read from a damaged source and list the others "
        "(default: a source that cannot be read whole is refused)"))
    p.add_argument("--crs", help=tr("源文件没有或坐标系有误时指定，如 EPSG:4490",
                                    "CRS of SOURCE when it has none or a wrong one, e.g. EPSG:4490"))
    p.add_argument("--coords", choices=("gcj02", "bd09"), help=tr(
        "经纬度是在高德、腾讯（gcj02）或百度（bd09）地图上取的点：换算为 WGS-84/CGCS2000 经纬度（迭代反算，误差小于 1 毫米）",
        "the lon/lat were picked on AMap or Tencent (gcj02) or Baidu (bd09) maps: convert them to WGS-84/CGCS2000 "
        "lon/lat (iterative inverse, within 1 mm)"))
    p.add_argument("--towgs84", metavar="DX,DY,DZ[,RX,RY,RZ,S]", help=tr(
        "北京 1954 或西安 1980 的源数据到 CGCS2000/WGS-84 的本地转换参数：3 参数（米）或 7 参数（米、角秒、ppm，位置矢量约定），"
        "或高斯-克吕格坐标的平面四参数 dX,dY,a,m（北、东平移米，旋转角秒，尺度 ppm）；"
        "没有它这类数据被拒绝（否则偏差可达约 100 米）；首个数为负时写成 --towgs84=-15.8,...",
        "local parameters from a Beijing 1954 or Xian 1980 source to CGCS2000/WGS-84: 3 (metres) or 7 (metres, "
        "arc-seconds, ppm; position vector), or for Gauss-Krüger coordinates the planar four dX,dY,a,m (north and east "
        "shifts in metres, rotation in arc-seconds, scale in ppm); without them such a source is refused (it would be "
        "off by up to ~100 m); "
        "when the first number is negative write --towgs84=-15.8,..."))
    p.add_argument("--encoding", help=tr(
        "属性文字的编码，如 GBK（默认：从文件判断；无代码页的 GBK 也能识别）",
        "text encoding of the attributes, e.g. GBK (default: found from the file; GBK without a code page is detected)"))
    p.add_argument("--x-field", help=tr("CSV/Excel：东坐标或经度所在列（默认按列名查找，如 经度、lon、X坐标）",
                                        "CSV/Excel: column of the eastings or longitudes (default: found by name, "
                                        "e.g. 经度, lon, X坐标)"))
    p.add_argument("--y-field", help=tr("CSV/Excel：北坐标或纬度所在列（默认按列名查找，如 纬度、lat、Y坐标）",
                                        "CSV/Excel: column of the northings or latitudes (default: found by name, "
                                        "e.g. 纬度, lat, Y坐标)"))
    p.add_argument("--cad-layer", action="append", metavar=tr("CAD图层", "CADLAYER"), help=tr(
        "DXF：本次只导入这些 CAD 图层（可重复；不记住）；默认：导入映射到 --as 类型的 CAD 图层，没有则拒绝并列出图层",
        "DXF: import exactly these CAD layers this time (repeatable; not remembered); default: the CAD layers mapped "
        "to the --as kind, refused with the drawing's layers listed when none is"))
    p.add_argument("--cad-map", action="append", metavar=tr("CAD图层=类型", "CADLAYER=KIND"), help=tr(
        "DXF：把 CAD 图层映射到图层类型（可重复；类型为 none 表示不导入），导入成功后记在项目中（按文件名）；"
        "默认映射：道路红线、红线、DLHX → red，绿线、LX → green，蓝线 → blue，紫线 → purple，黄线 → yellow，"
        "建筑、JZ → buildings；其余不导入并在报告中列出",
        "DXF: map a CAD layer onto a layer kind (repeatable; KIND none: not imported), remembered in the project "
        "(per file name) once the import succeeds; default mapping: 道路红线, 红线, DLHX → red, 绿线, LX → green, "
        "蓝线 → blue, 紫线 → purple, 黄线 → yellow, 建筑, JZ → buildings; other layers are not imported and listed "
        "in the report"))
    width = p.add_mutually_exclusive_group()
    width.add_argument("--half-width", type=float, help=tr("中心线生成控制区的半宽（米）",
                                                           "half width (m) turning centre lines into zones"))
    width.add_argument("--half-width-field", help=tr("存放每条线半宽（米）的字段", "field holding each line's half width (m)"))

    p = sub.add_parser("check", help=tr("检查建筑和台账与控制线的冲突", "check buildings and ledger against the control lines"))
    p.add_argument("project", help=tr("项目文件 .gpkg", "the project .gpkg"))
    p.add_argument("--rules", help=tr("规则文件（TOML）；默认：项目中的，否则 resources/rules/default.toml",
                                      "rule file (TOML); default: the project's, else resources/rules/default.toml"))
    p.add_argument("--out", help=tr("conflicts.csv 与 totals.csv 的输出目录（默认：项目名-check/）",
                                    "folder for conflicts.csv and totals.csv (default: PROJECT-check/)"))
    p.add_argument("--xlsx", metavar="FILE.xlsx", help=tr(
        "另把冲突清单、违法建设台账和面积统计写成 Excel 文件（中文表头与单位，每表一页，附“说明”页；"
        "当事人、证件号、电话等个人信息默认隐去）；CSV 照旧写出",
        "also write the conflict list, the ledger and the totals as an Excel file (Chinese headers and units, one "
        "sheet each, and a sheet 说明; personal data such as 当事人, 证件号, 电话 masked by default); the CSVs are "
        "written as before"))
    p.add_argument("--with-personal-data", action="store_true", help=tr(
        "Excel 中保留个人信息（当事人、证件号、电话），不隐去；请按规定保管该文件",
        "keep personal data (当事人, 证件号, 电话) unmasked in the Excel file; keep that file as the rules require"))

    p = sub.add_parser("totals", help=tr("按区、街道或社区统计上次检查的面积",
                                         "area totals of the last check per district, street or community"))
    p.add_argument("project", help=tr("项目文件 .gpkg", "the project .gpkg"))
    p.add_argument("--by", choices=("district", "street", "community"), default="district",
                   help=tr("分组：区、街道或社区", "group by district, street or community"))
    p.add_argument("--out", help=tr("要写的 CSV 文件（默认：打印表格）", "CSV file to write (default: print a table)"))

    p = sub.add_parser("indicators", help=tr("根据图层和上次检查计算规划指标（docs/domain.md §6）",
                                             "plan indicators (docs/domain.md §6) from the layers and the last check"))
    p.add_argument("project", help=tr("项目文件 .gpkg", "the project .gpkg"))
    p.add_argument("--out", help=tr("要写的 CSV 文件（默认：打印表格）", "CSV file to write (default: print a table)"))

    p = sub.add_parser("overviews", help=tr("为 GeoTIFF 影像生成内部概览（金字塔），使大影像平移缩放流畅",
                                            "build internal overviews (pyramids) in a GeoTIFF so a large image pans "
                                            "and zooms smoothly"))
    p.add_argument("image", metavar="IMAGE.tif", help=tr("GeoTIFF 影像（在文件中直接写入概览，文件须可写）",
                                                         "the GeoTIFF image (overviews are written into it: it must "
                                                         "be writable)"))

    p = sub.add_parser("basemap", help=tr("生成离线底图（栅格 MBTiles）：来自影像，或由项目的可见矢量图层绘制",
                                          "make an offline base map (raster MBTiles) from an image or from the "
                                          "project's visible vector layers"))
    p.add_argument("project", help=tr("项目文件 .gpkg", "the project .gpkg"))
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="source", metavar="SOURCE.tif", help=tr(
        "来源影像（GeoTIFF 或其他 GDAL 栅格，任意坐标系）", "source image (GeoTIFF or another GDAL raster, any CRS)"))
    source.add_argument("--from-layers", action="store_true", help=tr(
        "按图层样式绘制项目的可见矢量图层（给外业包带一个轻量底图）",
        "draw the project's visible vector layers in their styles (a light base map for a field package)"))
    p.add_argument("--out", required=True, metavar="AREA.mbtiles", help=tr(
        "要写的 MBTiles 文件（已有则在完成后替换；取消或出错时不留下文件）",
        "the MBTiles file to write (an existing one is replaced once the new one is complete; a cancel or an "
        "error leaves no file)"))
    p.add_argument("--extent", metavar="XMIN,YMIN,XMAX,YMAX", help=tr(
        "范围，项目坐标系下的坐标（默认：--from 时为影像范围，--from-layers 时为项目范围）；首个数为负时写成 --extent=-1,...",
        "extent, in the project CRS (default: the image's with --from, the project's with --from-layers); when the "
        "first number is negative write --extent=-1,..."))
    p.add_argument("--zooms", default="12-18", metavar="MIN-MAX", help=tr(
        "瓦片级别范围（默认 12-18；网络墨卡托 256 像素瓦片，第 18 级约 0.5 米/像素）",
        "zoom levels (default 12-18; Web Mercator 256 px tiles, zoom 18 about 0.5 m a pixel)"))

    p = sub.add_parser("export", help=tr("按版式导出会议用图：PDF（矢量，嵌入中文字体）、PNG 或 SVG",
                                         "export a page layout for a meeting: PDF (vector, Chinese font embedded), "
                                         "PNG or SVG"))
    p.add_argument("project", help=tr("项目文件 .gpkg", "the project .gpkg"))
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--layout", metavar="NAME", help=tr(
        "版式名称：项目中保存的版式，或模板 meeting-a3-landscape、meeting-a4-portrait、exhibition-a1-landscape",
        "the layout's name: one kept in the project, or a template meeting-a3-landscape, meeting-a4-portrait, "
        "exhibition-a1-landscape"))
    which.add_argument("--default", action="store_true", help=tr(
        "默认会议用图（A3 横版：标题、地图、图例、比例尺、指北针、鹰眼图、冲突统计）",
        "the default meeting page (A3 landscape: title, map, legend, scale bar, north arrow, overview, totals)"))
    form = p.add_mutually_exclusive_group(required=True)
    form.add_argument("--pdf", metavar="OUT.pdf", help=tr("写 PDF（矢量，文字可选择、可搜索）",
                                                          "write a PDF (vector; text can be selected and searched)"))
    form.add_argument("--png", metavar="OUT.png", help=tr("写 PNG 图片", "write a PNG picture"))
    form.add_argument("--svg", metavar="OUT.svg", help=tr("写 SVG 矢量图", "write an SVG drawing"))
    form.add_argument("--html", metavar="OUT.html", help=tr(
        "写交互式网页地图（单个文件，内含 Leaflet 和底图瓦片，离线可开；弹窗显示要素属性）",
        "write an interactive web map (one file with Leaflet and the base map tiles inside, opens offline; popups "
        "show the features' attributes)"))
    p.add_argument("--dpi", type=float, help=tr("分辨率（PNG 默认 200；PDF 默认 200、SVG 默认 127，只影响其中的影像底图）",
                                                "resolution (PNG default 200; PDF 200 and SVG 127, which only the "
                                                "base map images in them follow)"))
    p.add_argument("--with-personal-data", action="store_true", help=tr(
        "标注中保留个人信息（当事人、证件号、电话），不隐去；请按规定保管导出的文件",
        "keep personal data (当事人, 证件号, 电话) unmasked in the labels; keep the exported file as the rules require"))
    p.add_argument("--atlas", choices=("conflicts", "cases", "districts"), help=tr(
        "图集：每个冲突、每个台账案件或每个区一页（地图缩放到该要素，附鹰眼图、属性表、两期影像对比和照片），首页为目录；"
        "--default 用模板 atlas-a4-landscape；PNG、SVG 每页一个文件，按页编号（OUT_001.png、OUT_002.png ...）",
        "an atlas: a page per conflict, per ledger case or per district (the map zoomed to it, with an overview, its "
        "table, the base maps of two dates and its photos), after a title page of contents; --default uses the "
        "template atlas-a4-landscape; PNG and SVG write a numbered file per page (OUT_001.png, OUT_002.png ...)"))
    p.add_argument("--limit", type=int, metavar="N", help=tr("图集只出前 N 页（不含目录）", "only the first N pages of "
                                                             "the atlas (not counting the contents)"))

    p = sub.add_parser("cases", help=tr("与数字城管平台交换违法建设案件（CSV 或 JSON）：导出台账，或导入平台的案件阶段",
                                        "exchange ledger cases with a city platform (数字城管, CSV or JSON): export the "
                                        "ledger, or import the platform's stages"))
    p.add_argument("project", help=tr("项目文件 .gpkg", "the project .gpkg"))
    way = p.add_mutually_exclusive_group(required=True)
    way.add_argument("--export", metavar="FILE", help=tr("把台账写成交换文件（.csv 或 .json）",
                                                         "write the ledger as an exchange file (.csv or .json)"))
    way.add_argument("--import", dest="import_file", metavar="FILE", help=tr(
        "导入平台的交换文件：案件只按流程一步一步推进并记入历史，不能确定的逐条列出，不作猜测",
        "import the platform's exchange file: cases move on one legal step at a time, each step in their history; "
        "what cannot be decided is listed, never guessed"))
    p.add_argument("--dry-run", action="store_true", help=tr("只报告导入会做什么，不改动项目",
                                                             "only report what the import would do; change nothing"))
    p.add_argument("--with-personal-data", action="store_true", help=tr(
        "导出时保留个人信息（当事人、证件号、电话），不隐去；请按规定保管该文件",
        "keep personal data (当事人, 证件号, 电话) unmasked in the export; keep that file as the rules require"))

    p = sub.add_parser("attach", help=tr("给要素附加照片或文档（存入项目，带 sha256）；--evidence：举证照片（加盖水印并封存入案件历史）",
                                         "attach photos or documents to a feature (stored in the project with their "
                                         "sha256); --evidence: evidence photos (stamped and sealed in the case history)"))
    p.add_argument("project", help=tr("项目文件 .gpkg", "the project .gpkg"))
    p.add_argument("layer", help=tr("要素所在图层的标识", "id of the feature's layer"))
    p.add_argument("uid", help=tr("要素的 uid（台账为案件编号）", "the feature's uid (a ledger case: its number)"))
    p.add_argument("files", nargs="+", metavar="FILE", help=tr("照片或文档", "photos or documents"))
    p.add_argument("--evidence", action="store_true", help=tr(
        "作为举证照片：记录位置、方位角、时间、操作员和设备，加盖水印，封存入案件历史的哈希链",
        "as evidence photos: record position, azimuth, time, operator and device, stamp them, seal them in the "
        "case history's hash chain"))
    p.add_argument("--azimuth", type=float, metavar="DEG", help=tr(
        "拍摄方位角，度，正北为 0、顺时针（默认：照片 EXIF 的 GPSImgDirection）",
        "the camera's azimuth, degrees clockwise from north (default: the photo's EXIF GPSImgDirection)"))
    p.add_argument("--operator", metavar="NAME", help=tr("操作员（默认：当前用户）", "operator (default: the current user)"))
    p.add_argument("--device", metavar="NAME", help=tr("设备（默认：照片 EXIF 的相机型号）",
                                                     "device (default: the camera named in the photo's EXIF)"))
    p.add_argument("--lon", type=float, help=tr("拍摄位置经度（默认：照片 EXIF 的 GPS，没有则取要素中心）",
                                                "longitude of the camera (default: the photo's EXIF GPS, else the "
                                                "feature's centre)"))
    p.add_argument("--lat", type=float, help=tr("拍摄位置纬度", "latitude of the camera"))

    p = sub.add_parser("attachments", help=tr("列出项目中的照片和文档；--verify 校验每个文件的哈希和举证链",
                                              "list the photos and documents of a project; --verify checks every "
                                              "file's hash and the evidence chain"))
    p.add_argument("project", help=tr("项目文件 .gpkg", "the project .gpkg"))
    p.add_argument("--verify", action="store_true", help=tr(
        "校验每个附件的 sha256 和案件历史中的举证哈希链；有问题时逐个指出照片并以 1 退出",
        "check every attachment's sha256 and the evidence hash chain of the case history; exit 1 naming each "
        "bad photo when something is wrong"))

    p = sub.add_parser("pack", help=tr("为外业生成离线数据包：某区或某范围的图层、底图、规则与基础快照",
                                       "make an offline field package: the layers, base maps and rules of a district "
                                       "or an extent, with a base snapshot"))
    p.add_argument("project", help=tr("项目文件 .gpkg（主库）", "the project .gpkg (the master)"))
    area = p.add_mutually_exclusive_group(required=True)
    area.add_argument("--area", metavar=tr("区名", "DISTRICT"), help=tr(
        "区名（district 字段的值）：取该区的要素，范围为它们的外包框，各图层取与之相交的要素（整个要素，不裁切）",
        "a district (the value of the district field): its features, and the area is their bounding box; every "
        "layer gives the features meeting it (whole, never cut)"))
    area.add_argument("--extent", nargs=4, type=float, metavar=("XMIN", "YMIN", "XMAX", "YMAX"), help=tr(
        "范围，项目坐标系下的坐标：各图层取与之相交的要素（整个要素，不裁切）",
        "an extent in the project CRS: every layer gives the features meeting it (whole, never cut)"))
    p.add_argument("--out", required=True, metavar="FIELD.gpkg", help=tr(
        "要写的外业包（不能已存在）；裁切的底图写在其旁的 FIELD_basemaps/ 目录",
        "the package to write (must not exist); its cut base maps go to FIELD_basemaps/ beside it"))

    p = sub.add_parser("merge", help=tr("把外业包的修改三方合并回主库：冲突列出待人工处理，绝不静默覆盖",
                                        "merge a field package's edits back into the master, three-way: conflicts are "
                                        "listed for a person, never overwritten silently"))
    p.add_argument("project", help=tr("项目文件 .gpkg（主库）", "the project .gpkg (the master)"))
    p.add_argument("package", metavar="FIELD.gpkg", help=tr("gisdesk pack 生成的外业包", "a package made by gisdesk pack"))
    p.add_argument("--dry-run", action="store_true", help=tr(
        "只比较并报告，不写入任何内容（不备份）", "compare and report only; write nothing (no backup)"))
    p.add_argument("--report", metavar="FILE.json", help=tr(
        "把合并报告写成 JSON：applied、conflicts、skipped 三个列表，每项含 layer、uid、field、base、master、field_value",
        "write the merge report as JSON: lists applied, conflicts and skipped, each entry with layer, uid, field, "
        "base, master, field_value"))

    p = sub.add_parser("demo", help=tr("复制示例城市项目、检查并写出结果", "copy the demo city project, check it and write the results"))
    p.add_argument("--out", default="gisdesk-demo", help=tr("输出目录（默认：./gisdesk-demo）",
                                                            "output folder (default: ./gisdesk-demo)"))
    return parser


# batch commands whose objects (a million geometries, frames) live until they end
_NO_CYCLE_COLLECTION = ("check", "totals", "indicators", "demo")


@contextlib.contextmanager
def _collector_paused(command: str):
    """The cyclic garbage collector paused during a batch command, and skipped at the process's exit.

    Such a command makes millions of objects that live until it ends and few reference cycles;
    the collector's passes over them cost `gisdesk check` of 100 k buildings ~0.45 s of CPU, and
    the interpreter's last collection at exit ~0.3 s more (gc.freeze at exit leaves what is alive
    then to the process's end, as os._exit would, after every atexit handler has run). Not for
    the app (`open`), whose cycles must be collected while it runs."""
    if command not in _NO_CYCLE_COLLECTION or not gc.isenabled():
        yield
        return
    from gisdesk.geometry import keep_heap_small

    keep_heap_small()  # and the allocator kept small (a peak under 2 GB for the 1 M check)
    global _FREEZE_AT_EXIT
    if not _FREEZE_AT_EXIT:
        atexit.register(gc.freeze)  # before the interpreter's own last collection, whatever the order
        _FREEZE_AT_EXIT = True
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_FREEZE_AT_EXIT = False
_HELD: list = []  # what a batch command made, kept to the process's end (see `console`)
_EXIT_AT_ONCE = False


def _hold(*objects) -> None:
    """Keep what a batch command made alive to the process's end when `console` ends the process at
    once: freed on the command's way out, the million geometries of a 1 M check took 0.6 s, one by
    one; the end of the process gives all that memory back at once."""
    if _EXIT_AT_ONCE:
        _HELD.extend(objects)


def console() -> None:
    """The `gisdesk` command: `main` on the command line, then the process's end. After a batch
    command that held its results (_hold), the process ends at once (os._exit, the streams flushed,
    every file of it closed and every transaction committed before), without freeing them."""
    global _EXIT_AT_ONCE
    _EXIT_AT_ONCE = True
    code = main()
    if _HELD:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.set_language(None)
    try:
        if "--lang" in argv[:-1]:  # before parsing, so that parse errors speak the language too
            lang = argv[argv.index("--lang") + 1]
            if lang in i18n.LANGUAGES:
                i18n.set_language(lang)
        args = build_parser().parse_args(argv)
        if getattr(args, "lang", None):
            i18n.set_language(args.lang)
        with warnings.catch_warnings(record=True) as caught:  # libraries' warnings never reach stderr
            warnings.simplefilter("always")
            if not any(isinstance(h, logging.NullHandler) for h in logging.getLogger().handlers):
                logging.getLogger().addHandler(logging.NullHandler())  # nor their log records (fiona's GDAL errors)
            with _collector_paused(args.command):
                code = COMMANDS[args.command](args) or 0
            _tell_warnings(caught)  # (after a refusal its one line is all that is said)
            return code
    except GisdeskError as exc:
        print(f"gisdesk: {tr('错误', 'error')}: {exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:  # a project damaged past what opening it could see, locked, read-only
        project = next((a for a in argv if a.lower().endswith(".gpkg")), "")
        print(f"gisdesk: {tr('错误', 'error')}: " + tr("无法读写项目 {path}：{why}", "cannot read or write the project "
                                                     "{path}: {why}", path=project, why=gpkg.error_reason(exc)),
              file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `gisdesk totals P | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (Cancelled, KeyboardInterrupt):
        print(f"gisdesk: {tr('已取消，项目未改动', 'cancelled; the project is unchanged')}", file=sys.stderr)
        return 130
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except Exception as exc:  # a bug: say so in one line, keep the details for a report
        print(f"gisdesk: {tr('内部错误', 'internal error')}: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("GISDESK_DEBUG"):
            traceback.print_exc()
        return 1


def _tell_warnings(caught) -> None:
    """Say in our words the few library warnings a user must know of; the others are dropped."""
    told = set()
    for warning in caught:
        text = str(warning.message)
        if "couldn't be converted correctly" in text and "encoding" not in told:
            told.add("encoding")
            print(tr("gisdesk: 注意：源文件中有些文字无法按其编码转换，可能成为乱码（可用 --encoding 指定，例如 GBK）",
                     "gisdesk: note: some text of the source could not be converted from its encoding and may be "
                     "garbled (name it with --encoding, e.g. GBK)"), file=sys.stderr)


def _open(args) -> int:
    match = re.fullmatch(r"(\d+)x(\d+)", args.size)
    if not match:
        raise InputError("--size 应为 宽x高，例如 1600x1000", "--size must be WIDTHxHEIGHT, e.g. 1600x1000")
    if args.project and not Path(args.project).is_file():
        raise InputError("项目文件不存在：{path}", "project file not found: {path}", path=args.project)
    no_display = None if args.screenshot else _no_display()
    if no_display:  # Qt would abort (no display) or show a window nobody sees and never exit (offscreen)
        raise InputError("无法打开窗口：{why}。无界面时可用 gisdesk open {project} --screenshot 截图.png 保存地图截图，"
                         "或用 gisdesk check / totals / demo 运行检查",
                         "cannot open a window: {why}. Without a display use gisdesk open {project} --screenshot "
                         "map.png to save a picture of the map, or gisdesk check / totals / demo to run the check",
                         why=no_display, project=args.project or "项目.gpkg")
    from gisdesk.ui.app import run_window  # the only place outside ui that reaches into it

    return run_window(args.project, lang=i18n.language(), screenshot=args.screenshot,
                      size=(int(match.group(1)), int(match.group(2))))


def _no_display() -> str | None:
    """Why a window cannot be shown here (in the user's language), or None when it can."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].lower()
    if platform in ("offscreen", "minimal", "vnc"):
        return tr("QT_QPA_PLATFORM={p}，窗口不会显示在屏幕上", "QT_QPA_PLATFORM={p}: the window would not be on a screen",
                  p=platform)
    if sys.platform.startswith("linux") and not platform and not os.environ.get("DISPLAY") \
            and not os.environ.get("WAYLAND_DISPLAY"):
        return tr("没有图形显示（未设置 DISPLAY 或 WAYLAND_DISPLAY）", "there is no display (neither DISPLAY nor "
                  "WAYLAND_DISPLAY is set)")
    return None


def _new(args) -> int:
    from gisdesk.crs import parse_crs
    from gisdesk.project import Project

    crs = parse_crs(args.crs) if args.crs else None
    if crs is not None and not crs.is_projected:
        raise InputError("项目坐标系应为米制投影坐标系（如 CGCS2000 3° 高斯-克吕格 EPSG:4549），而不是 {crs}",
                         "the project CRS must be a metric projection (e.g. CGCS2000 3° Gauss-Krüger EPSG:4549), "
                         "not {crs}", crs=crs.name)
    Project.create(args.project, crs=crs, name=args.name)
    print(tr("已创建项目 {path}", "created project {path}", path=args.project))
    return 0


def _import(args) -> int:
    from gisdesk.io.basemaps import RASTER_SUFFIXES, looks_like_raster
    from gisdesk.io.import_report import report_lines
    from gisdesk.io.dxf import parse_cad_map
    from gisdesk.io.importer import import_layer
    from gisdesk.jobs import TerminalFeedback

    source = Path(args.source)
    if looks_like_raster(source) or (source.suffix.lower() in RASTER_SUFFIXES and not args.kind):
        return _import_basemap(args)
    if not args.kind:
        raise InputError("导入矢量数据需要用 --as 指定图层类型（{kinds}）；影像（GeoTIFF、MBTiles）不用",
                         "importing vector data needs the layer kind, --as ({kinds}); images (GeoTIFF, MBTiles) do not",
                         kinds=", ".join(KINDS))
    for option in ("date", "title"):
        if getattr(args, option):
            raise InputError("--{option} 只用于影像底图，{path} 不是影像（GeoTIFF、MBTiles）",
                             "--{option} is for image base maps only, and {path} is not an image (GeoTIFF, MBTiles)",
                             option=option, path=args.source)
    field_map = _field_map(args.map)
    project = _open_project(args.project)
    report = import_layer(project, args.source, args.kind, layer=args.layer, to=args.to, id_field=args.id_field,
                          crs=args.crs, half_width=args.half_width, half_width_field=args.half_width_field,
                          encoding=args.encoding, update=args.update,
                          x_field=args.x_field, y_field=args.y_field,
                          keep_multipart=args.keep_multipart, skip_bad=args.skip_bad, coords=args.coords,
                          towgs84=args.towgs84,
                          cad_map=parse_cad_map(args.cad_map), cad_layers=args.cad_layer,
                          feedback=TerminalFeedback(), field_map=field_map)
    for line in report_lines(report):  # the report's lines: gisdesk/io/import_report.py (the wizard shows them too)
        print(line)
    return 0


# the import options that only vector data take, as the command line spells them
_VECTOR_OPTIONS = {"kind": "--as", "layer": "--layer", "update": "--update", "id_field": "--id-field", "map": "--map",
                   "keep_multipart": "--keep-multipart", "skip_bad": "--skip-bad", "crs": "--crs", "coords": "--coords",
                   "towgs84": "--towgs84", "encoding": "--encoding", "x_field": "--x-field", "y_field": "--y-field",
                   "cad_layer": "--cad-layer", "cad_map": "--cad-map", "half_width": "--half-width",
                   "half_width_field": "--half-width-field"}


def _import_basemap(args) -> int:
    """gisdesk import PROJECT IMAGE.tif|AREA.mbtiles [--date D] [--title T] [--to ID]: a base map by reference."""
    from gisdesk.io.basemaps import add_basemap, layers_extent, off_the_layers, off_the_layers_note, open_basemap
    from gisdesk.jobs import TerminalFeedback
    from gisdesk.layers.raster import RasterLayer

    given = [flag for name, flag in _VECTOR_OPTIONS.items() if getattr(args, name, None) not in (None, False, [])]
    if given:
        raise InputError("{path} 是影像，作为底图添加：选项 {options} 只用于矢量数据",
                         "{path} is an image, added as a base map: {options} are for vector data only",
                         path=args.source, options=" ".join(given))
    project = _open_project(args.project)
    info = add_basemap(project, args.source, layer_id=args.to, title=args.title, date=args.date,
                       feedback=TerminalFeedback())
    date = info.style.get("date") or tr("无（可用 --date 指定）", "none (give one with --date)")
    print(tr("已添加底图 {title}（标识 {id}，日期 {date}）", "added the base map {title} (id {id}, date {date})",
             title=info.title, id=info.id, date=date))
    where = project.basemap_path(info)
    print(tr("  按引用保存，不复制文件：{source}（{how}）", "  kept by reference, the file is not copied: {source} ({how})",
             source=info.source, how=tr("相对于项目文件夹", "relative to the project folder") if not Path(info.source).is_absolute()
             else tr("绝对路径", "absolute path")))
    print(tr("  文件：{path}", "  file: {path}", path=where))
    layer = open_basemap(RasterLayer.of(project, info))
    if off_the_layers(layer.extent, layers_extent(project)):
        print(f"gisdesk: {off_the_layers_note(info.title)}", file=sys.stderr)
    layer.close()
    return 0


def _field_map(pairs: list[str]) -> dict[str, str] | None:
    """--map COLUMN=FIELD ... as {column: field} (an empty field: kept as an extra column)."""
    field_map: dict[str, str] = {}
    for pair in pairs:
        column, equals, field = pair.partition("=")
        if not equals or not column.strip():
            raise InputError("--map 应为 源字段=字段，例如 --map 路名=name，而不是 {pair}",
                             "--map must be COLUMN=FIELD, e.g. --map 路名=name, not {pair}", pair=pair)
        if column.strip() in field_map:
            raise InputError("--map 两次给出源字段 {column}", "--map names the column {column} twice", column=column.strip())
        field_map[column.strip()] = field.strip()
    return field_map or None


def _check(args) -> int:
    project = _open_project(args.project)
    out = Path(args.out) if args.out else project.path.with_name(project.path.stem + "-check")
    if args.with_personal_data and not args.xlsx:
        raise InputError("--with-personal-data 只用于 --xlsx", "--with-personal-data goes with --xlsx")
    _run_check_and_write(project, args.rules, out, xlsx=args.xlsx, with_personal=args.with_personal_data)
    return 0


def _run_check_and_write(project, rules_path, out: Path, *, xlsx=None, with_personal: bool = False) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from gisdesk.analysis.check import check_project, store_check
    from gisdesk.analysis.conflicts import CONFLICT_COLUMNS
    from gisdesk.analysis.periods import summary_counts
    from gisdesk.analysis.totals import TOTAL_COLUMNS, area_totals, totals_context
    from gisdesk.io.tables import write_csv
    from gisdesk.jobs import TerminalFeedback
    from gisdesk.rules import load_rules, project_rules

    rules = load_rules(rules_path) if rules_path else project_rules(project)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("无法创建输出目录 {out}：{why}", "cannot create output folder {out}: {why}",
                         out=out, why=exc.strerror) from exc
    feedback = TerminalFeedback()
    result, subjects = check_project(project, rules, feedback=feedback)
    _hold(result, subjects)
    context = totals_context(project)  # (read before: the store is being written meanwhile)
    with ThreadPoolExecutor(1) as pool:  # the totals' GEOS unions beside SQLite writing the results (1 M: ~0.4 s less)
        pending = pool.submit(area_totals, subjects, result.conflicts, by="district", **context)
        store_check(project, result, feedback=feedback)
        totals = pending.result()
    paths = [write_csv(result.conflicts, out / "conflicts.csv", CONFLICT_COLUMNS),
             write_csv(totals, out / "totals.csv", TOTAL_COLUMNS)]
    titles = dict(zip(result.checked, _layer_names(project, list(result.checked))))
    checked = "，".join(f"{titles.get(k, k)} {n}" for k, n in result.checked.items()) if i18n.language() == "zh" \
        else ", ".join(f"{n} {titles.get(k, k)}" for k, n in result.checked.items())
    print(tr("检查完成：{checked}；控制线要素 {controls} 个", "checked: {checked}; {controls} control features",
             checked=checked, controls=sum(result.controls.values())))
    counts = summary_counts(result.conflicts)

    def split(relation: str) -> str:  # "新增 87，既有 135，未知 18": the unknown only when there are some
        parts = [tr("新增 {n}", "{n} new", n=counts[f"{relation}_new"]),
                 tr("既有 {n}", "{n} existing", n=counts[f"{relation}_existing"])]
        if counts[f"{relation}_unknown"]:
            parts.append(tr("未知 {n}", "{n} of unknown date", n=counts[f"{relation}_unknown"]))
        return tr("，", ", ").join(parts)
    print(tr("  压线 {e} 处（{e_split}），退线不足 {s} 处（{s_split}）",
             "  {e} encroachments ({e_split}), {s} setback shortfalls ({s_split})",
             e=counts["encroach"], e_split=split("encroach"), s=counts["setback"], s_split=split("setback")))
    if counts["exempt"]:
        print(tr("  另有 {x} 处按规则豁免（如受保护建筑），保留在 conflicts.csv 中，不计入统计",
                 "  {x} more exempt by a rule (e.g. protected buildings): kept in conflicts.csv, left out of the counts",
                 x=counts["exempt"]))
    repaired = sum(result.repaired.values())
    skipped = sum(result.skipped.values())
    if repaired or skipped:
        print(tr("  修复无效几何 {r} 个；未检查 {s} 个（空几何或非面，如只有地址的台账点）",
                 "  {r} invalid geometries repaired; {s} not checked (empty or not polygons, e.g. ledger points)",
                 r=repaired, s=skipped))
    print(tr("  容差：重叠面积 > {a} m² 且深度 ≥ {w} m；面积为 {crs} 下的平面面积，单位 m²",
             "  tolerances: overlap > {a} m² and depth ≥ {w} m; areas planar in {crs}, in m²",
             a=rules.overlap_m2, w=rules.width_m, crs=crs_label(project.crs)))
    print(tr("  结果已保存到项目 {p}", "  results stored in the project {p}", p=project.path))
    for path in paths:
        print(tr("  输出：{p}", "  output: {p}", p=path))
    if xlsx:
        _write_xlsx(project, Path(xlsx), with_personal)


def _write_xlsx(project, path: Path, with_personal: bool) -> None:
    """The check's Excel file (gisdesk.export.xlsx), and a line saying what personal data it masked."""
    from gisdesk.export.xlsx import export_xlsx
    from gisdesk.jobs import TerminalFeedback

    report = export_xlsx(project, path, with_personal=with_personal, feedback=TerminalFeedback())
    print(tr("  输出：{p}", "  output: {p}", p=report.path))
    if with_personal:
        print(tr("  注意：{p} 含个人信息（未隐去），请按规定保管", "  note: {p} holds personal data (not masked); keep it "
                 "as the rules require", p=report.path.name))
    elif report.masked_fields:
        print(tr("  已隐去个人信息：{f}（需要时加 --with-personal-data）", "  personal data masked: {f} "
                 "(--with-personal-data keeps it)", f=tr("、", ", ").join(report.masked_fields)))


def _totals(args) -> int:
    import pandas as pd

    from gisdesk.analysis.totals import TOTAL_COLUMNS, project_totals, read_subjects, stored_conflicts
    from gisdesk.io.tables import write_csv

    project = _open_project(args.project)
    _warn_if_stale(project)
    conflicts = stored_conflicts(project)  # before reading the layers: no check yet is an error
    subjects = read_subjects(project)
    _hold(subjects, conflicts)
    totals = project_totals(project, subjects, conflicts, by=args.by)
    if args.out:
        write_csv(totals, args.out, TOTAL_COLUMNS)
        print(tr("  输出：{p}", "  output: {p}", p=args.out))
    else:
        with pd.option_context("display.width", 200, "display.max_rows", 500, "display.float_format", "{:.2f}".format,
                               "display.unicode.east_asian_width", True):  # Chinese names: columns aligned
            print(_totals_for_people(totals[[c for c in TOTAL_COLUMNS if c not in ("area_method", "subject_table")]],
                                     project).to_string(index=False))
        print(tr("面积为 {crs} 下的平面面积，单位 m²", "areas planar in {crs}, in m²", crs=crs_label(project.crs)))
    return 0


def _totals_for_people(totals, project):
    """The totals as a planner reads them: layers and control lines by their names, headers in words."""
    from gisdesk.analysis.totals import ALL, TOTAL_HEADERS
    from gisdesk.layers.names import field_label, kind_name

    titles = {info.id: info.title if info.title != KINDS[info.kind].name_zh else kind_name(info.kind)
              for info in project.layers()}  # (a layer never renamed: its kind's name in the language)
    shown = totals.copy()
    if "subject_layer" in shown:
        shown["subject_layer"] = [titles.get(v) or kind_name(v) for v in shown["subject_layer"]]
    if "group_by" in shown:
        shown["group_by"] = [field_label("buildings", v) for v in shown["group_by"]]
    if "group" in shown:
        shown["group"] = [tr("合计", "all") if v == ALL else v for v in shown["group"]]
    if "control_kind" in shown:
        shown["control_kind"] = [tr("全部控制线", "all lines") if v == ALL else kind_name(v) for v in shown["control_kind"]]
    return shown.rename(columns={c: tr(*TOTAL_HEADERS[c]) for c in shown.columns if c in TOTAL_HEADERS})


def _indicators(args) -> int:
    _write_indicators(_open_project(args.project), args.out)
    return 0


def _write_indicators(project, out) -> None:
    """Compute the indicators and write them to `out` (CSV), or print them when out is None."""
    import pandas as pd

    from gisdesk.analysis.indicators import INDICATOR_COLUMNS, project_indicators
    from gisdesk.analysis.totals import stored_conflicts
    from gisdesk.io.tables import write_csv

    conflicts = None
    if project.last_run():
        _warn_if_stale(project)
        conflicts = stored_conflicts(project)
    frame = project_indicators(project, conflicts)
    if out:
        print(tr("  输出：{p}", "  output: {p}", p=write_csv(frame, out, INDICATOR_COLUMNS)))
        return
    name = "name_zh" if i18n.language() == "zh" else "name_en"
    shown = frame[[name, "value", "unit", "numerator", "denominator", "target"]].copy()
    shown["unit"] = [tr(*_UNIT_NAMES[u]) if u in _UNIT_NAMES else u for u in shown["unit"]]  # (the CSV keeps codes)
    shown = shown.rename(columns={name: tr("指标", "indicator"), "value": tr("值", "value"), "unit": tr("单位", "unit"),
                                  "numerator": tr("分子", "numerator"), "denominator": tr("分母", "denominator"),
                                  "target": tr("目标", "target")})
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.float_format", "{:.3f}".format,
                           "display.unicode.east_asian_width", True):
        print(shown.to_string(index=False))


_UNIT_NAMES = {"ratio": ("比率", "ratio"), "buildings": ("栋", "buildings"), "estates": ("个小区", "estates"),
               "households": ("户", "households"), "spaces": ("个泊位", "spaces")}


def _open_project(path):
    """Open a project, telling on stderr what opening it repaired and whether its check is stale."""
    from gisdesk.project import Project

    project = Project.open(path)
    for notice in project.notices:
        print(f"gisdesk: {notice}", file=sys.stderr)
    return project


def _warn_if_stale(project) -> None:
    stale = project.stale_layers()
    if stale:
        print(tr("gisdesk: 注意：上次冲突检查之后图层 {layers} 已被修改，检查结果已过期（请重新运行 gisdesk check）",
                 "gisdesk: note: layers {layers} changed after the last check; its results are stale "
                 "(run gisdesk check again)", layers=tr("、", ", ").join(_layer_names(project, stale))), file=sys.stderr)


def _layer_names(project, layer_ids) -> list[str]:
    """Layers by their titles (a layer never renamed: its kind's name in the user's language)."""
    from gisdesk.layers.names import kind_name

    infos = {info.id: info for info in project.layers()}
    names = []
    for layer_id in layer_ids:
        info = infos.get(layer_id)
        if info is None:
            names.append(str(layer_id))
        else:
            names.append(info.title if info.title != KINDS[info.kind].name_zh else kind_name(info.kind))
    return names


def _basemap(args) -> int:
    from gisdesk.export.basemap import basemap_from_layers, basemap_from_raster, parse_extent, parse_zooms
    from gisdesk.jobs import TerminalFeedback

    zooms = parse_zooms(args.zooms)
    extent = parse_extent(args.extent) if args.extent is not None else None
    if not Path(args.project).is_file():
        raise InputError("项目文件不存在：{path}", "project file not found: {path}", path=args.project)
    if args.source:
        result = basemap_from_raster(args.project, args.source, args.out, extent, zooms, feedback=TerminalFeedback())
    else:
        result = basemap_from_layers(args.project, args.out, extent, zooms, feedback=TerminalFeedback())
    w, s, e, n = result.bounds
    print(tr("已生成底图 {out}：{tiles} 个瓦片（第 {z0}-{z1} 级），{mb:.1f} MB，用时 {sec:.1f} 秒",
             "made the base map {out}: {tiles} tiles (zooms {z0}-{z1}), {mb:.1f} MB, in {sec:.1f} s",
             out=result.path, tiles=result.tiles, z0=zooms[0], z1=zooms[1], mb=result.size / 1e6, sec=result.seconds))
    print(tr("  每级瓦片数：{counts}", "  tiles per zoom: {counts}",
             counts=", ".join(f"{z}: {n}" for z, n in result.per_zoom.items())))
    print(tr("  范围（经纬度）：{w:.6f},{s:.6f},{e:.6f},{n:.6f}", "  bounds (lon/lat): {w:.6f},{s:.6f},{e:.6f},{n:.6f}",
             w=w, s=s, e=e, n=n))
    if result.blank:
        print(tr("  {n} 个空白瓦片（全透明）未写入", "  {n} blank (all transparent) tiles left out", n=result.blank))
    return 0


def _export(args) -> int:
    from gisdesk.export.pages import export_page
    from gisdesk.jobs import TerminalFeedback

    if getattr(args, "atlas", None):
        return _export_atlas(args)
    if getattr(args, "limit", None) is not None:
        raise InputError("--limit 只用于图集（--atlas）", "--limit is for an atlas (--atlas) only")
    if getattr(args, "html", None):
        return _export_html(args)
    fmt, out = next((f, getattr(args, f)) for f in ("pdf", "png", "svg") if getattr(args, f))
    result = export_page(args.project, out, layout_name=None if args.default else args.layout, fmt=fmt, dpi=args.dpi,
                         with_personal_data=args.with_personal_data, feedback=TerminalFeedback())
    for warning in result.warnings:
        print(f"gisdesk: {tr('注意', 'note')}: {warning}", file=sys.stderr)
    w, h = result.pixels
    size = tr("{w}×{h} 像素 @ {dpi:g} dpi", "{w}×{h} px at {dpi:g} dpi", w=w, h=h, dpi=result.dpi) \
        if result.format == "png" else tr("矢量，影像底图 {dpi:g} dpi", "vector, base map images at {dpi:g} dpi",
                                          dpi=result.dpi)
    print(tr("已导出 {out}（{layout}，{fmt}，{page}，{size}，{kb:,.0f} KB，用时 {sec:.1f} 秒）",
             "exported {out} ({layout}, {fmt}, {page}, {size}, {kb:,.0f} KB, in {sec:.1f} s)",
             out=result.path, layout=result.layout, fmt=result.format.upper(), page=result.page, size=size,
             kb=result.size_bytes / 1024, sec=result.seconds))
    if result.scale:
        print(tr("  地图比例尺 1:{n:,.0f}，字体 {font}", "  map scale 1:{n:,.0f}, font {font}", n=result.scale,
                 font=result.font))
    if args.with_personal_data:
        print(tr("  注意：{p} 的标注含个人信息（未隐去），请按规定保管", "  note: the labels of {p} hold personal data "
                 "(not masked); keep it as the rules require", p=result.path.name))
    elif result.masked:
        print(tr("  已隐去个人信息的标注：{fields}", "  labels with personal data masked: {fields}",
                 fields=tr("、", ", ").join(result.masked)))
    return 0


def _export_atlas(args) -> int:
    from gisdesk.export.atlas import ATLAS_NAMES, export_atlas
    from gisdesk.jobs import TerminalFeedback

    if getattr(args, "html", None):
        raise InputError("图集（--atlas）只能写 --pdf、--png 或 --svg", "an atlas (--atlas) is written as --pdf, --png "
                         "or --svg only")
    fmt, out = next((f, getattr(args, f)) for f in ("pdf", "png", "svg") if getattr(args, f))
    result = export_atlas(args.project, out, atlas=args.atlas, layout_name=None if args.default else args.layout,
                          fmt=fmt, dpi=args.dpi, with_personal_data=args.with_personal_data, limit=args.limit,
                          feedback=TerminalFeedback())
    for warning in result.warnings:
        print(f"gisdesk: {tr('注意', 'note')}: {warning}", file=sys.stderr)
    where = str(result.path) if len(result.paths) == 1 else f"{result.paths[0]} … {result.paths[-1].name}"
    print(tr("已导出{atlas} {out}（{layout}，{fmt}，{page}，共 {n} 页：目录 {toc} 页、图 {f} 页，{mb:.1f} MB，用时 {sec:.1f} 秒）",
             "exported the {atlas} {out} ({layout}, {fmt}, {page}, {n} pages: {toc} of contents and {f} maps, "
             "{mb:.1f} MB, in {sec:.1f} s)", atlas=tr(*ATLAS_NAMES[args.atlas]), out=where, layout=result.layout,
             fmt=result.format.upper(), page=result.page, n=result.pages, toc=result.toc, f=result.features,
             mb=result.size_bytes / 1e6, sec=result.seconds))
    if args.with_personal_data:
        print(tr("  注意：图集含个人信息（未隐去），请按规定保管", "  note: the atlas holds personal data (not masked); keep it "
                 "as the rules require"))
    elif result.masked:
        print(tr("  已隐去个人信息：{fields}", "  personal data masked: {fields}",
                 fields=tr("、", ", ").join(result.masked)))
    return 0


def _export_html(args) -> int:
    from gisdesk.export.html import export_html
    from gisdesk.jobs import TerminalFeedback

    if args.dpi is not None:
        raise InputError("--dpi 不适用于 --html（网页地图随浏览器缩放）",
                         "--dpi does not apply to --html (a web map scales with the browser)")
    result = export_html(args.project, args.html, layout_name=None if args.default else args.layout,
                         with_personal_data=args.with_personal_data, feedback=TerminalFeedback())
    for warning in result.warnings:
        print(f"gisdesk: {tr('注意', 'note')}: {warning}", file=sys.stderr)
    print(tr("已导出 {out}（{layout}，HTML，{n:,} 个要素，{c:,} 处冲突，{kb:,.0f} KB，用时 {sec:.1f} 秒）",
             "exported {out} ({layout}, HTML, {n:,} features, {c:,} conflicts, {kb:,.0f} KB, in {sec:.1f} s)",
             out=result.path, layout=result.layout, n=sum(result.features.values()), c=result.conflicts,
             kb=result.size_bytes / 1024, sec=result.seconds))
    for line in result.basemaps:
        print(tr("  底图 {b}", "  base map {b}", b=line))
    for note in result.notes:
        print(f"  {note}")
    if args.with_personal_data:
        print(tr("  注意：{p} 的弹窗含个人信息（未隐去），请按规定保管", "  note: the popups of {p} hold personal data "
                 "(not masked); keep it as the rules require", p=result.path.name))
    elif result.masked:
        print(tr("  已隐去个人信息：{fields}", "  personal data masked: {fields}",
                 fields=tr("、", ", ").join(result.masked)))
    return 0


def _demo(args) -> int:
    from gisdesk.project import Project

    if not DEMO_PROJECT.is_file():
        raise InputError("找不到示例项目 {path}", "demo project not found: {path}", path=DEMO_PROJECT)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    copy = out / DEMO_PROJECT.name
    shutil.copyfile(DEMO_PROJECT, copy)  # the committed demo stays as it is
    basemaps = _demo_basemaps(copy)
    for basemap in basemaps:  # its two dated base maps, found beside it by their relative paths
        shutil.copyfile(DEMO_PROJECT.parent / basemap, out / basemap)
    print(tr("示例城市项目（上海外滩—陆家嘴，OSM 数据派生，台账等为虚构）：{p}",
             "demo city project (Shanghai Bund–Lujiazui, derived from OSM; ledger etc. fictional): {p}", p=copy))
    if basemaps:
        print(tr("  底图（由项目矢量绘制，不是真实影像）：{files}", "  base maps (rendered from the project's vectors, not "
                 "real imagery): {files}", files=tr("、", ", ").join(basemaps)))
    project = Project.open(copy)
    _run_check_and_write(project, None, out)
    _write_indicators(project, out / "indicators.csv")
    print(tr("已以无界面方式运行（不开窗口）；结果在 {out}", "ran headless (no window); the results are in {out}", out=out))
    return 0


def _overviews(args) -> int:
    import rasterio

    from gisdesk.io.raster import build_overviews, overview_factors
    from gisdesk.jobs import TerminalFeedback

    levels = build_overviews(args.image, TerminalFeedback())
    with rasterio.open(args.image) as ds:
        factors = overview_factors(ds)
    if levels:
        print(tr("{image}：已有概览 {levels} 级（缩小 {factors} 倍）", "{image}: {levels} overview levels (reduced "
                 "{factors} times)", image=args.image, levels=levels, factors=", ".join(map(str, factors))))
    else:
        print(tr("{image} 很小（不足 256 像素），不需要概览", "{image} is small (under 256 px): it needs no overviews",
                 image=args.image))
    return 0


def _demo_basemaps(project_path: Path) -> list[str]:
    """The base map files a copy of the demo refers to by a relative path (data/make_basemaps.py made them)."""
    from gisdesk.project import Project

    sources = [info.source for info in Project.open(project_path).basemaps() if not Path(info.source).is_absolute()]
    return [s for s in sources if (DEMO_PROJECT.parent / s).is_file()]


def _cases(args) -> int:
    from gisdesk.io.city_cases import export_cases, import_cases

    project = _open_project(args.project)
    if args.export:
        if args.dry_run:
            raise InputError("--dry-run 只用于 --import", "--dry-run goes with --import")
        count, note = export_cases(project, args.export, with_personal_data=args.with_personal_data)
        print(tr("已导出 {n} 件案件到 {path}", "{n} cases written to {path}", n=count, path=args.export))
        if note:
            print(note)
        return 0
    if args.with_personal_data:
        raise InputError("--with-personal-data 只用于 --export", "--with-personal-data goes with --export")
    result = import_cases(project, args.import_file, dry_run=args.dry_run)
    for case, old, new in result.moved:
        print(tr("{case}：{old} → {new}", "{case}: {old} → {new}", case=case, old=old, new=new))
    for case in result.added:
        print(tr("{case}：新增", "{case}: added", case=case))
    for case, column, old, new in result.changed:
        print(tr("{case}：{field} {old} → {new}", "{case}: {field} {old} → {new}", case=case, field=column,
                 old=old or "—", new=new))
    for where, why in result.skipped:
        print(tr("{case}：未处理：{why}", "{case}: left alone: {why}", case=where, why=why))
    print(result.summary() + (tr("（试运行，项目未改动）", " (dry run: the project is unchanged)") if args.dry_run else ""))
    return 0


def _attach(args) -> int:
    from gisdesk import attachments

    project = _open_project(args.project)
    if (args.lon is None) != (args.lat is None):
        raise InputError("--lon 和 --lat 要一起给出", "--lon and --lat go together")
    if not args.evidence and any(v is not None for v in (args.azimuth, args.operator, args.device, args.lon)):
        raise InputError("--azimuth、--operator、--device、--lon/--lat 只用于 --evidence",
                         "--azimuth, --operator, --device and --lon/--lat go with --evidence")
    if args.evidence:
        added = attachments.add_evidence_all(project, args.layer, args.uid, args.files, azimuth=args.azimuth,
                                             operator=args.operator, device=args.device, lon=args.lon, lat=args.lat)
    else:
        added = attachments.add(project, args.layer, args.uid, args.files)
    for a in added:
        print(_attachment_line(a))
    print(tr("已给 {layer} 的要素 {uid} 附加 {n} 个文件", "{n} files attached to feature {uid} of {layer}",
             layer=args.layer, uid=args.uid, n=len(added)))
    return 0


_ATTACHMENT_KINDS = {"photo": ("照片", "photo"), "document": ("文档", "document"), "evidence": ("举证照片", "evidence")}


def _attachment_line(a, orphan: bool = False) -> str:
    kind = tr(*_ATTACHMENT_KINDS.get(a.kind, (a.kind, a.kind)))
    where = f"{a.lon:.6f},{a.lat:.6f}" if a.lon is not None and a.lat is not None else "—"
    line = f"{a.attachment_id}  {a.layer}/{a.uid}  {kind}  {a.name}  {a.size} B  {a.taken_at or '—'}  {where}"
    if a.azimuth is not None:
        line += "  " + tr("方位角 {az:g}°", "azimuth {az:g}°", az=a.azimuth)
    line += f"  sha256 {a.sha256[:16]}"
    return line + (tr("（要素已删除）", " (feature deleted)") if orphan else "")


def _attachments(args) -> int:
    from gisdesk import attachments

    project = _open_project(args.project)
    if args.verify:
        report = attachments.verify(project)
        for problem in report.problems:
            print((tr("注意：", "note: ") if not problem.fatal else tr("不符：", "bad: ")) + problem.message)
        if not report.ok:
            print(tr("gisdesk: 校验未通过：{n} 处问题（{a} 个附件，举证链 {l} 个链接）",
                     "gisdesk: verification failed: {n} problems ({a} attachments, {l} links in the evidence chain)",
                     n=sum(p.fatal for p in report.problems), a=report.attachments, l=report.links), file=sys.stderr)
            return 1
        print(tr("校验通过：{a} 个附件的内容与其 sha256 相符，举证链 {l} 个链接完整",
                 "verified: the bytes of {a} attachments match their sha256, the {l} links of the evidence chain hold",
                 a=report.attachments, l=report.links))
        return 0
    orphaned = {a.attachment_id for a in attachments.orphans(project)}
    listed = attachments.list_attachments(project)
    for a in listed:
        print(_attachment_line(a, a.attachment_id in orphaned))
    print(tr("共 {n} 个附件", "{n} attachments", n=len(listed)))
    return 0

def _pack(args) -> int:
    from gisdesk.field.pack import pack
    from gisdesk.jobs import TerminalFeedback

    if not Path(args.project).is_file():
        raise InputError("项目文件不存在：{path}", "project file not found: {path}", path=args.project)
    result = pack(args.project, args.out, district=args.area, extent=args.extent, feedback=TerminalFeedback())
    print(tr("已生成外业包 {out}：{n} 个要素，{a} 个附件，用时 {sec:.1f} 秒",
             "made the field package {out}: {n} features, {a} attachments, in {sec:.1f} s",
             out=result.path, n=result.features, a=result.attachments, sec=result.seconds))
    print(tr("  各图层：{layers}", "  per layer: {layers}", layers=tr("，", ", ").join(
        f"{layer} {n}" for layer, n in result.layers.items() if n)))
    if result.box:
        print(tr("  范围（项目坐标系）：{box}", "  extent (project CRS): {box}",
                 box=", ".join(f"{v:.1f}" for v in result.box)))
    for layer_id, path in result.basemaps:
        print(tr("  底图 {id}：{path}", "  base map {id}: {path}", id=layer_id, path=path))
    for note in result.notes:
        print(f"gisdesk: {tr('注意', 'note')}: {note}", file=sys.stderr)
    print(tr("  外业包编号：{id}；带回后用 gisdesk merge {project} {out} 合并",
             "  package id: {id}; back from the field, merge it with gisdesk merge {project} {out}",
             id=result.package_id, project=args.project, out=result.path))
    return 0


def _merge(args) -> int:
    from gisdesk.field.merge import merge, summary_lines
    from gisdesk.jobs import TerminalFeedback

    if args.report and Path(args.report).resolve() in (Path(args.project).resolve(), Path(args.package).resolve()):
        raise InputError("--report 不能是项目或外业包本身：{path}", "--report cannot be the project or the package: {path}",
                         path=args.report)
    report = merge(args.project, args.package, dry_run=args.dry_run, feedback=TerminalFeedback())
    for line in summary_lines(report):
        print(line)
    if args.report:
        print(tr("  报告：{path}", "  report: {path}", path=report.write_json(args.report)))
    return 0


COMMANDS = {"open": _open, "new": _new, "import": _import, "check": _check, "totals": _totals, "indicators": _indicators,
            "demo": _demo, "basemap": _basemap, "overviews": _overviews, "export": _export, "cases": _cases,
            "attach": _attach, "attachments": _attachments, "pack": _pack, "merge": _merge}
