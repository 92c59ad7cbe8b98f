"""gisdesk export --atlas: a page per conflict, per ledger case or per district, after a title page of
contents; checked through the files with the real tools (pdfinfo, pdftotext, pdftoppm, pdffonts,
pdfimages).

Two projects: the meeting city of tests/test_export_xlsx (three cases with made-up personal data,
seven conflicts; no base maps) for counts, text and masking, and a checked copy of the demo with
its two dated MBTiles (2016-06 lacks buildings 2024-06 has) for the zoom, the highlight and the
before/after frames, a few pages of it only.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from gisdesk.errors import Cancelled
from gisdesk.export import atlas
from gisdesk.export import layout as lay
from gisdesk.jobs import Feedback
from tests.test_export_xlsx import RAW_VALUES, meeting_city

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo.gpkg"
MBTILES = ["demo_imagery_2016-06.mbtiles", "demo_imagery_2024-06.mbtiles"]
RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
TEMPLATE = lay.load_template(atlas.DEFAULT_TEMPLATE)
CYAN = np.array([0x00, 0xE5, 0xFF])  # render.snapshot.HIGHLIGHT_COLOR: the page's feature


def _run(*args) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True).stdout


def _pages(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", pdf), re.M).group(1))


def _text(pdf: Path, page: int | None = None) -> str:
    args = ["-f", page, "-l", page] if page is not None else []
    return re.sub(r"\s+", "", _run("pdftotext", "-enc", "UTF-8", *args, pdf, "-"))


def _render(pdf: Path, page: int, dpi: int, tmp_path: Path) -> np.ndarray:
    from PIL import Image

    stem = tmp_path / f"p{page}"
    _run("pdftoppm", "-r", dpi, "-f", page, "-l", page, "-png", "-singlefile", pdf, stem)
    return np.asarray(Image.open(f"{stem}.png").convert("RGB")).astype(int)


def _box_px(item: lay.Item, dpi: float) -> tuple[int, int, int, int]:
    k = dpi / 25.4
    return round(item.x * k), round(item.y * k), round((item.x + item.w) * k), round((item.y + item.h) * k)


def _page_data(project_path):
    from gisdesk.export.basemap import ensure_gui
    from gisdesk.export.pages import read_page_data
    from gisdesk.project import Project

    ensure_gui()
    project = Project.open(project_path)
    return project, read_page_data(project)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The meeting city, checked, and its case atlas (masked) and conflict atlas as PDF, by the command line."""
    from gisdesk.cli import main

    folder = tmp_path_factory.mktemp("city")
    project = meeting_city(folder)
    assert main(["check", str(project.path), "--out", str(folder / "check")]) == 0
    cases, conflicts = folder / "cases.pdf", folder / "conflicts.pdf"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["export", str(project.path), "--default", "--atlas", "cases", "--pdf", str(cases)]) == 0
    (folder / "cases.txt").write_text(printed.getvalue(), encoding="utf-8")  # what the command printed
    assert main(["export", str(project.path), "--default", "--atlas", "conflicts", "--pdf", str(conflicts)]) == 0
    return project.path, folder, cases, conflicts


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A checked copy of the demo beside its two base maps."""
    from gisdesk.cli import main

    folder = tmp_path_factory.mktemp("demo")
    project = folder / "demo.gpkg"
    shutil.copyfile(DEMO, project)
    for name in MBTILES:
        shutil.copyfile(DEMO.parent / name, folder / name)
    assert main(["check", str(project), "--out", str(folder / "check")]) == 0
    return project, folder


# --- pages and their text -------------------------------------------------------------------

def test_a_page_per_case_after_the_contents(city):
    project_path, _, cases, _ = city
    assert _pages(cases) == 2 + 3  # the title page of contents, the legend, then L1 L2 L3
    contents = _text(cases, 1)
    assert "违法建设案件图集" in contents and "目录" in contents
    project, page = _page_data(project_path)
    entries = atlas.case_entries(project, page)
    # by district (虹口区 before 黄浦区 in code-point order), then case number; page numbers after the contents
    assert [e.key for e in entries] == ["L3", "L1", "L2"]
    assert "图例" in _text(cases, 2) and "本页要素" in _text(cases, 2)
    for number, entry in enumerate(entries, start=3):
        text = _text(cases, number)
        assert f"案件{entry.key}" in text, (number, text[:80])
        assert f"第{number}页／共5页" in text
        assert f"{number}{entry.key}" in contents  # the contents: page number, then case number
        assert entry.district in text
    l1, l2 = _text(cases, 4), _text(cases, 5)
    assert "外马路1号" in l1 and "已立案" in l1  # L1's address and status
    assert "未批先建" in l1 and "WPXJ" not in l1  # violation codes by name
    assert "冲突道路红线压线50.0m²" in l1 and "冲突道路红线退线不足" in l2  # each case's own conflicts


def test_a_page_per_counted_conflict_with_its_rule_result(city):
    project_path, folder, _, conflicts = city
    csv = pd.read_csv(folder / "check" / "conflicts.csv", dtype={"subject_id": str, "control_id": str})
    counted = csv[csv["exemption"].astype(object).fillna("") == ""] if "exemption" in csv else csv
    assert _pages(conflicts) == 2 + len(counted) == 9
    texts = [_text(conflicts, n) for n in range(3, 3 + len(counted))]
    for row in counted.itertuples():
        relation = "压线" if row.relation == "encroach" else "退线不足"
        mine = [t for t in texts if f"{row.subject_id}名称/地址" in t and f"（{row.control_id}）" in t
                and f"冲突类型{relation}" in t]
        assert len(mine) == 1, (row.subject_id, row.control_id, relation)
        page = mine[0]
        assert "道路红线" in page
        if row.relation == "encroach":
            assert f"{row.overlap_m2:,.2f}" in page and f"{row.depth_m:,.2f}" in page
        else:
            assert f"{row.distance_m:,.2f}" in page and f"{row.shortfall_m:,.2f}" in page
        period = {"new": "新增", "existing": "既有", "unknown": "未知"}[row.period]
        assert f"时期{period}" in page


def test_chinese_text_round_trips_and_the_font_is_embedded(city):
    _, _, cases, conflicts = city
    for pdf in (cases, conflicts):
        fonts = _run("pdffonts", pdf).splitlines()[2:]
        assert fonts and all("WenQuanYi" in line and line.split()[-5] == "yes" for line in fonts), fonts
        text = _text(pdf)
        assert not RADICALS.search(text)
        for word in ("压线面积", "道路红线", "冲突类型", "违法建设", "比例尺", "坐标系", "面积"):
            assert word in text or pdf == cases and word in ("压线面积", "冲突类型"), (pdf.name, word)


def test_the_pages_are_vector_but_the_overview_embedded_once(city):
    """No base maps: the only image is the overview inset, one object that every page shows."""
    _, _, cases, _ = city
    rows = [line.split() for line in _run("pdfimages", "-list", cases).splitlines()[2:]]
    item = TEMPLATE.items_of(lay.OVERVIEW)[0]
    assert [int(r[0]) for r in rows] == [3, 4, 5]  # a feature page each, none on the contents and legend
    assert len({r[10] for r in rows}) == 1  # one object
    assert (int(rows[0][3]), int(rows[0][4])) == (round(item.w / 25.4 * 200), round(item.h / 25.4 * 200))


def test_personal_data_is_masked_unless_asked_for(city, tmp_path, cli):
    project_path, _, cases, _ = city
    text = _text(cases)
    for raw in RAW_VALUES:
        assert raw not in text, raw
    assert "张**" in text and "110***********1234" in text and "138****5678" in text
    out = tmp_path / "raw.pdf"
    code, stdout, err = cli("export", project_path, "--default", "--atlas", "cases", "--pdf", out,
                            "--with-personal-data")
    assert code == 0, err
    raw = _text(out)
    assert "张三丰" in raw and "110101199003071234" in raw and "13812345678" in raw
    assert "含个人信息" in stdout and "已隐去" not in stdout
    printed = (cases.parent / "cases.txt").read_text(encoding="utf-8")
    assert "已隐去个人信息：当事人、证件号、电话" in printed and "共 5 页：目录 2 页、图 3 页" in printed


def test_a_district_page_has_its_totals(city, tmp_path, cli):
    project_path, folder, _, _ = city
    out = tmp_path / "districts.pdf"
    code, _, err = cli("export", project_path, "--default", "--atlas", "districts", "--pdf", out)
    assert code == 0, err
    totals = pd.read_csv(folder / "check" / "totals.csv")
    districts = sorted(d for d in totals["group"].unique() if d not in ("*", "—"))
    assert _pages(out) == 2 + len(districts)
    for number, district in enumerate(districts, start=3):
        text = _text(out, number)
        assert district in text
        mine = totals[(totals["group"] == district) & (totals["control_kind"] == "*")]
        for row in mine.itertuples():
            assert f"压线{row.encroach_count}处" in text and f"退线不足{row.setback_count}处" in text


def test_png_and_svg_write_a_numbered_file_per_page(city, tmp_path, cli):
    project_path, _, _, _ = city
    code, stdout, err = cli("export", project_path, "--default", "--atlas", "cases", "--png", tmp_path / "图集.png",
                            "--dpi", 30)
    assert code == 0, err
    from PIL import Image

    files = sorted(tmp_path.glob("图集_*.png"))
    assert [f.name for f in files] == [f"图集_00{n}.png" for n in range(1, 6)]
    for f in files:
        assert Image.open(f).size == (round(297 / 25.4 * 30), round(210 / 25.4 * 30))
    code, _, err = cli("export", project_path, "--default", "--atlas", "cases", "--svg", tmp_path / "a.svg",
                       "--limit", 1)
    assert code == 0, err
    assert sorted(f.name for f in tmp_path.glob("a_*.svg")) == ["a_001.svg", "a_002.svg", "a_003.svg"]
    assert not list(tmp_path.glob(".*part"))


def test_errors_are_one_line_and_exit_2(city, tmp_path, cli):
    project_path, _, _, _ = city
    code, _, err = cli("export", project_path, "--default", "--pdf", tmp_path / "x.pdf", "--limit", 3)
    assert code == 2 and "--limit 只用于图集" in err
    fresh = meeting_city(tmp_path)  # no check yet
    code, _, err = cli("export", fresh.path, "--default", "--atlas", "conflicts", "--pdf", tmp_path / "y.pdf")
    assert code == 2 and "还没有运行过冲突检查" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "y.pdf").exists()


def test_a_cancel_leaves_no_file(city, tmp_path):
    project_path, _, _, _ = city

    class CancelHalfway(Feedback):
        def set_progress(self, fraction):
            if fraction >= 0.5:
                self.cancel()
            super().set_progress(fraction)

    for fmt in ("pdf", "png"):
        with pytest.raises(Cancelled):
            atlas.export_atlas(project_path, tmp_path / f"c.{fmt}", atlas="cases", dpi=30, feedback=CancelHalfway())
    assert list(tmp_path.iterdir()) == []


# --- the demo: zoom, highlight, before and after -------------------------------------------------

def _read(snapshot, extent, w=80, h=50):
    return snapshot.source.read(extent, w, h, snapshot.crs)[..., :3].astype(int)


@pytest.fixture(scope="module")
def demo_pages(demo):
    """Two pages of the demo's conflict atlas (no contents): the first encroachment, and the conflict whose
    ground differs most between the two base maps (among the first 60)."""
    project_path, folder = demo
    project, page = _page_data(project_path)
    entries = atlas.conflict_entries(project, page)
    earlier, later = atlas.dated_basemaps(page)
    first = next(e for e in entries if "压线" in e.title and e.geometry is not None)
    changed = max((e for e in entries[:60] if e is not first and e.extent is not None),
                  key=lambda e: np.abs(_read(earlier, e.extent) - _read(later, e.extent)).mean())
    out = folder / "two.pdf"
    atlas.export_atlas(project_path, out, atlas="conflicts", keys=[first.key, changed.key], contents=False)
    return project, entries, (earlier, later), first, changed, out


def test_every_counted_conflict_has_a_page(demo_pages):
    project, entries, _, _, _, out = demo_pages
    conflicts = project.conflicts()
    assert len(entries) == int((conflicts["exemption"].astype(object).fillna("") == "").sum())  # exempt left out
    assert _pages(out) == 2


def test_a_conflicts_page_is_zoomed_onto_its_feature(demo_pages, tmp_path):
    _, _, _, first, _, out = demo_pages
    text = _text(out, 1)
    scale = float(re.search(r"比例尺1:(\d+)", text).group(1))  # the page's own note (spaces taken out)
    assert scale >= atlas.MIN_SCALE and first.uid in text
    dpi = 100
    image = _render(out, 1, dpi, tmp_path)
    map_item = TEMPLATE.map_item()
    x0, y0, x1, y1 = _box_px(map_item, dpi)
    frame = image[y0:y1, x0:x1]
    cyan = np.abs(frame - CYAN).sum(axis=2) < 90
    assert cyan.sum() > 20, "no highlight in the map frame"
    ys, xs = np.nonzero(cyan)
    # the outline's box is centred in the frame and as large as the feature at the printed scale
    assert abs((xs.min() + xs.max()) / 2 - frame.shape[1] / 2) < 4
    assert abs((ys.min() + ys.max()) / 2 - frame.shape[0] / 2) < 4
    bx0, by0, bx1, by1 = shapely.bounds(first.geometry)
    per_px = scale * 0.0254 / dpi  # metres of ground a pixel of the rendering
    assert abs((xs.max() - xs.min()) - (bx1 - bx0) / per_px) < 6
    assert abs((ys.max() - ys.min()) - (by1 - by0) / per_px) < 6


def _frames(entry, dpi: float):
    """The two before/after frames of the template at `dpi`: (pixel box, ground box) of each, 3 px in
    from the frame's border."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QFontMetricsF

    from gisdesk.export.pages import _font, page_font

    item = TEMPLATE.items_of(lay.BEFORE_AFTER)[0]
    k = dpi / 25.4
    rect = QRectF(item.x * k, item.y * k, item.w * k, item.h * k)
    label_h = QFontMetricsF(_font(page_font()[0], item.font_pt(), dpi)).height() * 1.3
    out = []
    for frame in atlas.before_after_frames(rect, dpi, label_h):
        view = atlas.before_after_view(frame, entry, dpi)
        x0, y0 = round(frame.left()) + 3, round(frame.top()) + 3
        x1, y1 = x0 + view.width - 6, y0 + view.height - 6
        gx0, gy1 = view.to_map(3, 3)
        gx1, gy0 = view.to_map(view.width - 3, view.height - 3)
        out.append(((x0, y0, x1, y1), (gx0, gy0, gx1, gy1)))
    return out


