"""The import report's lines, as `gisdesk import` prints them and the app's import wizard shows them."""

from __future__ import annotations

from gisdesk.i18n import tr
from gisdesk.io.coords import NAMES
from gisdesk.io.dxf import cad_report_lines
from gisdesk.io.sources import record_ranges
from gisdesk.io.topology import report_lines as topology_lines
from gisdesk.layers.kinds import KINDS, kind_of
from gisdesk.layers.schema import mapping_lines


def report_lines(report) -> list[str]:
    """What an import did (an ImportReport), one line each, in the user's language."""
    lines: list[str] = []
    out = lines.append
    out(tr("已导入 {n} 个要素到 {kind}（{src} → {dst}）", "imported {n} features as {kind} ({src} → {dst})",
           n=report.imported, kind=kind_of(report.kind).title, src=report.source_crs, dst=report.project_crs))
    out(tr("  图层：{layer}（{new}）", "  layer: {layer} ({new})", layer=report.layer,
           new=tr("新建", "new") if report.created else tr("追加", "appended")))
    if report.update is not None:
        u = report.update
        out(tr("  更新：新增 {a} 个，修改 {c} 个，未变 {s} 个", "  update: {a} added, {c} changed, {s} unchanged",
               a=len(u.added), c=len(u.changed), s=u.unchanged))
        for uid, fields in list(u.changed.items())[:20]:
            out(tr("    {uid}：{fields}", "    {uid}: {fields}", uid=uid, fields=", ".join(fields)))
        if u.ignored_fields:
            out(tr("  图层中没有的字段未导入：{f}", "  fields the layer lacks were not imported: {f}",
                   f=", ".join(u.ignored_fields)))
    if report.encoding:
        out(tr("  属性编码：{encoding}", "  attribute encoding: {encoding}", encoding=report.encoding))
    for line in mapping_lines(report.mapped, report.unmapped, kind_of(report.kind).schema if report.kind in KINDS else None):
        out(line)
    if report.coordinates[0]:
        out(tr("  坐标：{how_zh}", "  coordinates: {how_en}", how_zh=report.coordinates[0],
               how_en=report.coordinates[1]))
    if getattr(report, "coords", ""):  # --coords: converted from a consumer map's system (gisdesk.io.coords)
        name_zh, name_en = NAMES[report.coords]
        out(tr("  坐标转换：{name_zh} → WGS-84/CGCS2000 经纬度（迭代反算）", "  coordinates converted: {name_en} → "
               "WGS-84/CGCS2000 lon/lat (iterative inverse)", name_zh=name_zh, name_en=name_en))
    if getattr(report, "datum_shift", ""):  # --towgs84: a Beijing 1954 / Xian 1980 source
        out(tr("  基准转换：按用户给出的参数 {shift} 转换到 CGCS2000/WGS-84", "  datum shift: by the parameters given, "
               "{shift}, to CGCS2000/WGS-84", shift=report.datum_shift))
    if report.repaired:
        out(tr("  修复无效几何 {n} 个（make_valid）", "  repaired {n} invalid geometries (make_valid)", n=report.repaired))
    for reason, n in report.skipped.items():
        out(tr("  跳过 {n} 个要素：{reason}", "  skipped {n} features: {reason}", n=n, reason=skip_reason(reason)))
    if report.bad_records:
        out(tr("  无法读取而跳过的记录（--skip-bad）：第 {records} 条（{why}）",
               "  records skipped as unreadable (--skip-bad): {records} ({why})",
               records=record_ranges(report.bad_records), why=report.bad_reason))
    if report.empty_rows:
        rows = ", ".join(map(str, report.empty_rows[:10])) + (" …" if len(report.empty_rows) > 10 else "")
        out(tr("  空几何所在行：{rows}", "  rows with empty geometry: {rows}", rows=rows))
    if report.split:
        out(tr("  拆分多部件要素 {n} 个为 {m} 个（uid 加 -1、-2 …；--keep-multipart 保持整体）",
               "  split {n} multi-part features into {m} (uids get -1, -2 …; --keep-multipart keeps them whole)",
               n=report.split["features"], m=report.split["parts"]))
    if getattr(report, "multipoints", None):  # never split: a case has one location (importer._multipoints)
        if report.multipoints.get("single"):
            out(tr("  只含一个点的多点（MultiPoint）{n} 个：存为点", "  {n} multi-points of a single point: stored as points",
                   n=report.multipoints["single"]))
        if report.multipoints.get("whole"):
            out(tr("  含多个点的多点（MultiPoint）{n} 个：不拆分，各自整体保留为一个要素",
                   "  {n} multi-points of several points: not split, each kept whole as one feature",
                   n=report.multipoints["whole"]))
    if report.chosen_layer:
        out(tr("  源图层：{layer}（未指定 --layer：该类型只能用这个图层）", "  source layer: {layer} (no --layer given: the "
               "only one this kind can use)", layer=report.chosen_layer))
    if report.dropped_zm:
        out(tr("  已去掉 {n} 个要素的 Z/M 值", "  dropped the Z/M values of {n} features", n=report.dropped_zm))
    if report.collections:
        out(tr("  几何集合 {n} 个：只保留该类型可用的部分", "  {n} geometry collections: only their parts this kind "
               "accepts were kept", n=report.collections))
    lines += topology_lines(getattr(report, "topology", None))  # overlaps, slivers, gaps (gisdesk.io.topology)
    lines += cad_report_lines(report.cad)  # a DXF drawing: its CAD layers taken and left (gisdesk.io.dxf)
    return lines


def skip_reason(reason: str) -> str:
    return {"empty": tr("空几何", "empty geometry"), "point": tr("点（该类型不接受）", "points (not accepted by this kind)"),
            "line": tr("线（该类型不接受）", "lines (not accepted by this kind)"),
            "polygon": tr("面（该类型不接受）", "polygons (not accepted by this kind)"),
            "unreadable": tr("源文件中无法读取", "unreadable in the source")}.get(reason, reason)
