"""The form file (FORM-FORMAT.md): text kept as typed, unknown keys kept, bad files refused."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.form import FormError
from core.form import dump, load, loads
from core.form import template_ids
from tests.helpers import examples, sample_paths


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_samples_load_and_save_identically(path, tmp_path):
    original = json.loads(path.read_text(encoding="utf-8"))
    form = load(path, set(template_ids()))
    out = tmp_path / "copy.json"
    dump(form, out)
    assert json.loads(out.read_text(encoding="utf-8")) == original


def test_unknown_keys_survive(tmp_path):
    data = json.loads(sample_paths()[0].read_text(encoding="utf-8"))
    data["x-extra"] = {"nested": [1, 2, {"a": "b"}]}
    data["header"]["自定义栏目"] = "保留"
    data["goals"][0]["x-note"] = "目标备注"
    data["goals"][0]["indicators"][0]["x-flag"] = True
    form = loads(json.dumps(data, ensure_ascii=False))
    dump(form, tmp_path / "f.json")
    assert json.loads((tmp_path / "f.json").read_text(encoding="utf-8")) == data


def test_text_is_kept_byte_for_byte(tmp_path):
    data = json.loads(sample_paths()[0].read_text(encoding="utf-8"))
    odd = "=SUM(A1:A3)\t制表符\n换行 😀 𠀀𠀁 “引号” ①⑳ ℃ ≥≤ ％ " + "长" * 10000
    data["goals"][0]["indicators"][0]["reason"] = odd
    data["goals"][0]["indicators"][0]["target"] = "=100%"
    form = loads(json.dumps(data, ensure_ascii=False))
    dump(form, tmp_path / "f.json")
    again = load(tmp_path / "f.json")
    assert again.goals[0]["indicators"][0]["reason"] == odd
    assert again.goals[0]["indicators"][0]["target"] == "=100%"


def test_numbers_written_by_other_tools_become_their_text():
    data = json.loads(sample_paths()[0].read_text(encoding="utf-8"))
    data["funds"]["total"]["budget"] = 1784
    data["funds"]["total"]["executed"] = 1930.54
    form = loads(json.dumps(data))
    assert form.funds["total"]["budget"] == "1784"
    assert form.funds["total"]["executed"] == "1930.54"


@pytest.mark.parametrize("text, words", [
    ("", "JSON"), ("[]", "JSON 对象"), ('{"format": "x"}', "format"),
    ('{"format": "ziping-form", "version": 99, "template": "central-project"}', "升级"),
    ('{"format": "ziping-form", "version": 1, "template": "nope"}', "未知的模板"),
    ('{"format": "ziping-form", "version": 1, "template": "central-project", "goals": {}}', "goals"),
    ('{"format": "ziping-form", "version": 1, "template": "central-project", "header": {"a": [1]}}', "header.a"),
    ('{"format": "ziping-form", "version": 1, "template": "central-project", "year": "二〇二二"}', "年度"),
    ('{"format": "ziping-form", "version": 1, "template": "central-project", "funds": {"total": {"budget": NaN}}}',
     "NaN"),
    ('[' * 100000 + ']' * 100000, "嵌套"),
])
def test_bad_files_are_refused_in_chinese(text, words):
    with pytest.raises(FormError) as e:
        loads(text, set(template_ids()))
    assert words in str(e.value)


def test_missing_file():
    with pytest.raises(FormError, match="找不到"):
        load("/nonexistent/form.json")


def test_next_year_copy():
    form = load(sample_paths()[-1])
    nxt = form.next_year_copy()
    assert nxt.year == form.year + 1
    ind0, old0 = nxt.goals[0]["indicators"][0], form.goals[0]["indicators"][0]
    assert ind0["target"] == old0["target"] and ind0["weight"] == old0["weight"]
    assert ind0["actual"] == "" and ind0["score"] is None and ind0["reason"] == ""
    assert nxt.funds["total"]["executed"] == "" and nxt.funds["total"]["budget"] == ""      # last year's budget is not this year's
    assert nxt.funds["total"]["label"] == form.funds["total"]["label"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)


@settings(max_examples=examples(500), deadline=None)
@given(json_values)
def test_loader_never_raises_anything_but_formerror_on_json(value):
    try:
        loads(json.dumps(value))
    except FormError:
        pass


@settings(max_examples=examples(500), deadline=None)
@given(st.dictionaries(st.sampled_from(["header", "funds", "goals", "texts", "year", "profile", "x"]), json_values,
                       max_size=6))
def test_loader_on_form_shaped_json(extra):
    data = {"format": "ziping-form", "version": 1, "template": "central-project"}
    data.update(extra)
    try:
        form = loads(json.dumps(data))
    except FormError:
        return
    from core.rules import evaluate
    evaluate(form)        # whatever loads also scores without raising


@settings(max_examples=examples(500), deadline=None)
@given(st.text(max_size=200))
def test_loader_never_raises_on_text(text):
    try:
        loads(text)
    except FormError:
        pass
