"""The `check` job: read a project's layers, run the conflict engine, store the results."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd

from gisdesk.analysis import periods
from gisdesk.analysis.conflict_list import subject_names
from gisdesk.analysis.conflicts import CheckResult, check_conflicts
from gisdesk.crs import crs_code_name
from gisdesk.errors import ProjectError
from gisdesk.geometry import release_freed_memory
from gisdesk.jobs import Feedback
from gisdesk.layers.kinds import CONTROL_KINDS, SUBJECT_KINDS
from gisdesk.store import ProjectStore, RunRecord
from gisdesk.rules import Rules

SUBJECT_COLUMNS = ["district", "street", "community"]
CONTROL_COLUMNS = ["half_width_m", "side", "setback_m", "road_class"]


def load_check_inputs(project: ProjectStore, rules: Rules | None = None) -> tuple[
        dict[str, gpd.GeoDataFrame], dict[str, gpd.GeoDataFrame], dict[str, str]]:
    """Every subject layer and every control layer of the project, by layer id, and each layer's kind.

    With `rules`, also the fields a conflict's period and exemption need (gisdesk.analysis.periods);
    a layer without them (an older project) reads without them."""
    infos = project.layers()
    kinds = {info.id: info.kind for info in infos}
    subject_columns = SUBJECT_COLUMNS + (periods.subject_fields(rules) if rules is not None else [])
    control_columns = CONTROL_COLUMNS + (periods.CONTROL_DATES if rules is not None else [])
    wanted = {info.id: subject_columns if info.kind in SUBJECT_KINDS else control_columns
              for info in infos if info.kind in SUBJECT_KINDS or info.kind in CONTROL_KINDS}
    # GDAL reads without the GIL: the buildings on one core, the other layers on the other
    with ThreadPoolExecutor(2) as pool:
        frames = dict(zip(wanted, pool.map(lambda item: project.read_layer(*item), wanted.items())))
    subjects = {i: frame for i, frame in frames.items() if kinds[i] in SUBJECT_KINDS}
    controls = {i: frame for i, frame in frames.items() if kinds[i] in CONTROL_KINDS}
    if not subjects:
        raise ProjectError("项目 {path} 中没有建筑或台账图层：无可检查对象",
                           "project {path} has no buildings or ledger layer: nothing to check", path=project.path.name)
    if not controls:
        raise ProjectError("项目 {path} 中没有控制线图层（red green blue purple yellow）",
                           "project {path} has no control-line layer (red green blue purple yellow)",
                           path=project.path.name)
    return subjects, controls, kinds


def run_check(project: ProjectStore, rules: Rules, *, feedback: Feedback | None = None) -> tuple[CheckResult, dict]:
    """Check the project and store the results in it. Returns the result and the subject frames (by layer id)."""
    feedback = feedback or Feedback()
    result, subjects = check_project(project, rules, feedback=feedback)
    store_check(project, result, feedback=feedback)
    return result, subjects


def check_project(project: ProjectStore, rules: Rules, *, feedback: Feedback) -> tuple[CheckResult, dict]:
    """run_check up to storing the results: the result and the subject frames (by layer id)."""
    feedback.set_stage("load")
    project.notices += project.repair()  # features another tool added since the project was opened get uids
    subjects, controls, kinds = load_check_inputs(project, rules)
    release_freed_memory()  # what reading (GDAL, Arrow) let go of
    result = check_conflicts(subjects, controls, rules, crs=project.crs, kinds=kinds, feedback=feedback)
    if len(result.conflicts):  # name, else address, else uid: read for the conflicts' subjects only
        result.conflicts["subject_name"] = subject_names(project, result.conflicts).to_numpy()
    return result, subjects


def store_check(project: ProjectStore, result: CheckResult, *, feedback: Feedback) -> None:
    """The rest of run_check: the results stored in the project, in one transaction."""
    feedback.set_stage("save")  # the last point where a cancel takes effect: after it, the results are saved
    project.save_check(result.conflicts, run_record(result))
    feedback.finish()
    result.timings = dict(feedback.timings)


def run_record(result: CheckResult) -> RunRecord:
    """What the store keeps of a check beside its conflicts."""
    # encroach and setback: the rows that count (no exemption); their new and existing parts; the exempt rows
    summary = {"checked": result.checked, "skipped": result.skipped, "repaired": result.repaired,
               "controls": result.controls, **periods.summary_counts(result.conflicts)}
    return RunRecord(rules=result.rules.text, rules_digest=result.rules.digest, overlap_m2=result.rules.overlap_m2,
                     width_m=result.rules.width_m, summary=summary)


def area_method(project: ProjectStore) -> str:
    """How areas are measured, for reports: 'planar, EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E'."""
    return f"planar, {crs_code_name(project.crs)}" if project.crs else "planar"  # (a file's words: one language)


def control_kinds(project: ProjectStore) -> list[str]:
    """The control kinds the project has, in the order of CONTROL_KINDS."""
    present = {info.kind for info in project.layers()}
    return [k for k in CONTROL_KINDS if k in present]
