"""Personal data (当事人, 证件号, 电话) reaches no export unless asked for.

The policy (gisdesk.layers.personal) on its own, then every exporter in EXPORTERS run over the
meeting city of tests/test_export_xlsx (made-up personal data in the ledger, quoted in a case's
notes and in a review note): with masking, none of the raw values is anywhere in what it wrote or
printed; with --with-personal-data they are. An exporter is a function (project, folder,
with_personal, cli) → [(what, text)]: every text it produced (files unzipped, stdout); add the
PDF (pdftotext), PNG/SVG (the labels and tables handed to the renderer) and HTML exports to the
list when they land.
"""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from gisdesk.layers.personal import (Masker, mask_frame, mask_value, masked_column, masked_note,
                                     personal_columns)
from tests.test_export_xlsx import NOTE, RAW_VALUES, REVIEW_NOTE, meeting_city


# --- the policy ---------------------------------------------------------------------------

def test_values_keep_a_hint_and_empty_stays_empty():
    assert mask_value("张三丰", "name") == "张**"
    assert mask_value("上海甲乙建材有限公司", "name") == "上**"
    assert mask_value("110101199003071234", "id") == "110***********1234"
    assert mask_value("91310000MA1FL0XY12", "id") == "913***********XY12"
    assert mask_value("12345", "id") == "****"  # too short to keep any of it
    assert mask_value("13812345678", "phone") == "138****5678"
    assert mask_value("5551234", "phone") == "****"
    assert mask_value("", "name") == "" and mask_value(None, "phone") is None
    assert pd.isna(mask_value(float("nan"), "id"))
    assert mask_value("310113********2942", "id") == "310113********2942"  # masked already (the demo's)


def test_which_columns_are_personal():
    columns = ["case_no", "party", "id_no", "phone", "party_source", "phone_extra", "联系电话", "身份证号码",
               "户主姓名", "mobile", "hotel", "address", "notes", "名称"]
    found = personal_columns(columns, "ledger")
    assert found == {"party": "name", "id_no": "id", "phone": "phone", "party_source": "name",
                     "phone_extra": "phone", "联系电话": "phone", "身份证号码": "id", "户主姓名": "name",
                     "mobile": "phone"}
    assert personal_columns(["name", "address", "operator", "spaces"], "parking") == {}  # no person in other kinds


def test_mask_frame_scrubs_quoted_values_and_number_shapes_out_of_free_text():
    frame = pd.DataFrame({"case_no": ["L1", "L2"], "party": ["张三丰", None], "phone": ["13812345678", ""],
                          "notes": [NOTE, "邻居 13900001111 举报；旧证 310101800101123"], "address": ["外马路1号", "外马路2号"]})
    masked, columns = mask_frame(frame, "ledger")
    assert columns == ["party", "phone", "notes"]
    assert masked["notes"].tolist() == ["当事人张**称已报批，联系电话138****5678，身份证110***********1234",
                                        "邻居 139****1111 举报；旧证 310********1123"]
    assert masked["address"].tolist() == ["外马路1号", "外马路2号"]  # places are not personal
    assert frame["party"][0] == "张三丰"  # the input is left as it is
    assert masked_note(columns, "ledger") == ("已隐去个人信息：当事人、电话、备注（导出时加 --with-personal-data 或勾选"
                                              "“包含个人信息”可保留）")


def test_a_masker_scrubs_one_frames_values_out_of_another():
    ledger = pd.DataFrame({"party": ["上海甲乙建材有限公司"], "phone": ["021-63211234"]})
    conflicts = pd.DataFrame({"subject_id": ["L2"], "note": [REVIEW_NOTE]})
    masker = Masker().add(ledger, "ledger")
    out, columns = masker.mask(conflicts)
    assert columns == ["note"] and out["note"][0] == "已电话通知上**（021****1234）"


