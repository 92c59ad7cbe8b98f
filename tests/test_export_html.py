"""gisdesk export --html: the demo's interactive map, loaded in a real browser with the network cut.

A checked copy of the demo with its two MBTiles base maps beside it and four annotations is
exported once; Debian's Chromium (headless, driven over the DevTools pipe: no port, no other
program) opens the file from a file:// URL with the network cut (no proxy that answers, every
host name unresolvable, background networking off) and the test checks what it did:
- every request the page made is the file itself or a data: URI (the DevTools Network events);
- Leaflet made its panes and one SVG path per feature drawn (counted from the project's own
  tables: features, one outline per control layer, the check's conflicts, the annotations);
- a screenshot shows, at pixels computed from map coordinates, the colours of the layers'
  styles composited as the renderer does (fill colour at fill_alpha over what lies beneath; a
  control layer's zones as one area), with the base map switched off; with it on, tiles show;
- a feature's popup holds its attributes under their Chinese names, coded values by name and
  personal data masked; a link PAGE.html#LAYER/UID opens it; the legend and the title are there.
The file itself refers to nothing outside (no src/href/url() to http, file or a relative path).
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import shapely

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo.gpkg"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SIZE = (1366, 768)
# the only http(s) strings of the page: inside Leaflet's code, none of them fetched
ALLOWED_URLS = {"http://www.w3.org/2000/svg", "https://leafletjs.com",
                "https://bugs.chromium.org/p/chromium/issues/detail?id=600120",
                "https://bugzilla.mozilla.org/show_bug.cgi?id=888319"}

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (setup.sh installs it)")


# --- a headless Chromium over the DevTools pipe ---------------------------------------------

class Browser:
    """Chromium with --remote-debugging-pipe: commands go to its fd 3, answers and events come from its fd 4."""

    def __init__(self, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():  # the child's fd 3 reads our commands, fd 4 writes its messages
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
                "--disable-default-apps", "--hide-scrollbars", "--mute-audio", f"--user-data-dir={profile}",
                '--host-resolver-rules=MAP * ~NOTFOUND', "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                f"--window-size={SIZE[0]},{SIZE[1]}", "--force-device-scale-factor=1", "--remote-debugging-pipe",
                "about:blank"]
        self.process = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict] = []
        target = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.page(f"{domain}.enable")
        self.page("Emulation.setDeviceMetricsOverride", width=SIZE[0], height=SIZE[1], deviceScaleFactor=1,
                  mobile=False)

    def _read(self, timeout: float = 60.0) -> dict:
        while b"\0" not in self._buffer:
            if not select.select([self._from_chrome], [], [], timeout)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self._next += 1
        command = {"id": self._next, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        os.write(self._to_chrome, json.dumps(command).encode() + b"\0")
        while True:
            message = self._read()
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def page(self, method: str, **params) -> dict:
        return self.call(method, self.session, **params)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict:
        for event in self.events:
            if event.get("method") == method:
                self.events.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self._read(max(0.1, deadline - time.monotonic()))
            if message.get("method") == method:
                return message
            self.events.append(message)
        raise TimeoutError(method)

    def js(self, expression: str):
        result = self.page("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        """Load `url` afresh (by way of about:blank: a link differing by its #fragment only would not reload)."""
        self.page("Page.navigate", url="about:blank")
        self.wait_for("Page.loadEventFired")
        self.page("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def settle(self) -> None:
        """Until Leaflet's tiles are in and faded in, and a frame has been drawn."""
        self.js("""new Promise(done => {
            let n = 0;
            const look = () => {
              const tiles = document.querySelectorAll('.leaflet-tile-container img');
              const waiting = [...tiles].filter(t => !t.complete || getComputedStyle(t).opacity !== '1').length;
              if ((waiting === 0 && n > 2) || n > 60) requestAnimationFrame(() => requestAnimationFrame(done));
              else { n++; setTimeout(look, 50); }
            };
            look();
        })""")

    def screenshot(self, clip: tuple[float, float, float, float] | None = None) -> np.ndarray:
        """The page's pixels (RGB), or those of `clip` (x, y, width, height in CSS pixels)."""
        from PIL import Image
        import io

        extra = {"clip": dict(zip(("x", "y", "width", "height"), clip), scale=1)} if clip else {}
        data = base64.b64decode(self.page("Page.captureScreenshot", format="png", **extra)["data"])
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)

    def requested(self) -> list[str]:
        for _ in range(3):  # events that came with the last answers
            self.js("1")
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass  # it may close the pipe before it answers
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


# --- the demo, exported ------------------------------------------------------------------------

def _annotations(project):
    """A text, an arrow, a rectangle and a callout on a ledger case, saved in the project."""
    from gisdesk.annotations import save_annotations
    from gisdesk.layers import annotations as an

    ledger = project.read_layer("ledger")
    case = ledger[ledger.geom_type == "Polygon"].iloc[0]
    cx, cy = case.geometry.centroid.x, case.geometry.centroid.y
    items = [an.make(an.TEXT, shapely.Point(cx + 60, cy + 60), text="拆除后复绿"),
             an.make(an.ARROW, shapely.LineString([(cx + 60, cy + 45), (cx + 5, cy + 5)])),
             an.make(an.RECTANGLE, an.rectangle(cx - 30, cy - 30, cx + 30, cy + 30)),
             an.make(an.CALLOUT, shapely.LineString([(cx, cy), (cx - 80, cy + 50)]), text="重点案件",
                     target=("ledger", case.uid))]
    save_annotations(project, items)
    return items


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from gisdesk.cli import main
    from gisdesk.export.html import export_html
    from gisdesk.project import Project

    folder = tmp_path_factory.mktemp("html")
    project_path = folder / "demo.gpkg"
    shutil.copyfile(DEMO, project_path)
    for basemap in DEMO.parent.glob("demo_imagery_*.mbtiles"):
        shutil.copyfile(basemap, folder / basemap.name)
    assert main(["check", str(project_path), "--out", str(folder / "check")]) == 0
    project = Project.open(project_path)
    _annotations(project)
    out = folder / "demo.html"
    with mock.patch("gisdesk.export.html.BASEMAP_BUDGET", 1_500_000):  # a smaller page loads faster: 3 zooms
        result = export_html(project, out)
    return project, out, result


@pytest.fixture(scope="module")
def browser(exported, tmp_path_factory):
    _, out, _ = exported
    chrome = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        chrome.open(out.as_uri())
        chrome.settle()
        chrome.first_screenshot = chrome.screenshot()  # the page as it opens, before any test moves it
        yield chrome
    finally:
        chrome.close()


def test_the_file_refers_to_nothing_outside_it(exported):
    _, out, result = exported
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", text) and not re.search(r"<link[^>]*\bhref=", text)
    assert not re.search(r"\bsrc=[\"'](?!data:)", text)  # no image or frame from a file or a server
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
    assert urls and all(u.startswith(("data:", "#")) for u in urls), [u for u in urls if not u.startswith("data:")]
    assert "@import" not in text
    assert set(re.findall(r"https?://[^\s\"'<>)]+", text)) <= ALLOWED_URLS
    assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "openstreetmap.org" not in text.lower()
    assert result.size_bytes == out.stat().st_size < 15_000_000
    assert "违建面积（m²）" in text and "道路红线" in text  # UTF-8 as written, not \\u escapes


def test_it_loads_offline_and_asks_for_nothing(browser, exported):
    _, out, _ = exported
    urls = browser.requested()
    assert urls and urls[0] == out.as_uri()
    outside = [u for u in urls if not (u.startswith("data:") or u == out.as_uri())]
    assert outside == []
    assert browser.js("document.querySelectorAll('.leaflet-tile-container img').length") > 0  # base map tiles


def _visible_counts(project) -> int:
    """SVG paths the page must hold, counted from the project's tables: one per feature of the
    visible layers, one outline per visible control layer, one per conflict, and the annotations'
    (text none, arrow 2, rectangle 1, callout 2)."""
    import pyogrio

    from gisdesk.layers.kinds import KINDS

    paths = 0
    for info in project.layers():
        if info.visible:
            paths += pyogrio.read_info(project.path, layer=info.id)["features"]
            paths += 1 if KINDS[info.kind].is_control else 0
    conflicts = project.conflicts()
    paths += int((conflicts.exemption.fillna('') == '').sum())  # the exempt ones' group is hidden at first
    return paths + 2 + 1 + 2


def test_leaflet_drew_every_feature(browser, exported):
    project, _, result = exported
    assert browser.js("['map','tile','overlay','marker','popup'].every(p => "
                      "document.querySelector('.leaflet-' + p + '-pane'))")
    assert browser.js("document.querySelectorAll('.leaflet-overlay-pane svg path').length") == _visible_counts(project)
    assert result.conflicts == 587
    assert browser.js("document.querySelectorAll('.gd-annot-text').length") == 2  # the text and the callout's box
    assert "拆除后复绿" in browser.js("document.body.innerText")


def test_title_legend_and_switcher(browser, exported):
    project, _, _ = exported
    header = browser.js("document.getElementById('gd-header').innerText")
    assert project.setting("name") in header and "EPSG:4550" in header
    legend = browser.js("document.getElementById('gd-legend').innerText")
    for word in ("图例", "违法建设台账", "限期拆除", "道路红线", "城市绿线", "停车资源", "配建", "冲突重叠部分",
                 "已隐去个人信息：当事人、证件号、电话"):
        assert word in legend, word
    switcher = browser.js("[...document.querySelectorAll('.leaflet-control-layers label')].map(l => l.innerText.trim())")
    assert {"建筑", "道路红线", "违法建设台账", "冲突：压线", "冲突：退线不足", "冲突：豁免（如保护建筑）", "批注",
            "名称注记", "无底图"} <= set(switcher)
    checked = browser.js("[...document.querySelectorAll('.leaflet-control-layers label')].filter(l => "
                         "l.querySelector('input').checked).map(l => l.innerText.trim())")
    assert "冲突：豁免（如保护建筑）" not in checked and "冲突：压线" in checked and "建筑" in checked
    assert any("2024-06" in s for s in switcher) and any("2016-06" in s for s in switcher)
    # the switcher's icon is leaflet.css's image, inlined
    image = browser.js("getComputedStyle(document.querySelector('.leaflet-control-layers-toggle')).backgroundImage")
    assert image.startswith('url("data:image/png;base64,')


def test_labels_as_the_map_places_them(browser, exported):
    """Road names at the opening view, none overlapping another; building names only closer in than
    the buildings' label_max_scale (1:6 000), as the renderer has it."""
    from pyproj import Transformer

    project, _, _ = exported
    browser.js("GISDESK.map.closePopup(); GISDESK.relabel(); 1")
    boxes = browser.js("[...document.querySelectorAll('.gd-label')].map(e => { const r = e.getBoundingClientRect(); "
                       "return [e.innerText, r.left, r.top, r.right, r.bottom]; })")
    texts = [b[0] for b in boxes]
    roads = set(project.read_layer("red_lines").name.dropna())
    assert len(roads & set(texts)) >= 20 and "延安东路" in texts
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[1] < b[3] - 1 and b[1] < a[3] - 1 and a[2] < b[4] - 1 and b[2] < a[4] - 1), (a, b)
    buildings = project.read_layer("buildings")
    named = buildings[buildings.name.fillna("").str.len() > 0]
    assert not set(named.name) & set(texts)  # 1:20 000 or so: no building names
    big = named.loc[named.geometry.area.idxmax()]
    x, y = big.geometry.representative_point().coords[0]
    lon, lat = Transformer.from_crs(project.crs, "EPSG:4326", always_xy=True).transform(x, y)
    browser.js(f"GISDESK.map.setView([{lat}, {lon}], 17, {{animate: false}}); 1")
    browser.settle()
    closer = browser.js("[...document.querySelectorAll('.gd-label')].map(e => e.innerText)")
    assert set(named.name) & set(closer)  # 1:4 000 or so: the buildings' names (where roads leave room)


