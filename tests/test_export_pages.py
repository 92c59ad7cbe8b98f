"""gisdesk export: the demo's default A3 meeting page as PDF (vector, a CJK font embedded, its text
given back exactly by pdftotext), PNG at a chosen dpi and SVG; layouts as JSON, in the project
and as templates; clear errors with exit 2.

The demo copy has no base map files beside it (they show as missing and draw nothing), so the
PDF has no image at all; the check is run first, so the page has its totals table.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import shapely

from gisdesk.export import layout as lay
from gisdesk.export.layout import Item, Layout

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo.gpkg"
# the words of the meeting pages, each also drawn by the word-list page below
WORDS = ["面积", "压线", "违法建设", "道路红线", "退线", "绿线", "蓝线", "紫线", "黄线", "冲突", "统计", "比例尺", "图例",
         "指北针", "坐标系", "城市黄线", "违法建设台账", "压线面积", "退线不足", "控制线", "制图日期", "平面面积"]
RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
A3_MM = (420.0, 297.0)


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A checked copy of the demo (no base map files) and its default page as PDF."""
    from gisdesk.cli import main

    folder = tmp_path_factory.mktemp("export")
    project = folder / "demo.gpkg"
    shutil.copyfile(DEMO, project)
    assert main(["check", str(project), "--out", str(folder / "check")]) == 0
    pdf = folder / "a3.pdf"
    assert main(["export", str(project), "--default", "--pdf", str(pdf)]) == 0
    return project, pdf


def _text(pdf: Path) -> str:
    return _run("pdftotext", "-enc", "UTF-8", pdf, "-").stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _page_data(project):
    from gisdesk.export.basemap import ensure_gui
    from gisdesk.export.pages import read_page_data
    from gisdesk.project import Project

    ensure_gui()
    return read_page_data(Project.open(project))


def test_the_pdf_embeds_a_cjk_font(demo):
    _, pdf = demo
    lines = _run("pdffonts", pdf).stdout.splitlines()[2:]
    assert lines, "no font in the PDF"
    for line in lines:  # name type encoding emb sub uni
        assert "WenQuanYi" in line, line
        fields = line.split()
        assert fields[-5] == "yes" and fields[-3] == "yes", f"not embedded or no ToUnicode: {line}"


def test_pdftotext_gives_back_the_characters_drawn(demo):
    """Every string the page draws comes back as it was drawn, and no Kangxi radical anywhere."""
    from gisdesk.export.pages import fill_text, page_geometry
    from gisdesk.render.legend import legend_entries
    from gisdesk.render.snapshot import Scene

    project, pdf = demo
    text = _text(pdf)
    assert not RADICALS.findall(text), sorted(set(RADICALS.findall(text)))
    flat = _flat(text)
    page = _page_data(project)
    layout = lay.default_layout()
    geometry = page_geometry(layout, page, 300)
    drawn = [fill_text(item.template(), layout, page, geometry) for item in layout.items if item.kind in lay.TEXT_KINDS]
    drawn = [s for s in drawn if s]
    assert page.name in drawn and any("制图日期" in s for s in drawn)
    for entry in legend_entries(Scene.of(page.layers).layers):
        drawn.append(entry.title)
        drawn += [child.title for child in entry.children]
    drawn += ["冲突统计", "压线（处）", "压线面积（m²）", "退线不足（处）", "合计"]
    drawn += ["中山东一路", "黄浦江", "陆家嘴环路"]  # map labels are text too
    missing = [s for s in drawn if _flat(s) not in flat]
    assert not missing, missing
    # the totals table's all-lines rows are the check's totals.csv (written by gisdesk check)
    import pandas as pd

    box = next(i for i in layout.items if i.kind == "totals")
    pt = 72 / 25.4  # the text inside the totals box only (-r 72: pixels are points)
    table = _flat(_run("pdftotext", "-enc", "UTF-8", "-r", 72, "-x", int(box.x * pt), "-y", int(box.y * pt),
                       "-W", int(box.w * pt) + 1, "-H", int(box.h * pt) + 1, pdf, "-").stdout)
    totals = pd.read_csv(project.parent / "check" / "totals.csv")
    rows = totals[(totals["group"] == "*") & (totals["control_kind"] == "*")]
    assert len(rows) == 2
    for row in rows.itertuples():
        assert f"{row.encroach_count}{row.overlap_m2:,.0f}{row.setback_count}" in table, (row, table)
    assert "合计" in table and "违法建设台账" in table
    for word in ("面积", "压线", "违法建设", "道路红线", "退线", "绿线", "蓝线", "紫线", "黄线", "冲突", "统计",
                 "比例尺", "图例", "坐标系"):
        assert word in flat, word