def test_masked_column_knows_the_rows_personal_values():
    frame = pd.DataFrame({"party": ["张三丰"], "notes": [NOTE]})
    notes, masked = masked_column(frame, "notes", "ledger")
    assert notes[0] == "当事人张**称已报批，联系电话138****5678，身份证110***********1234" and masked == ["notes"]
    party, masked = masked_column(frame, "party", "ledger")
    assert party[0] == "张**" and masked == ["party"]


# --- every export -------------------------------------------------------------------------

def _xlsx_texts(path) -> str:
    """Every XML part of an .xlsx, as text: what a grep of the unzipped file sees."""
    with zipfile.ZipFile(path) as book:
        return "\n".join(book.read(name).decode("utf-8") for name in book.namelist())


def export_check_xlsx(project, folder, with_personal, cli):
    args = ["check", project.path, "--out", folder, "--xlsx", folder / "台账.xlsx"]
    code, stdout, stderr = cli(*args, *(["--with-personal-data"] if with_personal else []))
    assert code == 0, stderr
    texts = [("cli", stdout + stderr), ("xlsx", _xlsx_texts(folder / "台账.xlsx"))]
    texts += [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.csv"))]
    return texts


def export_xlsx_after_review(project, folder, with_personal, cli):
    """The app's path (export_xlsx itself) after a review note quoting a party and a phone."""
    from gisdesk import reviews
    from gisdesk.export.xlsx import export_xlsx

    cli("check", project.path, "--out", folder)
    reviews.set_decision(project, project.layers_of("ledger")[0].id, "L2", project.layers_of("red")[0].id, "R1",
                         "confirmed", note=REVIEW_NOTE, who="李工")
    report = export_xlsx(project, folder / "app.xlsx", with_personal=with_personal)
    return [("xlsx", _xlsx_texts(report.path))]


def _page_labelled_by(field):
    """An exporter: a PDF page (gisdesk.export.pages) of the ledger cases L1 and L2 at 1:500, the
    ledger labelled by `field`; its text as pdftotext gives it back (spaces and line breaks out)."""
    def export(project, folder, with_personal, cli):
        import re
        import shutil
        import subprocess

        from gisdesk.export import layout as lay
        from gisdesk.export.layout import Item, Layout
        from gisdesk.layers.styles import default_style
        from tests.test_export_xlsx import X0, Y0

        if shutil.which("pdftotext") is None:
            pytest.skip("pdftotext (poppler-utils) is not installed")
        from PySide6.QtWidgets import QApplication

        # a QApplication, not the QGuiApplication export_page would make: a widget test later in this
        # process (tests/test_ui_*) aborts when the one application of the process has no widgets
        QApplication.instance() or QApplication(["gisdesk", "-platform", "offscreen"])
        info = project.layers_of("ledger")[0]
        style = {**default_style("ledger"), **(info.style or {}), "label_field": field, "label_max_scale": 100_000}
        project.save_layer_states([{"id": info.id, "z_order": info.z_order, "visible": True, "opacity": 1.0,
                                    "style": style}])
        lay.save_layout(project, Layout("当事人", "A4", "landscape",
                                        (Item("map", 10, 10, 277, 190, scale=500, center=(X0 + 220, Y0 + 15)),)))
        out = folder / "page.pdf"
        code, _, err = cli("export", project.path, "--layout", "当事人", "--pdf", out,
                           *(["--with-personal-data"] if with_personal else []))
        assert code == 0, err
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True,
                              check=True).stdout
        return [("pdf", re.sub(r"\s+", "", text))]
    return export


def export_html_map(project, folder, with_personal, cli):
    """gisdesk export --html after a review note quoting a party and a phone: the whole page (its
    popups' data is written as UTF-8 JSON, so a raw value would be there as written) and what it printed."""
    from gisdesk import reviews

    cli("check", project.path, "--out", folder)
    reviews.set_decision(project, project.layers_of("ledger")[0].id, "L2", project.layers_of("red")[0].id, "R1",
                         "confirmed", note=REVIEW_NOTE, who="李工")
    out = folder / "map.html"
    code, stdout, err = cli("export", project.path, "--default", "--html", out,
                            *(["--with-personal-data"] if with_personal else []))
    assert code == 0, err
    return [("html", out.read_text(encoding="utf-8")), ("stdout", stdout)]