def test_a_popup_shows_the_attributes_by_their_chinese_names(browser, exported):
    project, out, _ = exported
    ledger = project.read_layer("ledger")
    case = ledger[(ledger.violation.fillna("").str.contains("WPXJ")) & ledger.party.notna()].iloc[0]
    browser.js(f"location.hash = {json.dumps('ledger/' + case.uid)}; 1")  # a link to the case opens its popup
    browser.settle()
    text = browser.js("document.querySelector('.leaflet-popup-content').innerText")
    rows = dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)
    assert rows["编号"] == case.case_no
    assert "未批先建" in rows["违法类型"]  # the code by its name
    assert rows["处置状态"] == case.status
    assert rows["当事人"] == case.party[0] + "**" and case.party not in text  # masked
    assert "违建面积（m²）" in rows and rows["违建面积（m²）"] == f"{case.illegal_area_m2:.2f}".rstrip("0").rstrip(".")
    # a conflict's popup: its control line by name, the relation, the overlap's area
    browser.js("GISDESK.map.closePopup(); Object.entries(GISDESK.features).find(([k, l]) => "
               "k.startsWith('conflicts/') && l._map)[1].openPopup(); 1")  # the most severe one shown
    browser.settle()
    text = browser.js("[...document.querySelectorAll('.leaflet-popup-content')].pop().innerText")
    assert "冲突类型\t压线" in text and "控制线\t" in text and "压线面积（m²）" in text
    # a link to an exempt conflict ticks its group on and opens it
    exempt = browser.js("Object.entries(GISDESK.features).find(([k, l]) => k.startsWith('conflicts/') && !l._map)[0]")
    browser.js(f"GISDESK.map.closePopup(); location.hash = {json.dumps(exempt)}; 1")
    browser.settle()
    text = browser.js("[...document.querySelectorAll('.leaflet-popup-content')].pop().innerText")
    assert "豁免\t" in text and browser.js(f"!!GISDESK.features[{json.dumps(exempt)}]._map")
    browser.js("GISDESK.map.closePopup(); GISDESK.map.removeLayer(Object.entries(GISDESK.overlays).find(([k]) => "
               "k.includes('豁免'))[1]); 1")  # as it was, for the tests after this one