def test_the_words_of_the_pages_round_trip(demo, tmp_path):
    """A page of the project's own (kept in its settings) with every word the pages use, big and bold."""
    from gisdesk.cli import main
    from gisdesk.project import Project

    project, _ = demo
    copy = tmp_path / "words.gpkg"
    shutil.copyfile(project, copy)
    words = " ".join(WORDS)
    layout = Layout("词表", "A4", "portrait", (
        Item("title", 15, 15, 180, 20, text="面积 压线 违法建设 道路红线", bold=True),
        Item("text", 15, 40, 180, 120, text=words, size_pt=14),
        Item("text", 15, 170, 180, 60, text=words, size_pt=10, bold=True)))
    lay.save_layout(Project.open(copy), layout)
    out = tmp_path / "words.pdf"
    assert main(["export", str(copy), "--layout", "词表", "--pdf", str(out)]) == 0
    text = _text(out)
    assert not RADICALS.findall(text)
    assert _flat(text).count(_flat(words)) == 2
    assert "面积压线违法建设道路红线" in _flat(text)


def _page_pixels(png: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(png).convert("RGB")).astype(int)


def _to_page(points, view, item, dpi):
    from gisdesk.export.pages import px

    x, y = view.to_pixels(points[:, 0], points[:, 1])
    return np.floor(px(item.x, dpi) + x).astype(int), np.floor(px(item.y, dpi) + y).astype(int)


def test_pdf_renders_back_with_the_map_colours(demo, tmp_path):
    """pdftoppm's picture of the PDF: red-line zones reddish, the river blue, the title dark on white."""
    project, pdf = demo
    dpi = 100
    _run("pdftoppm", "-r", dpi, "-png", "-singlefile", pdf, tmp_path / "page")
    image = _page_pixels(tmp_path / "page.png")
    assert abs(image.shape[0] - 297 * dpi / 25.4) <= 2 and abs(image.shape[1] - 420 * dpi / 25.4) <= 2
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", _run("pdfinfo", pdf).stdout)
    # (Qt writes the page size in whole points: A3 is 1191 x 842)
    assert (float(size[1]), float(size[2])) == pytest.approx((420 / 25.4 * 72, 297 / 25.4 * 72), abs=1)
    _check_map_colours(image, _page_data(project), dpi)


def _check_map_colours(image: np.ndarray, page, dpi: float) -> None:
    """Points inside the red-line zones are reddish, inside the river (blue line) bluish; the title dark on white."""
    from gisdesk.export.pages import map_view
    from gisdesk.layers.zones import control_zones

    item = lay.default_layout().map_item()
    view, _ = map_view(item, page, dpi)
    rng = np.random.default_rng(7)

    def inside(layer_id, n=40):
        layer = next(layer for layer in page.layers if layer.id == layer_id)
        zones, _ = control_zones(layer.data.frame, layer.kind)
        zone = shapely.union_all(zones)
        core = zone.buffer(-view.resolution * 1.5)  # inside the edge (the outline is another colour)
        xmin, ymin, xmax, ymax = core.bounds
        pts = rng.uniform((xmin, ymin), (xmax, ymax), size=(20000, 2))
        pts = pts[shapely.contains_xy(core, pts[:, 0], pts[:, 1])][:n]
        assert len(pts) >= n // 2
        x, y = _to_page(pts, view, item, dpi)
        return image[y, x]

    red = inside("red_lines")
    reddish = (red[:, 0] > red[:, 1] + 25) & (red[:, 0] > red[:, 2] + 25)
    assert reddish.mean() >= 0.75, red  # labels (red text on a white halo) cover a few
    blue = inside("blue_lines")
    bluish = (blue[:, 2] > blue[:, 0] + 25)
    assert bluish.mean() >= 0.75, blue
    # the title's box: dark ink on white; the page margin white
    title = next(i for i in lay.default_layout().items if i.kind == "title")
    box = image[round(title.y * dpi / 25.4):round((title.y + title.h) * dpi / 25.4),
                round(title.x * dpi / 25.4):round((title.x + 120) * dpi / 25.4)]
    assert (box.sum(axis=2) < 200).mean() > 0.03
    assert (image[:5, :] == 255).all()