def test_before_and_after_frames_show_the_two_dates(demo_pages, tmp_path):
    """Each frame's pixels are its own date's (compared with the MBTiles read directly over the same
    ground), not the other's: on the page of the conflict whose ground changed most."""
    _, _, (earlier, later), _, entry, out = demo_pages
    assert (earlier.date, later.date) == ("2016-06", "2024-06")
    assert np.abs(_read(earlier, entry.extent) - _read(later, entry.extent)).mean() > 10
    text = _text(out, 2)
    assert "2016-06" in text and "2024-06" in text
    dpi = 150
    image = _render(out, 2, dpi, tmp_path)
    for ((x0, y0, x1, y1), ground), mine, other in zip(_frames(entry, dpi), (earlier, later), (later, earlier)):
        got = image[y0:y1, x0:x1]
        h, w = got.shape[:2]
        keep = np.abs(got - CYAN).sum(axis=2) > 150  # not the feature's outline
        own = np.abs(got - _read(mine, ground, w, h))[keep].mean()
        alien = np.abs(got - _read(other, ground, w, h))[keep].mean()
        assert own < 12 and own < alien / 2, (mine.date, own, alien)


def test_no_two_dates_no_before_after(city):
    _, _, cases, _ = city
    assert "无两期底图" in _text(cases, 3)