# --- colours at computed pixels -------------------------------------------------------------

def _hex(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _drawn(project):
    """What the page draws, bottom first: (geometry, fill colour, fill alpha) per feature, a control
    layer's zones as their union; with every edge (a stroke) and point, to keep samples away from."""
    from gisdesk.layers.styles import default_style
    from gisdesk.layers.kinds import KINDS
    from gisdesk.layers.zones import control_zones

    areas, edges = [], []
    for info in project.layers():
        if not info.visible:
            continue
        frame = project.read_layer(info.id)
        style = info.style or default_style(info.kind)
        geoms = np.asarray(frame.geometry.values, dtype=object)
        if KINDS[info.kind].is_control:
            union = shapely.union_all(control_zones(frame, info.kind)[0])
            areas.append((union, style["fill"], style["fill_alpha"]))
            edges.append(union.boundary)
            continue
        for geom, row in zip(geoms, frame.itertuples()):
            color = style.get("fill")
            if style.get("category_field"):
                color = style["categories"].get(getattr(row, style["category_field"]), "#999999")
            if shapely.get_type_id(geom) in (3, 6):
                areas.append((geom, color, style["fill_alpha"]))
                edges.append(geom.boundary)
            else:
                edges.append(geom)
    conflicts = project.conflicts()
    for geom in conflicts.geometry.dropna():
        areas.append((geom, "#ff00c8", 0.55))
        edges.append(geom.boundary)
    # a setback's segment runs somewhere between its building and the zone: keep off all of that ground
    frames = {info.id: project.read_layer(info.id) for info in project.layers()}
    zones = {info.id: dict(zip(frames[info.id].uid, control_zones(frames[info.id], info.kind)[0]))
             for info in project.layers() if KINDS[info.kind].is_control}
    subjects = {layer: dict(zip(frames[layer].uid, frames[layer].geometry)) for layer in ("buildings", "ledger")}
    for row in conflicts[conflicts.relation == "setback"].itertuples():
        subject, zone = subjects[row.subject_table][row.subject_id], zones[row.control_table][row.control_id]
        near = zone.intersection(subject.buffer(row.distance_m + 1))
        edges.append(shapely.convex_hull(shapely.union(subject, near)))
    return areas, edges


def _expected(point, areas, background: str) -> np.ndarray:
    color = _hex(background)
    for geom, fill, alpha in areas:
        if geom.covers(point):
            color = alpha * _hex(fill) + (1 - alpha) * color
    return color


def test_the_screenshot_shows_the_layers_in_their_colours(browser, exported):
    from pyproj import Transformer

    from gisdesk.export.html import BACKGROUND

    project, out, _ = exported
    shot = browser.first_screenshot
    assert len({tuple(p) for p in shot[::16, ::16].reshape(-1, 3)}) > 50  # a map, not a blank page
    browser.js("GISDESK.map.closePopup(); GISDESK.map.eachLayer(l => { if (l instanceof L.TileLayer) "
               "GISDESK.map.removeLayer(l); }); GISDESK.map.removeLayer(GISDESK.labelGroup); 1")  # labels: their test
    areas, edges = _drawn(project)
    tree = shapely.STRtree(edges)
    from gisdesk.annotations import load_annotations
    annotations = shapely.union_all([a.geometry.buffer(40) for a in load_annotations(project)])
    to_lonlat = Transformer.from_crs(project.crs, "EPSG:4326", always_xy=True)
    checked = {}
    margin = 2.0  # m: 8 pixels at zoom 19, clear of every stroke and point symbol
    for name in ("building", "green", "red", "ledger"):
        for number, (geom, fill, alpha) in enumerate(areas):
            if not _kind((geom, fill, alpha), name):
                continue
            inner = geom.buffer(-margin)
            if inner.is_empty:
                continue
            point = inner.representative_point()
            covering = [i for i, (g, _, _) in enumerate(areas) if g.covers(point)]
            if covering[-1] != number or tree.query(point, predicate="dwithin", distance=margin).size \
                    or annotations.covers(point):
                continue  # another area lies over it, or an edge is near
            lon, lat = to_lonlat.transform(point.x, point.y)
            x, y = browser.js(f"(() => {{ GISDESK.map.setView([{lat}, {lon}], 19, {{animate: false}}); "
                              f"const p = GISDESK.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }})()")
            browser.settle()
            got = browser.screenshot((round(x) - 1, round(y) - 1, 3, 3))[1, 1]
            expected = _expected(point, areas, BACKGROUND)
            assert np.abs(got - expected).max() <= 3, f"{name} at {point}: {got} != {np.round(expected)}"
            checked[name] = got
            break
    assert set(checked) == {"building", "green", "red", "ledger"}, checked
    assert np.abs(checked["building"] - _hex("#dcd6cc")).max() <= 3  # opaque: the style's colour itself
    # a zone over nothing but the background: 30 % of its colour (computed here by hand for red)
    assert np.abs(checked["red"] - (0.3 * _hex("#e3170a") + 0.7 * _hex(BACKGROUND))).max() <= 3 or \
        len([a for a in areas if a[0].covers(shapely.Point(0, 0))]) > 0


def _kind(area, name: str) -> bool:
    from gisdesk.layers.styles import CONTROL_COLORS, LEDGER_STATUS_COLORS

    _, fill, alpha = area
    return {"building": fill == "#dcd6cc", "green": fill == CONTROL_COLORS["green"],
            "red": fill == CONTROL_COLORS["red"],
            "ledger": fill in LEDGER_STATUS_COLORS.values() and alpha == 0.75}[name]


# --- without a check or base maps; the command line ---------------------------------------

def test_a_project_without_a_check_says_so_and_draws_no_conflicts(tmp_path):
    from gisdesk.export.html import export_html
    from tests.test_export_xlsx import meeting_city

    project = meeting_city(tmp_path)
    out = tmp_path / "city.html"
    result = export_html(project.path, out)
    text = out.read_text(encoding="utf-8")
    assert result.conflicts == 0 and result.basemap_tiles == 0
    assert "尚未运行冲突检查：网页不含冲突" in result.notes and "尚未运行冲突检查：网页不含冲突" in text
    assert "项目没有可见的底图：网页不含底图" in text and "GISDESK.tileLayer('" not in text
    assert result.features["违法建设台账"] == 3 and "冲突：压线" not in text


def test_the_command_line(tmp_path, cli):
    from tests.test_export_xlsx import meeting_city

    project = meeting_city(tmp_path)
    out = tmp_path / "city.html"
    code, stdout, stderr = cli("export", project.path, "--default", "--html", out)
    assert code == 0 and out.is_file() and stderr == ""
    with mock.patch("gisdesk.export.html.LARGE_PAGE", 1000):  # a page too big to open quickly: a warning
        code, _, stderr = cli("export", project.path, "--default", "--html", out)
    assert code == 0 and "浏览器打开和缩放会较慢" in stderr
    assert "HTML" in stdout and "已隐去个人信息：违法建设台账：当事人" in stdout
    code, _, stderr = cli("export", project.path, "--default", "--html", tmp_path / "x.html", "--dpi", "300")
    assert code == 2 and "--dpi 不适用于 --html" in stderr and not (tmp_path / "x.html").exists()
    code, _, stderr = cli("--lang", "en", "export", project.path, "--layout", "nope", "--html", tmp_path / "y.html")
    assert code == 2 and "no layout named nope" in stderr
    code, _, stderr = cli("export", project.path, "--default", "--html", tmp_path / "no" / "z.html")
    assert code == 2 and "输出目录不存在" in stderr


def test_a_cancel_leaves_the_old_file_as_it_was(tmp_path):
    from gisdesk.errors import Cancelled
    from gisdesk.export.html import export_html
    from gisdesk.jobs import Feedback
    from tests.test_export_xlsx import meeting_city

    class CancelAt(Feedback):
        def __init__(self, word):
            super().__init__()
            self.word, self.stages = word, []

        def report(self):
            self.stages.append(self.stage)
            if self.word in self.stage:
                self.cancel()

    project = meeting_city(tmp_path)
    out = tmp_path / "city.html"
    out.write_text("the old page", encoding="utf-8")
    for word in ("读取底图", "写图层", "写网页"):
        feedback = CancelAt(word)
        with pytest.raises(Cancelled):
            export_html(project, out, feedback=feedback)
        assert any(word in s for s in feedback.stages)
        assert out.read_text(encoding="utf-8") == "the old page" and list(tmp_path.glob(".city.html.*")) == []