def test_the_pdf_is_vector(demo):
    """No image at all without a base map; semi-transparent zones are PDF constant alpha."""
    _, pdf = demo
    listing = _run("pdfimages", "-list", pdf).stdout.splitlines()
    assert len(listing) == 2, listing  # the two header lines only
    raw = pdf.read_bytes()
    assert re.search(rb"/ca\s*0\.\d", raw), "no constant alpha: the semi-transparent zones are not vector"


def test_the_png_has_the_map_colours(demo, tmp_path):
    """Qt's own raster page has the colours at the same places as poppler's picture of the PDF."""
    from gisdesk.cli import main

    project, _ = demo
    png = tmp_path / "page.png"
    assert main(["export", str(project), "--default", "--png", str(png), "--dpi", "100"]) == 0
    _check_map_colours(_page_pixels(png), _page_data(project), 100)


def test_png_pixel_size_follows_the_dpi(demo, tmp_path):
    from PIL import Image

    from gisdesk.cli import main

    project, _ = demo
    for dpi in (72, 150):
        png = tmp_path / f"p{dpi}.png"
        assert main(["export", str(project), "--default", "--png", str(png), "--dpi", str(dpi)]) == 0
        with Image.open(png) as image:
            assert image.size == (round(A3_MM[0] * dpi / 25.4), round(A3_MM[1] * dpi / 25.4))
            assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.5)


def test_png_default_dpi(demo, tmp_path, cli):
    from gisdesk.export.pages import PNG_DPI

    project, _ = demo
    code, out, _ = cli("export", project, "--layout", "meeting-a4-portrait", "--png", tmp_path / "a4.png")
    assert code == 0, out
    from PIL import Image
    with Image.open(tmp_path / "a4.png") as image:
        assert image.size == (round(210 * PNG_DPI / 25.4), round(297 * PNG_DPI / 25.4))


def test_svg_parses_and_holds_the_title(demo, tmp_path):
    from gisdesk.cli import main

    project, _ = demo
    svg = tmp_path / "page.svg"
    assert main(["export", str(project), "--default", "--svg", str(svg)]) == 0
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    texts = "".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text"))
    assert "示例城市：上海外滩—陆家嘴（演示）" in texts
    assert "图例" in texts and "道路红线" in texts


def test_errors_are_clear_and_exit_2(demo, tmp_path, cli):
    project, _ = demo
    code, _, err = cli("export", project, "--layout", "无此版式", "--pdf", tmp_path / "x.pdf")
    assert code == 2 and "没有名为 无此版式 的版式" in err and "meeting-a3-landscape" in err
    code, _, err = cli("export", project, "--layout", "nope", "--pdf", tmp_path / "x.pdf", "--lang", "en")
    assert code == 2 and "no layout named nope" in err
    missing = tmp_path / "no" / "such" / "folder" / "x.pdf"
    code, _, err = cli("export", project, "--default", "--pdf", missing)
    assert code == 2 and "输出目录不存在" in err and str(missing.parent) in err
    code, _, err = cli("export", project, "--default", "--png", missing, "--lang", "en")
    assert code == 2 and "output folder does not exist" in err
    code, _, err = cli("export", project, "--default", "--html", tmp_path / "x.html", "--dpi", "300")
    assert code == 2 and "--dpi 不适用于 --html" in err and not (tmp_path / "x.html").exists()
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))


