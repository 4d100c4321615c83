"""The 自评报告 draft (core/package/report.py), its stored texts and its Word/PDF files."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.form import new_form
from core.package.report import BLANK, build_report, build_unit_report
from core.package.report_texts import form_key, history, load_texts, save_text, unit_key
from core.rules import NOT_APPLICABLE, fmt2, fmt_weight
from core.package.summary import evaluate, fmt_amount, fmt_rate, summarize
from core.form import get_template
from tests.helpers import UNIT, examples, sample, sample_paths, sample_unit
from tests.test_export import POPPLER, pdf_text, squash

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def _numbers(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def computed_figures(form, scores) -> set[str]:
    """Every figure the report may state for a form, computed here from the scores."""
    out = set()
    for row in [form.total_row, *form.sources, *form.uses]:
        for k in ("initial", "budget", "executed"):
            v = (row.get(k) or "").strip().replace(",", "")
            if v:
                out.add(fmt_amount(Decimal(v)))
    for r in [scores.rate, *scores.source_rates]:
        if r is not None:
            out.add(fmt_rate(r).rstrip("%"))
    for x in (scores.total, scores.exec_score):
        if x is not None:
            out.add(fmt2(x))
    for x in (scores.max, scores.exec_weight):
        if x is not None:
            out.add(fmt_weight(x))
    by_l1: dict = {}
    by_l2: dict = {}
    for s in scores.indicators:
        if s.kind == NOT_APPLICABLE:
            continue
        if s.weight is not None:
            out.add(fmt_weight(s.weight))
        if s.score is not None:
            out.add(fmt2(s.score))
        l2 = form.goals[s.goal]["indicators"][s.index].get("level2") or ""
        for d, k in ((by_l1, s.level1), (by_l2, (s.level1, l2))):
            d.setdefault(k, []).append(s)
    for group in [*by_l1.values(), *by_l2.values()]:
        out.add(fmt2(sum((s.score for s in group if s.score is not None), Decimal(0))))
        out.add(fmt_weight(sum((s.weight for s in group if s.weight is not None), Decimal(0))))
    out |= {str(n) for n in range(0, len(scores.indicators) + 1)}
    if form.year:
        out.add(str(form.year))
    return out


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.stem)
def test_every_figure_of_the_report_is_the_forms(path):
    form = sample(path.name)
    scores = evaluate(form)
    report = build_report(form)
    text = report.text()
    from_texts = set()
    for s in _strings(form.data):
        from_texts |= _numbers(s)
    stray = _numbers(text) - computed_figures(form, scores) - from_texts
    assert not stray, f"figures not in the form: {sorted(stray)}"
    # the figures that must be there
    if scores.rate is not None:
        assert fmt_rate(scores.rate) in report.section("funds").all_text()
    if scores.profile.scored:
        assert f"综合得分 {fmt2(scores.total)} 分" in report.section("goals").all_text()
        assert f"自评等级为“{scores.grade}”" in text


def test_block_sentences_of_the_central_example():
    form = sample_unit()[0]
    goals = build_report(form).section("goals").all_text()
    # 产出指标: 15 + 10 + 8 + 5 + 10 of 50, the 时效 row below full score
    assert "产出指标共 5 项，完成 4 项，得分 48.00 分（满分 50 分）。" in goals
    assert "数量指标共 2 项，完成 2 项，得分 25.00 分（满分 25 分）。" in goals
    assert "时效指标共 1 项，完成 0 项，得分 8.00 分（满分 10 分）。" in goals
    problems = build_report(form).section("problems").all_text()
    assert "“矛盾纠纷调处时限”指标值 ≤30天，实际完成值 36天，得分 8.00 分（满分 10 分）" in problems
    assert "个别纠纷当事人外出" in problems


def test_nothing_is_made_up_for_a_blank_form():
    form = new_form(get_template("central-project"), 2023, {"项目名称": "空白项目", "实施单位": "某单位"})
    report = build_report(form)
    text = report.text()
    for needed in ("全年预算数", "全年执行数", "年度绩效目标", "目标完成情况"):
        assert BLANK.format(needed) in text
    # no figure but the year and counts of rows
    assert _numbers(text) <= {"2023"} | {str(n) for n in range(0, 10)} | {"10", "100", "0.00"}
    for key in ("org", "other"):
        assert report.section(key).text.startswith("【请填写：")
    # every free text that has no content from the tables is a marked blank
    for sec in report.sections:
        assert sec.text == "" or "【请填写：" in sec.text


def test_measures_come_from_the_measure_cells():
    form = sample("seed004-wangcheng-2020-dept.json")
    form.goals[0]["indicators"][6]["measure"] = "下一年度压减会议费"
    form.goals[0]["indicators"][6]["reason"] = "会议次数增加"
    report = build_report(form)
    assert "下一年度压减会议费" in report.section("measures").all_text()
    assert report.section("measures").text == ""            # no prompt: the table has the measure
    assert "原因：会议次数增加。" in report.section("problems").all_text()


def test_clerk_text_survives_a_change_of_the_table():
    form = sample_unit()[0]
    edits = {"org": "成立了项目领导小组。\n制定了资金管理办法。", "problems": "无其他问题。"}
    before = build_report(form, edits)
    assert before.section("org").text == edits["org"] and before.section("org").edited
    assert "综合得分 94.25 分" in before.text()
    form.set("goals.0.indicators.2.actual", "30天")          # the late row now on time
    form.set("funds.total.executed", "880")
    after = build_report(form, edits)
    assert after.section("org").text == edits["org"]
    assert after.section("problems").text == "无其他问题。"
    scores = evaluate(form)
    assert f"综合得分 {fmt2(scores.total)} 分" in after.text() and fmt2(scores.total) != "94.25"
    assert "预算执行率 100.00%" in after.section("funds").all_text()
    assert "矛盾纠纷调处时限" not in after.section("problems").all_text()


def test_unit_report_counts_and_summary():
    forms = sample_unit()
    report = build_unit_report(forms)
    s = summarize(forms)
    assert report.title == f"2022年度{UNIT}绩效自评报告"
    basic = report.section("basic").all_text()
    assert "共有 3 个项目开展绩效自评" in basic and f"项目全年预算 {fmt_amount(s.budget)} 万元" in basic
    assert "优 1 个，良 0 个，中 0 个，差 0 个" in basic and "另有 2 个项目按不计分方式填报" in basic
    table = next(b for b in report.section("summary").blocks if b.kind == "table")
    assert [r[1] for r in table.rows[1:4]] == [r.name for r in s.rows]
    assert table.rows[-1][0] == "合计" and table.rows[-1][2] == fmt_amount(s.budget)
    # each project's problems are listed under its own heading
    problems = report.section("problems").all_text()
    assert "（一）社会治安综合治理专项经费" in problems and "综治平安经费" in problems


def test_report_texts_in_the_store_with_history(tmp_path):
    from core.store import Store
    with Store(tmp_path / "s.db") as store:
        key = unit_key(2022, UNIT)
        assert load_texts(store, key) == {}
        assert save_text(store, key, "org", "第一稿")
        assert save_text(store, key, "org", "第二稿")
        assert not save_text(store, key, "org", "第二稿")
        save_text(store, form_key(7), "other", "无")
    with Store(tmp_path / "s.db") as store:
        assert load_texts(store, key) == {"org": "第二稿"}
        assert load_texts(store, form_key(7)) == {"other": "无"}
        h = history(store, key)
        assert [(c["old"], c["new"]) for c in h] == [("第一稿", "第二稿"), (None, "第一稿")]
        save_text(store, key, "org", None)
        assert load_texts(store, key) == {}


def test_docx_typography_and_text(tmp_path):
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from core.package.report_docx import write_report_docx
    form = sample_unit()[0]
    report = build_report(form, {"org": "成立了项目领导小组。"})
    path = tmp_path / "r.docx"
    write_report_docx(report, path)
    doc = Document(str(path))
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert (round(sec.top_margin.mm), round(sec.bottom_margin.mm)) == (37, 35)
    assert sec.page_width - sec.left_margin - sec.right_margin == Pt(28 * 16)       # 28 characters of 三号
    paras = [p for p in doc.paragraphs if p.text.strip()]
    assert paras[0].text.replace("\n", "") == report.title          # on lines of its own (test_report_title)
    assert paras[0].style.font.size.pt == 22 and paras[0].style.font.bold

    def east(p):
        assert p.runs[0]._element.rPr is None or p.runs[0]._element.rPr.rFonts is None   # the style decides
        return p.style.element.rPr.rFonts.get(qn("w:eastAsia"))
    by_text = {p.text: p for p in paras}
    assert east(by_text["一、基本情况"]) == "SimHei"
    assert east(by_text["（一）项目概况"]) == "KaiTi"
    assert east(by_text["成立了项目领导小组。"]) == "FangSong"
    assert by_text["成立了项目领导小组。"].style.font.size.pt == 16
    assert by_text["成立了项目领导小组。"].style.paragraph_format.line_spacing.pt == 28.95
    body = "\n".join(p.text for p in paras)
    assert "综合得分 94.25 分" in body and "【请填写：" in body
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "矛盾纠纷调处时限" in cells and "8.00" in cells
    footer = sec.footer._element.xml
    assert "PAGE" in footer and "— " in footer and " —" in footer


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_report_pdf_says_the_same(tmp_path):
    from core.package.report_pdf import write_report_pdf
    report = build_unit_report(sample_unit())
    write_report_pdf(report, tmp_path / "r.pdf")
    text = squash(pdf_text(tmp_path / "r.pdf"))
    for block_text in (report.title, "综合得分94.25分", "【请填写：组织实施情况", "—1—", "合计"):
        assert squash(block_text) in text


def test_pdf_line_breaking_keeps_punctuation_and_numbers():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from core.export.fonts import register as faces
    from core.package.report_pdf import NO_START, break_text
    body, _ = faces()
    text = "产出指标共 5 项，完成 4 项，得分 48.00 分（满分 50 分）。预算执行率 85.11%，差异原因：“单位用其它资金弥补”。" * 3
    for width in (16 * 12, 16 * 17, 16 * 20, 16 * 28):
        lines = break_text(text, body, 16, width)
        assert "".join(line for _, line in lines).replace(" ", "") == text.replace(" ", "")
        for off, line in lines:
            assert line[0] not in NO_START and line[0] != " "
            assert stringWidth(line[:-1], body, 16) <= width           # at most one mark hangs
        joined = [line for _, line in lines]
        assert not any(a[-1].isdigit() and b[0].isdigit() for a, b in zip(joined, joined[1:]))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet="预算执行率完成项目资金单位" + "，。：；！？）》％…“”（《" * 3 + "abc123 .,%-", min_size=1, max_size=80),
       width=st.sampled_from([16 * 3, 16 * 7, 16 * 12, 16 * 28]))
@example(text="1% ！", width=16 * 3)               # a closing mark after a space (found on a fresh clone)
@example(text="完成 ！！ 完成", width=16 * 3)
@example(text="好" + "！" * 40, width=16 * 7)           # a run of marks longer than a line
@example(text="详见附件" + "…" * 60, width=16 * 12)
def test_report_lines_never_start_with_closing_punctuation(text, width):
    """No line starts with a closing mark or a space, unless a run of closing marks is longer than
    a line (nothing else can be done); at most two marks hang past the margin."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from core.export.fonts import register
    from core.package.report_pdf import MAX_HANG, NO_START, break_text
    body, _ = register()
    lines = [line for _, line in break_text(text, body, 16, width)]
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for i, line in enumerate(lines):
        if i and line:
            assert line[0] != " ", lines
            before = lines[i - 1].replace(" ", "")
            assert line[0] not in NO_START or all(ch in NO_START for ch in before[1:]), lines
        body_text = line
        for _ in range(MAX_HANG):
            if body_text and body_text[-1] in NO_START:
                body_text = body_text[:-1].rstrip(" ")
        assert stringWidth(body_text, body, 16) <= width + 0.01 or len(body_text) <= 1, (line, width)