def test_a_cases_photos_are_drawn_on_its_page(tmp_path, cli):
    """Two photos attached to L1 (gisdesk.attachments): on L1's page, in the photos box, and on no other."""
    from PIL import Image

    from gisdesk import attachments

    project = meeting_city(tmp_path)
    ledger = project.layers_of("ledger")[0].id
    photos = []
    for name, colour in (("北侧.png", (200, 30, 30)), ("南侧.png", (30, 30, 200))):
        buffer = io.BytesIO()
        Image.new("RGB", (60, 40), colour).save(buffer, "PNG")
        photos.append((name, buffer.getvalue()))
    attachments.add(project, ledger, "L1", photos, kind="photo")
    out = tmp_path / "cases.pdf"
    code, _, err = cli("export", project.path, "--default", "--atlas", "cases", "--pdf", out)
    assert code == 0, err
    rows = [line.split() for line in _run("pdfimages", "-list", out).splitlines()[2:]]
    photo_rows = [r for r in rows if (int(r[3]), int(r[4])) == (60, 40)]
    assert [int(r[0]) for r in photo_rows] == [4, 4]  # L1 is the fourth page (contents, legend, L3, L1, L2)
    text = _text(out, 4)
    assert "北侧.png" in text and "南侧.png" in text and "无现场照片" not in text
    assert "无现场照片" in _text(out, 3) and "无现场照片" in _text(out, 5)
    dpi = 100
    image = _render(out, 4, dpi, tmp_path)
    x0, y0, x1, y1 = _box_px(TEMPLATE.items_of(lay.PHOTOS)[0], dpi)
    box = image[y0:y1, x0:x1]
    for colour in ((200, 30, 30), (30, 30, 200)):
        assert (np.abs(box - np.array(colour)).sum(axis=2) < 30).sum() > 200, colour