def test_layouts_as_json():
    for info in lay.templates():
        layout = lay.load_template(info.id)
        again = Layout.from_json(layout.to_json(), template=info.id)
        assert again == layout
        # a meeting page has its legend; an atlas page its feature's table (the legend is the atlas's own page)
        assert layout.map_item() is not None and (layout.items_of("legend") or layout.items_of(lay.FEATURE_TABLE))
    a3 = lay.load_template("meeting-a3-landscape")
    assert a3.size_mm == A3_MM
    a4 = a3.resized("A4", "portrait")
    assert a4.size_mm == (210.0, 297.0)
    assert all(i.x + i.w <= 210.01 and i.y + i.h <= 297.01 for i in a4.items)
    a1 = a3.resized("A1")  # an A3 page enlarged: the map's symbols and labels too
    assert a1.size_mm == (841.0, 594.0) and a1.map_item().symbol_scale == pytest.approx(2.0, abs=0.01)
    assert lay.load_template("exhibition-a1-landscape").map_item().symbol_scale == pytest.approx(2.0, abs=0.01)
    bad = {"name": "x", "page": "A3", "items": [{"kind": "map", "x": 400, "y": 10, "w": 100, "h": 100}]}
    with pytest.raises(lay.InputError, match="超出"):
        Layout.from_dict(bad)
    with pytest.raises(lay.InputError, match="类型"):
        Layout.from_dict({"name": "x", "items": [{"kind": "chart", "x": 0, "y": 0, "w": 1, "h": 1}]})
    with pytest.raises(lay.InputError, match="A4、A3、A1"):
        Layout.from_dict({"name": "x", "page": "B5"})
    assert lay.nice_scale(9387) == 10_000 and lay.nice_scale(12_001) == 12_500 and lay.nice_scale(1000) == 1000
    assert lay.format_scale(15000) == "1:15 000"


def test_layouts_kept_in_the_project(demo, tmp_path):
    from gisdesk.project import Project

    project, _ = demo
    copy = tmp_path / "p.gpkg"
    shutil.copyfile(project, copy)
    p = Project.open(copy)
    mine = lay.load_template("meeting-a4-portrait").resized("A3", "landscape")
    mine = Layout.from_dict({**mine.to_dict(), "name": "三月例会"})
    lay.save_layout(p, mine)
    assert list(p.layouts()) == ["三月例会"]
    assert lay.find_layout(Project.open(copy), "三月例会") == mine
    assert json.loads(p.layouts()["三月例会"])["page"] == "A3"
    p.set_settings(default_layout="三月例会")
    assert lay.default_layout(p) == mine
    p.remove_layout("三月例会")
    assert p.layouts() == {}


def test_personal_labels_are_masked(demo, tmp_path):
    """Ledger cases labelled by their party: the page shows the masked names, never the names."""
    from gisdesk.cli import main
    from gisdesk.project import Project

    project, _ = demo
    copy = tmp_path / "party.gpkg"
    shutil.copyfile(project, copy)
    p = Project.open(copy)
    info = p.layer_info("ledger")
    frame = p.read_layer("ledger")
    style = {**(info.style or {}), "label_field": "party", "label_max_scale": 100_000}
    from gisdesk.layers.styles import default_style
    style = {**default_style("ledger"), **style}
    p.save_layer_states([{"id": "ledger", "z_order": info.z_order, "visible": True, "opacity": 1.0, "style": style}])
    case = frame[frame["party"].astype(str).str.len() == 2].iloc[0]  # 蔡某 ...
    x, y = shapely.get_coordinates(case.geometry.representative_point())[0]
    layout = Layout("当事人", "A4", "landscape", (Item("map", 10, 10, 277, 190, scale=1000, center=(x, y)),))
    lay.save_layout(p, layout)
    out = tmp_path / "party.pdf"
    assert main(["export", str(copy), "--layout", "当事人", "--pdf", str(out)]) == 0
    text = _flat(_text(out))
    assert case["party"] not in text
    assert case["party"][0] + "**" in text


def _qt_imports(path: Path) -> list[tuple[int, str]]:
    import ast

    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom) and node.module else []
        out += [(node.lineno, n) for n in names if n.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")]
    return out


def test_export_draws_with_qtgui_and_qtsvg_not_the_widgets():
    """Import-linter sees PySide6 only whole, so the export floor's Qt is checked here by reading the
    imports: QtCore, QtGui and QtSvg; the page model (layout.py) has no Qt at all."""
    package = ROOT / "gisdesk" / "export"
    offenders = [f"{path.name}:{line} {name}" for path in sorted(package.rglob("*.py"))
                 for line, name in _qt_imports(path) if name.split(".")[1:2] not in (["QtCore"], ["QtGui"], ["QtSvg"])]
    assert offenders == []
    assert _qt_imports(package / "layout.py") == []


def test_a_project_without_a_check_says_so_in_the_totals(tmp_path):
    from gisdesk.cli import main

    project = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, project)
    out = tmp_path / "a4.pdf"
    assert main(["export", str(project), "--layout", "meeting-a4-portrait", "--pdf", str(out)]) == 0
    text = _flat(_text(out))
    assert "尚未运行冲突检查" in text and "汇报附图" not in text  # (the layout's name is not printed)
    assert "控制线与违法建设冲突图" in text