@pytest.mark.parametrize("draw", [4, 5])
def test_every_figure_of_generated_reports_is_the_forms(draw, rng):
    from tests.test_summary import _generated
    forms, _ = _generated(6, rng)
    for form in forms:
        scores = evaluate(form)
        text = build_report(form).text()
        from_texts = set()
        for s in _strings(form.data):
            from_texts |= _numbers(s)
        assert not _numbers(text) - computed_figures(form, scores) - from_texts
    unit = build_unit_report(forms)
    s = summarize(forms)
    allowed = {fmt_amount(x) for x in (s.budget, s.executed)} | {fmt_rate(s.rate).rstrip("%")}
    allowed |= {fmt2(x) for x in (s.weighted_mean, s.plain_mean) if x is not None} | {"2022"}
    allowed |= {str(n) for n in range(0, 13)}
    for form in forms:
        allowed |= computed_figures(form, evaluate(form))
        for t in _strings(form.data):
            allowed |= _numbers(t)
    assert not _numbers(unit.text()) - allowed


def test_chinese_heading_numbers():
    from core.package.report import cn_number
    assert [cn_number(n) for n in (1, 9, 10, 11, 20, 21, 40, 99)] == ["一", "九", "十", "十一", "二十", "二十一", "四十", "九十九"]