def export_atlases(project, folder, with_personal, cli):
    """gisdesk export --atlas cases and --atlas conflicts (PDF) after a review note quoting a party and a phone:
    every page's text as pdftotext gives it back (spaces and line breaks out), and what it printed."""
    import re
    import subprocess

    from gisdesk import reviews

    cli("check", project.path, "--out", folder)
    reviews.set_decision(project, project.layers_of("ledger")[0].id, "L2", project.layers_of("red")[0].id, "R1",
                         "confirmed", note=REVIEW_NOTE, who="李工")
    texts = []
    for atlas in ("cases", "conflicts"):
        out = folder / f"{atlas}.pdf"
        code, stdout, err = cli("export", project.path, "--default", "--atlas", atlas, "--pdf", out,
                                *(["--with-personal-data"] if with_personal else []))
        assert code == 0, err
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True,
                              check=True).stdout
        texts += [(f"atlas {atlas}", re.sub(r"\s+", "", text)), (f"stdout {atlas}", stdout)]
    return texts


# (name, exporter): each exporter writes into `folder` and returns every text it produced, [(what, text)];
# with_personal=True the raw values must be in it (all of them in "xlsx" when there is one: the check's CSVs
# never hold them; at least the party's name otherwise)
EXPORTERS = [
    ("gisdesk check --xlsx", export_check_xlsx),
    ("export_xlsx", export_xlsx_after_review),
    ("pdf page, labels of 当事人", _page_labelled_by("party")),
    ("pdf page, labels of 备注", _page_labelled_by("notes")),
    ("html map, popups", export_html_map),
    ("pdf atlases of cases and conflicts", export_atlases),
    # H7: ("png-svg labels", export_render_inputs), ("html", export_html) ...
]
IDS = [e.values[0] if hasattr(e, "values") else e[0] for e in EXPORTERS]


@pytest.mark.parametrize("name, exporter", EXPORTERS, ids=IDS)
def test_masked_values_reach_no_export(tmp_path, cli, name, exporter):
    project = meeting_city(tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    texts = exporter(project, folder, False, cli)
    for what, text in texts:
        for raw in RAW_VALUES:
            assert raw not in text, f"{name}: {raw} in {what}"
    everything = "\n".join(text for _, text in texts)
    assert "张**" in everything  # the masked value is there: the exporter did show the field
    if "xlsx" in dict(texts):
        assert "110***********1234" in everything and "138****5678" in everything


@pytest.mark.parametrize("name, exporter", EXPORTERS, ids=IDS)
def test_with_personal_data_they_are_there(tmp_path, cli, name, exporter):
    project = meeting_city(tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    texts = dict(exporter(project, folder, True, cli))
    if "xlsx" not in texts:
        assert "张三丰" in "\n".join(texts.values()), f"{name}: 张三丰 missing"
        return
    exported = texts["xlsx"]
    for raw in ("张三丰", "110101199003071234", "13812345678", "上海甲乙建材有限公司", "021-63211234"):
        assert raw in exported, f"{name}: {raw} missing"
    assert "个人信息" in exported


def test_the_cli_says_what_it_masked_and_warns_when_it_did_not(tmp_path, cli):
    project = meeting_city(tmp_path)
    code, stdout, _ = cli("check", project.path, "--out", tmp_path / "a", "--xlsx", tmp_path / "a.xlsx")
    assert "已隐去个人信息：当事人、证件号、电话、备注" in stdout
    code, stdout, _ = cli("check", project.path, "--out", tmp_path / "b", "--xlsx", tmp_path / "b.xlsx",
                          "--with-personal-data")
    assert "b.xlsx 含个人信息（未隐去）" in stdout and "已隐去" not in stdout
    code, _, stderr = cli("check", project.path, "--with-personal-data")
    assert code != 0 and "--with-personal-data 只用于 --xlsx" in stderr
