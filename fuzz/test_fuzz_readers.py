"""Fuzz the readers behind `gisdesk import` (run by `bash scripts/fuzz.sh [MINUTES]`, not by the
normal suite): mutated shapefiles, GeoPackages, GeoJSON, CSV/XLSX tables and rule files, and the
whole import into a temporary project. Every input either reads (imports) or is refused with a
GisdeskError; a refused import leaves the project byte-identical with nothing beside it."""

from __future__ import annotations

import math
import os
import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import CRS

from fuzz import mutations
from fuzz.harness import WORK, Case, digest, fuzz
from gisdesk.errors import GisdeskError

warnings.simplefilter("ignore")  # the libraries' warnings are not what is looked for here


def check_read(path: Path, case: Case, scratch: Path) -> str:
    from gisdesk.io.sources import read_vector, shapefile_encoding

    options = dict(case.options)
    if options.get("encoding") is None:
        options["encoding"] = shapefile_encoding(path)  # as import_layer finds it
    frame = read_vector(path, **options)
    assert isinstance(frame, gpd.GeoDataFrame)
    bad = frame.attrs.get("bad_records", [])
    assert bad == sorted(set(bad)) and all(isinstance(n, int) and n >= 1 for n in bad)
    return "accepted"


def check_rules(path: Path, case: Case, scratch: Path) -> str:
    from gisdesk.rules import load_rules, parse_rules

    rules = load_rules(path)
    numbers = [*rules.setback.values(), *rules.setback_by_road_class.values(), rules.overlap_m2, rules.width_m,
               *rules.targets.values()]
    assert all(isinstance(v, float) and math.isfinite(v) and v >= 0 for v in numbers), numbers
    assert set(rules.setback) == {"red", "green", "blue", "purple", "yellow"}
    assert rules.digest  # the text can be saved in a project
    assert parse_rules(rules.text, source="again") == rules  # what a project keeps reads back the same
    return "accepted"


_TEMPLATES: dict[str, Path] = {}


def _template(name: str) -> Path:
    """A project to import into: empty (CRS EPSG:4549), with 5 buildings already, or without a CRS."""
    if name not in _TEMPLATES:
        from fuzz.seeds import good
        from gisdesk.io.importer import import_layer
        from gisdesk.project import Project

        folder = WORK / "templates"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}-{os.getpid()}.gpkg"
        path.unlink(missing_ok=True)
        project = Project.create(path, crs=None if name == "no_crs" else CRS.from_epsg(4549))
        if name == "with_buildings":
            good().to_file(folder / f"b-{os.getpid()}.geojson")
            import_layer(project, folder / f"b-{os.getpid()}.geojson", "buildings")
        _TEMPLATES[name] = path
    return _TEMPLATES[name]


def check_import(path: Path, case: Case, scratch: Path) -> str:
    from gisdesk.io.importer import import_layer
    from gisdesk.project import Project

    options = dict(case.options)
    kind, template = options.pop("kind"), options.pop("project")
    folder = scratch / "project"
    folder.mkdir()
    target = folder / "p.gpkg"
    shutil.copyfile(_template(template), target)
    before, sources = digest(target), {p: digest(p) for p in path.parent.iterdir()}
    try:
        report = import_layer(Project.open(target), path, kind, **options)
    except GisdeskError:
        assert digest(target) == before, "a refused import changed the project"
        assert sorted(os.listdir(folder)) == ["p.gpkg"], f"left beside the project: {os.listdir(folder)}"
        assert {p: digest(p) for p in path.parent.iterdir()} == sources, "the source was changed"
        raise
    assert report.imported >= 0
    Project.open(target).layers()  # the project still opens
    return "accepted"


@pytest.mark.parametrize("target, strategy, check", [
    ("shapefile", mutations.shapefile_case(), check_read),
    ("gpkg", mutations.gpkg_case(), check_read),
    ("geojson", mutations.geojson_case(), check_read),
    ("tables", mutations.table_case(), check_read),
    ("rules", mutations.rules_case(), check_rules),
    ("import", mutations.import_case(), check_import),
], ids=lambda v: v if isinstance(v, str) else "")
def test_fuzz(target, strategy, check):
    only = os.environ.get("GISDESK_FUZZ_TARGETS")
    if only and target not in only.split(","):
        pytest.skip("not chosen")
    tally = fuzz(target, strategy, check)
    print(f"{target}: {tally.examples} examples, {tally.refused} refused, {tally.accepted} read")
