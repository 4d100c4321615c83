"""The list's actions on whole forms: 复制为下一年度, 删除 (to the 回收站), 还原, 彻底删除,
删除全部示例表.  Each is called with the main window; prompts name the year, the template, the
unit and the project (two years of one project are two forms), and each says what it did."""
from __future__ import annotations

from core.form import FormError, template_ids, validate
from core.store import StoreError

from . import common
from .list_model import template_names
from .samples import remove_samples as _remove_samples


def copy_next_year(window) -> None:
    fid = window.selected_id() if window.tabs.currentIndex() == 0 else (
        window.current_editor().session.form_id if window.current_editor() else None)
    if fid is None:
        common.show_info(window, "请先在列表中选中一张表。")
        return
    try:
        form = validate(window.store.get(fid), set(template_ids())).next_year_copy()
    except (KeyError, StoreError, FormError) as exc:
        common.show_error(window, f"无法复制这张表：{exc}")
        return
    new_id = window._create(form)
    if new_id is not None:
        window._after_create(new_id)
        window.open_form(new_id)


def delete_selected(window, confirm: bool = True) -> None:
    if window.tabs.currentIndex() != 0 and window.current_editor():
        ed = window.current_editor()
        row = dict(ed.session.summary(), id=ed.session.form_id)
    else:
        row = window._selected_row()
    if row is None:
        common.show_info(window, "请先在列表中选中一张表。")
        return
    if confirm and not common.ask_yes_no(window, f"确定要删除这张表吗？\n\n{describe_row(row)}\n\n"
                                         "删除后可以在“回收站”中还原。",
                                         "删除", yes="删除", no="取消"):
        return
    if row["id"] in window.editors:
        window.close_tab(window.tabs.indexOf(window.editors[row["id"]]))
    try:
        window.store.delete(row["id"])
    except (KeyError, StoreError) as exc:
        common.show_error(window, f"无法删除：{exc}")
        return
    window.tabs.setCurrentIndex(0)
    window.reload_years()
    window.reload()


def describe_row(row: dict) -> str:
    """年度、模板、单位和项目: two forms of one project in two years are told apart."""
    year = f"{row['year']} 年度" if row.get("year") else "未填年度"
    template = template_names().get(row.get("template"), row.get("template") or "")
    lines = [f"年度：{year}", f"模板：{template}"]
    if row.get("unit"):
        lines.append(f"单位：{row['unit']}")
    lines.append(f"项目：{row.get('name') or '（未填写名称）'}")
    return "\n".join(lines)


def remove_samples(window, confirm: bool = True) -> int:
    """删除全部示例表: the shipped samples go to the 回收站 (they can be restored)."""
    n = len(window.sample_ids & {r["id"] for r in window.store.list_forms()})
    if not n:
        common.show_info(window, "列表中没有示例表。")
        return 0
    if confirm and not common.ask_yes_no(window, f"要把 {n} 张示例表（程序自带，列表中标有“示例”）移到回收站吗？"
                                         "\n\n需要时可以在“回收站”中还原。",
                                         "删除全部示例表", yes="删除", no="取消"):
        return 0
    for fid in list(window.editors):
        if fid in window.sample_ids:
            window.close_tab(window.tabs.indexOf(window.editors[fid]))
    try:
        n = _remove_samples(window.store)
    except (KeyError, StoreError) as exc:
        common.show_error(window, f"无法删除示例表：{exc}")
        return 0
    window.tabs.setCurrentIndex(0)
    window.reload_years()
    window.reload()
    window.statusBar().showMessage(f"已把 {n} 张示例表移到回收站。", 10000)
    return n


def restore_selected(window) -> None:
    row = window._selected_row()
    if row is None or not window.act_trash.isChecked():
        return
    try:
        window.store.restore(row["id"])
    except (KeyError, StoreError) as exc:
        common.show_error(window, f"无法还原：{exc}")
        return
    window.reload_years()
    window.reload()
    year = f"{row['year']} 年度的" if row.get("year") else ""
    window.statusBar().showMessage(f"已还原{year}“{row.get('name') or '表'}”，它已回到表单列表中。", 10000)


def purge_selected(window, confirm: bool = True) -> None:
    row = window._selected_row()
    if row is None or not window.act_trash.isChecked():
        return
    if confirm and not common.ask_yes_no(window, f"确定要彻底删除这张表吗？\n\n{describe_row(row)}\n\n彻底删除后不能恢复。",
                                         "彻底删除", yes="彻底删除", no="取消"):
        return
    try:
        window.store.purge(row["id"])
    except (KeyError, StoreError) as exc:
        common.show_error(window, f"无法删除：{exc}")
        return
    window.reload()