def _literal_chars() -> set[str]:
    """Every character of the string literals of core/package/report.py and summary.py: the fixed
    words the builder may add around the forms' own texts and figures."""
    import ast
    from pathlib import Path
    chars: set[str] = set()
    for name in ("report.py", "summary.py"):
        tree = ast.parse((Path(__file__).resolve().parent.parent / "core" / "package" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                chars |= set(node.value)
    return chars


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.stem)
def test_no_sentence_says_more_than_the_form(path):
    form = sample(path.name)
    report = build_report(form)
    texts = sorted({s.strip() for s in _strings(form.data) if s.strip()}, key=len, reverse=True)
    vocabulary = _literal_chars()
    for sec in report.sections:
        for block in sec.blocks:
            if block.kind == "table":
                rest = "\n".join(c for row in block.rows[1:] for c in row)
            else:
                rest = re.sub(r"【请填写：[^】]*】", "", block.text)
            for t in texts:
                rest = rest.replace(t, "")
                rest = rest.replace(" ".join(t.split()), "")
            rest = NUMBER.sub("", rest)
            stray = set(rest) - vocabulary
            assert not stray, (block.text, sorted(stray))


def test_unit_report_sub_headings_count_without_gaps_and_reasons_are_not_doubled():
    """(issue 18) 存在的问题 and 改进措施 list only the projects that have some: their （一）（二）… run on
    without the gaps of the projects left out; a reason the clerk began with “偏差原因：” is not said
    twice (“原因：偏差原因：…”)."""
    forms = sample_unit()
    forms[0].data["goals"][0]["indicators"][0].update(target="≥100人次", actual="60人次", weight="10",
                                                       reason="偏差原因：受疫情影响，培训延期。")
    report = build_unit_report(forms)
    for key in ("problems", "measures"):
        heads = [b.text for b in report.section(key).blocks if b.kind == "h2"]
        assert [h[:h.index("）") + 1] for h in heads] == [f"（{cn}）" for cn in "一二三四五六七八九"[:len(heads)]]
    text = report.section("problems").all_text()
    assert "原因：受疫情影响，培训延期。" in text and "原因：偏差原因" not in text