def test_a_logo_is_drawn_in_its_box(demo, tmp_path):
    from PySide6.QtGui import QColor, QImage

    from gisdesk.cli import main
    from gisdesk.project import Project

    project, _ = demo
    copy = tmp_path / "logo.gpkg"
    shutil.copyfile(project, copy)
    logo = QImage(40, 20, QImage.Format.Format_RGB32)
    logo.fill(QColor("#12a4e0"))
    assert logo.save(str(tmp_path / "logo.png"))
    layout = Layout("带标志", "A4", "portrait", (Item("title", 10, 10, 150, 15),
                                                  Item("logo", 160, 10, 40, 40, path="logo.png")))
    lay.save_layout(Project.open(copy), layout)
    out = tmp_path / "logo_page.png"
    assert main(["export", str(copy), "--layout", "带标志", "--png", str(out), "--dpi", "100"]) == 0
    image = _page_pixels(out)
    mm = 100 / 25.4
    # the logo (2:1) fits the 40 x 40 mm box: 40 x 20 mm, centred at (180, 30) mm
    assert tuple(image[round(30 * mm), round(180 * mm)]) == (0x12, 0xa4, 0xe0)
    assert tuple(image[round(30 * mm), round(199 * mm)]) == (0x12, 0xa4, 0xe0)
    assert tuple(image[round(15 * mm), round(180 * mm)]) == (255, 255, 255)  # above it: 40 x 20, not stretched


def test_a_cancelled_export_leaves_no_file(demo, tmp_path):
    from gisdesk.errors import Cancelled
    from gisdesk.export.pages import export_page
    from gisdesk.jobs import Feedback

    class CancelWhenDrawing(Feedback):
        def set_stage(self, stage):
            if "绘制" in stage or "drawing" in stage:
                self.cancel()
            super().set_stage(stage)

    project, _ = demo
    out = tmp_path / "cancelled.pdf"
    with pytest.raises(Cancelled):
        export_page(project, out, fmt="pdf", feedback=CancelWhenDrawing())
    assert list(tmp_path.iterdir()) == []

    class CancelInTheMap(Feedback):  # the renderer's own checks, while the map is drawn
        calls = 0

        def check_cancelled(self):
            type(self).calls += 1
            if type(self).calls > 3:
                self.cancelled = True
            super().check_cancelled()

    with pytest.raises(Cancelled):
        export_page(project, tmp_path / "c.png", fmt="png", dpi=30, feedback=CancelInTheMap())
    assert list(tmp_path.iterdir()) == []


GOLDEN_PAGE = ROOT / "tests" / "data" / "golden" / "page-a3-40dpi.png"


def test_the_pdf_renders_back_as_the_golden_page(demo, tmp_path):
    """The checked demo's default A3 page, dated 2026年12月1日, rendered back by pdftoppm at 40 dpi, is the
    golden picture (tests/data/golden/page-a3-40dpi.png, looked at when made) to within antialiasing:
    a layer, a legend entry, a colour or the totals table drawn otherwise moves far more pixels."""
    from dataclasses import replace

    from gisdesk.cli import main
    from gisdesk.project import Project
    from PIL import Image

    project, _ = demo
    Project.open(project).save_layout("golden", replace(lay.default_layout(), date="2026年12月1日").to_json())
    pdf = tmp_path / "golden.pdf"
    assert main(["export", str(project), "--layout", "golden", "--pdf", str(pdf)]) == 0
    _run("pdftoppm", "-r", 40, "-png", "-singlefile", pdf, tmp_path / "page")
    got = np.asarray(Image.open(tmp_path / "page.png").convert("RGB")).astype(int)
    want = np.asarray(Image.open(GOLDEN_PAGE).convert("RGB")).astype(int)
    assert got.shape == want.shape
    moved = np.abs(got - want).max(axis=2) > 40
    assert moved.mean() < 0.005, f"{moved.mean():.2%} of the pixels differ from the golden page"
