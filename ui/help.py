"""使用说明 (F1) and 关于: the help text is generated from the data the program runs on.

    show_help(parent, profile_id, store_path=store.path)     # non-modal; returns the dialog
    show_about(parent)                                       # modal
    window.addAction(help_action(window, lambda: current_profile_id(), store_path=store.path))

How scores are computed is written out from core.form.profiles (weights, the execution-rate rule,
the qualitative tiers, the grade bands and the options of the profile), so the text cannot drift
from what the program computes. Where files go comes from core.store.paths and the settings.
"""
from __future__ import annotations

import html
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QTabWidget, QTextBrowser,
                               QVBoxLayout, QWidget)

from core.files import resource
from core.form import Profile, get_profile, profile_ids
from core.store import (PORTABLE_MARKER, app_dir, default_backup_dir, default_store_path, is_portable,
                        portable_data_dir, settings_path)

__all__ = ["app_version", "help_html", "scoring_html", "files_html", "how_to_fill_html",
           "about_html", "licences", "show_help", "show_about", "help_action", "HelpDialog",
           "AboutDialog"]

APP_NAME = "绩效自评填报工具"
HUNDRED = Decimal(100)


# ---------------------------------------------------------------------------------------------
# Version

def app_version() -> str:
    """The program's version: the installed (or frozen) package metadata, else pyproject.toml of
    a source checkout, else 未知."""
    try:
        from importlib.metadata import version
        return version("ziping")
    except Exception:
        pass
    try:
        import tomllib
        with open(app_dir() / "pyproject.toml", "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except Exception:
        return "未知"


def _dist_version(name: str) -> str:
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return ""


# ---------------------------------------------------------------------------------------------
# Numbers in Chinese text

def _n(x: Decimal) -> str:
    """A plain number: 10, 0.5, 2.5 (no trailing zeros, no exponent)."""
    text = format(x.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pct(fraction: Decimal) -> str:
    return _n(fraction * HUNDRED) + "%"


def _r2(x: Decimal) -> str:
    return str(x.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"))


def _e(text) -> str:
    return html.escape(str(text))


# ---------------------------------------------------------------------------------------------
# How scores are computed (from the profile)

def _rate_formula(p: Profile) -> str:
    denominator = "年初预算数" if p.rate_base == "initial" else "全年预算数"
    if p.use_transfer:
        return f"执行率 =（全年执行数 − 上级财政转移支付）÷ {denominator}"
    return f"执行率 = 全年执行数 ÷ {denominator}"


def _exec_score(p: Profile, rate: Decimal) -> Decimal:
    w = p.exec_weight
    r = max(rate, Decimal(0))
    if p.exec_rule == "hunan":
        return w * r if r <= 1 else max(Decimal(0), w * (2 - r))
    return w * min(r, Decimal(1))


def _exec_rule(p: Profile) -> str:
    w = _n(p.exec_weight)
    if p.exec_rule == "hunan":
        rule = (f"执行率不超过 100% 时，得分 = {w} × 执行率；超过 100% 时，"
                f"得分 = {w} ×（2 − 执行率），最低 0 分（超支也扣分）。")
    else:
        rule = f"得分 = {w} × 执行率，执行率超过 100% 按 100% 计。"
    examples = "；".join(f"执行率 {_pct(r)} 得 {_r2(_exec_score(p, r))} 分"
                        for r in (Decimal("0.95"), Decimal("1.0821")))
    return f"{rule}例如：{examples}。"


def _weights(p: Profile) -> str:
    parts = [f"预算执行率 {_n(p.exec_weight)} 分"]
    for g in p.groups:
        label = "绩效指标（不分一级指标）" if "*" in g.names else g.label
        parts.append(f"{label} {_n(g.weight)} 分")
    text = "，".join(parts) + f"，合计 {_n(p.total)} 分。"
    for g in p.groups:
        if g.missing_to:
            text += f"没有{g.label}时，它的 {_n(g.weight)} 分并入{g.missing_to}。"
    if any("*" in g.names for g in p.groups):
        text += "各项指标的分值由填报人自行分配。"
    else:
        text += "二级、三级指标的分值由填报人在一级指标的分值内自行分配。"
    return text


def _tier_range(p: Profile, t) -> str:
    high = "含" if t.high_inclusive else "不含"
    return f"分值的 {_pct(t.low)} ～ {_pct(t.high)}（{high} {_pct(t.high)}）"


def _grades(p: Profile) -> list[str]:
    bands = sorted(p.grades, key=lambda g: g[0], reverse=True)
    out = []
    upper = None
    for low, grade in bands:
        if upper is None:
            out.append(f"{grade}：{_n(low)} 分及以上")
        elif low <= 0:
            out.append(f"{grade}：低于 {_n(upper)} 分")
        else:
            out.append(f"{grade}：{_n(low)} 分至 {_n(upper)} 分（不含 {_n(upper)} 分）")
        upper = low
    return out


def scoring_html(profile_id: str) -> str:
    """How the profile scores a form, as HTML, written out from its data."""
    p = get_profile(profile_id)
    h = [f"<h3>计分方案：{_e(p.name)}</h3>"]
    if not p.scored:
        h.append("<p>这个方案<b>不计分</b>：不计算得分、总分和等级。程序仍然计算执行率，"
                 "并检查资金合计、必填项等问题。</p>")
        h.append(f"<p>{_e(_rate_formula(p))}，以百分数显示，保留两位小数。</p>")
        return "\n".join(h)

    h.append("<h4>一、分值</h4>")
    h.append(f"<p>{_e(_weights(p))}</p>")

    h.append("<h4>二、预算执行率</h4>")
    h.append(f"<p>{_e(_rate_formula(p))}。{_e(_exec_rule(p))}"
             "预算数为空或为 0 时不计算执行率，并在表中提示。</p>")
    if p.reason_when_rate_below is not None:
        limit = f"（不超过 {p.reason_max_chars} 字）" if p.reason_max_chars else ""
        h.append(f"<p>执行率低于 {_pct(p.reason_when_rate_below)} 时，必须填写原因{limit}。</p>")

    h.append("<h4>三、定量指标（指标值是数字）</h4><ul>")
    h.append("<li><b>越高越好</b>（≥、＞、以上、不低于、不少于，或只写数字）：实际完成值达到指标值得满分，"
             "否则 得分 = 分值 × 实际完成值 ÷ 指标值。</li>")
    if p.reverse == "ratio":
        h.append("<li><b>越低越好</b>（≤、＜、以内、以下、不超过）：实际完成值不超过指标值得满分，"
                 "否则 得分 = 分值 × 指标值 ÷ 实际完成值。</li>")
    else:
        h.append("<li><b>越低越好</b>（≤、＜、以内、以下、不超过）：实际完成值不超过指标值得满分；"
                 "超过但不到指标值的 2 倍时，得分 = 分值 ×（2 − 实际完成值 ÷ 指标值）；"
                 "达到 2 倍及以上得 0 分。例：指标值 ≤30天，实际 36 天，分值 10，得 8.00 分。</li>")
    h.append("<li><b>等于</b>（=）：按“越高越好”计分。指标值为 0 的（如“安全事故=0起”）：实际为 0 得满分，"
             "否则得 0 分。</li>")
    h.append("<li>超额完成也不会超过分值。")
    if p.over_ratio_explain is not None:
        h.append(f"实际完成值超过指标值的 {_pct(p.over_ratio_explain)} 时，请在偏差原因中说明"
                 "（目标可能定得偏低）。")
    h.append("</li>")
    if p.deviation_penalty:
        over = Decimal(str(p.deviation_penalty["over"]))
        points = _e(p.deviation_penalty["points"])
        h.append(f"<li>实际完成值比指标值高出 {_pct(over)} 及以上（偏离）的，扣 {points} 分。</li>")
    h.append("<li>实际完成值的单位要与指标值一致（% 对 %，万元对万元）；写成文字（如“已完成”）的，"
             "这一行按定性指标处理。</li></ul>")

    h.append("<h4>四、定性指标（指标值没有数字，如“按时完成”“效果明显”）</h4>")
    h.append("<p>先选择评价档次，再在档次范围内填写得分（不填时按默认比例给分）：</p>")
    h.append("<table border='1' cellspacing='0' cellpadding='4'>"
             "<tr><th>档次</th><th>得分范围</th><th>默认得分</th></tr>")
    for t in p.tiers:
        h.append(f"<tr><td>{_e(t.label)}</td><td>{_e(_tier_range(p, t))}</td>"
                 f"<td>分值 × {_pct(t.default)}</td></tr>")
    h.append("</table><p>得分不在所选档次的范围内时，表中标为错误。</p>")

    h.append("<h4>五、总分与等级</h4>")
    h.append("<p>每一项得分先按精确值计算，再四舍五入到两位小数；总分是各项四舍五入后得分之和，"
             "所以打印出来的得分栏加起来正好等于总分。指标值为“/”且没有分值的行不计入总分。"
             "填报人可以改写计算出的得分，此时表中同时显示两者，并要求说明原因。</p>")
    if p.cap_by_rate:
        caps = "；".join(f"执行率低于 {_pct(Decimal(str(below)))} 时总分最高 {_e(cap)} 分"
                        for below, cap in p.cap_by_rate)
        h.append(f"<p>总分受执行率限制：{caps}。</p>")
    if p.integer_display:
        h.append("<p>得分显示为整数。</p>")
    h.append("<p>自评等级按总分确定：</p><ul>")
    h.extend(f"<li>{_e(line)}</li>" for line in _grades(p))
    h.append("</ul>")
    h.append(_rules_summary(p))
    return "\n".join(h)


def _rules_summary(p: Profile) -> str:
    """The profile's rules in one short list, the same sentences as the editor's 计分说明 tab."""
    try:
        from core.rules import profile_rules
    except ImportError:         # an older core without explanations
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in profile_rules(p)[1:])
    return ("<h4>六、规则一览</h4><p>在表中选中一个得分，右侧“计分说明”写出这一项所用的规则和数字。</p>"
            f"<ul>{items}</ul>")


# ---------------------------------------------------------------------------------------------
# How to fill, where files go

def how_to_fill_html() -> str:
    return """
<h3>怎样填写</h3>
<ol>
<li><b>新建或续用</b>：点“新建”（Ctrl+N），选择表格模板和年度；去年已经填过的，选中去年的表，
点“复制为下一年度”，指标和分值会保留下来，只需改写实际完成值和数字。</li>
<li><b>逐格填写</b>：白色格子由您填写；浅蓝色格子（执行率、得分、小计、总分、等级）由程序随输入自动计算。
金额以“万元”为单位，可以带千分位逗号（如 1,210.99）。指标值照批复的绩效目标表原样填写，
如“≥95%”“≤30万元”“50次以上”“按时完成”。</li>
<li><b>看提示改问题</b>：红色格子是错误，黄色格子是提示，鼠标停在格子上可以看到说明
（如资金合计不符、分值合计不等于 100、得分超过分值、缺少偏差原因、表中写的执行率与数字不符）。
财政部门审核时通常会退回这些问题，请在导出前改好。</li>
<li><b>像 Excel / WPS 一样输入</b>：选中格子直接打字（或用输入法）即替换原内容；F2 或双击在原内容上修改；
回车确认并移到下一行，Alt+回车在格子内换行，Esc 取消；Tab / Shift+Tab 只在需要填写的格子间移动
（跳过标题、一级/二级指标和自动计算的得分；定性指标的得分由您填写，Tab 会停在那里）。
复制到 Excel / WPS 时，“=100%”“0012”等内容保持为文字。</li>
<li><b>一键改正</b>：表中写的执行率、总分与数字不符，或合计不等于各项之和时，右侧“检查结果”里有
“改为 108.21%”这样的按钮，点一下即改好（可撤销）。表中原来写的数也可以选中该格按 F2 修改、按 Delete 清除。</li>
<li><b>看得分是怎样算的</b>：选中一个得分、执行率或总分，右侧“计分说明”写出所用规则和数字，
如“反向指标：10 × (2 − 36 ÷ 30) = 8.00”；鼠标停在格子上也能看到。</li>
<li><b>不用手动保存</b>：每改一格都会立即保存到表单库。撤销 Ctrl+Z，重做 Ctrl+Y。</li>
<li><b>导出与报送</b>：导出与屏幕版式一致的 Excel 和 PDF，打印、签字、盖章后报送。
也可以“另存为表单文件”（JSON），拿到另一台电脑上用“导入”（或把文件拖到窗口上）继续填写；Excel 工作簿也能这样导入。</li>
<li><b>删除与恢复</b>：删除的表先进入“回收站”，可以还原；在回收站中“彻底删除”后不能恢复。</li>
</ol>
"""


def _link(path: Path, folder: bool = True) -> str:
    target = path if folder else path.parent
    url = QUrl.fromLocalFile(str(target)).toString()
    return f"<a href='{_e(url)}'>{_e(path)}</a>"


def files_html(store_path: str | os.PathLike | None = None, export_dir: str | None = None) -> str:
    """Where the program keeps its files, with links that open the folders."""
    store = Path(os.fspath(store_path)) if store_path else default_store_path()
    backups = default_backup_dir(store)
    settings = settings_path()
    if export_dir is None:
        try:
            from .settings import Settings
            export_dir = Settings().export_dir_or_default()
        except Exception:
            export_dir = ""
    mode = ""
    if is_portable():
        mode = (f"<p><b>便携模式</b>：程序文件夹中有 {PORTABLE_MARKER}，所以表单库、备份和设置都保存在"
                f"程序旁边的 {_link(portable_data_dir())} 文件夹中，不写入本机的用户文件夹。"
                "把整个程序文件夹复制到 U 盘，就可以带到别的电脑上继续使用。</p>")
    else:
        mode = (f"<p>要把程序和表单一起放在 U 盘上使用（便携模式），在程序文件夹"
                f"（{_e(app_dir())}）中新建一个名为 {PORTABLE_MARKER} 的空文件即可；"
                "之后数据保存在程序旁边的 data 文件夹中。原有的表单库不会自动搬过去，可以把它复制到 data 文件夹中。</p>")
    rows = [
        ("表单库（所有表单和修改记录）", _link(store, folder=False)),
        ("自动备份（每天第一次打开时备份一次，保留最近 10 份）", _link(backups)),
        ("设置", _link(settings, folder=False)),
        ("导出的 Excel 和 PDF（默认文件夹，可在“设置”中修改）", _link(Path(export_dir)) if export_dir else "导出时选择"),
    ]
    table = "".join(f"<tr><td>{_e(k)}</td><td>{v}</td></tr>" for k, v in rows)
    return (
        "<h3>文件保存在哪里</h3>"
        f"<table border='1' cellspacing='0' cellpadding='4'>{table}</table>"
        f"{mode}"
        "<p>表单库是一个文件，请不要放在网络共享文件夹中使用。要换电脑时，先关闭程序，再复制表单库文件"
        "（或最近的一份自动备份）。表单库损坏时，程序会提示用最近的自动备份恢复。</p>"
    )


def help_html(profile_id: str = "central", store_path: str | os.PathLike | None = None) -> str:
    return how_to_fill_html() + scoring_html(profile_id) + files_html(store_path)


# ---------------------------------------------------------------------------------------------
# Licences

LIBRARIES = (
    # (name shown, distribution name for the version, licence, note)
    ("Python", None, "PSF License 2.0", "https://www.python.org/"),
    ("Qt 6 / PySide6", "PySide6_Essentials", "LGPL-3.0",
     "以动态链接库形式随附于程序文件夹（_internal\\PySide6），可以替换为兼容的自行编译版本；"
     "源代码见 https://code.qt.io/ 与 https://download.qt.io/"),
    ("openpyxl", "openpyxl", "MIT", "https://foss.heptapod.net/openpyxl/openpyxl"),
    ("reportlab", "reportlab", "BSD", "https://www.reportlab.com/"),
    ("sqlite-utils", "sqlite-utils", "Apache-2.0", "https://github.com/simonw/sqlite-utils"),
    ("defusedxml", "defusedxml", "PSF License 2.0", "https://github.com/tiran/defusedxml"),
    ("Pillow（reportlab 使用）", "pillow", "MIT-CMU (HPND)", "https://python-pillow.org/"),
    ("SQLite", None, "公有领域（Public Domain）", "https://www.sqlite.org/"),
)


def licences() -> list[dict]:
    out = []
    for name, dist, licence, note in LIBRARIES:
        ver = sys.version.split()[0] if name == "Python" else (_dist_version(dist) if dist else "")
        if name == "SQLite":
            import sqlite3
            ver = sqlite3.sqlite_version
        out.append({"name": name, "version": ver, "licence": licence, "note": note})
    return out


def _font_licence_text() -> str:
    try:
        return resource("fonts", "OFL.txt").read_text(encoding="utf-8")
    except OSError:
        return "（未找到 OFL.txt）"


def about_html() -> str:
    rows = "".join(
        f"<tr><td>{_e(x['name'])}</td><td>{_e(x['version'])}</td><td>{_e(x['licence'])}</td>"
        f"<td>{_e(x['note'])}</td></tr>" for x in licences())
    return (
        f"<h2>{APP_NAME}</h2>"
        f"<p>版本 {_e(app_version())}</p>"
        "<p>用于填写、计分、检查和导出预算绩效自评表（项目支出、部门整体支出）。"
        "程序在本机运行，不联网，不上传任何数据。</p>"
        "<h4>字体</h4>"
        "<p>内置字体 Noto Serif SC（思源宋体）的子集，TrueType 版本，按 SIL Open Font License 1.1 随程序分发"
        "（修改版本：子集化并转换轮廓）。许可全文见“字体许可”页。</p>"
        "<h4>使用的开源软件</h4>"
        "<table border='1' cellspacing='0' cellpadding='4'>"
        "<tr><th>名称</th><th>版本</th><th>许可</th><th>说明</th></tr>"
        f"{rows}</table>"
    )


# ---------------------------------------------------------------------------------------------
# Dialogs

def _browser(html_text: str) -> QTextBrowser:
    b = QTextBrowser()
    b.setOpenLinks(False)
    b.anchorClicked.connect(QDesktopServices.openUrl)   # folders open in Explorer
    b.setHtml(html_text)
    return b


class HelpDialog(QDialog):
    """使用说明: how to fill, how the chosen profile scores, where files go."""

    def __init__(self, parent: QWidget | None = None, profile_id: str | None = None,
                 store_path: str | os.PathLike | None = None):
        super().__init__(parent)
        self.setWindowTitle("使用说明")
        self.resize(820, 680)
        self.store_path = store_path
        self.profile_box = QComboBox()
        for pid in profile_ids():
            self.profile_box.addItem(get_profile(pid).name, pid)
        i = self.profile_box.findData(profile_id or "central")
        self.profile_box.setCurrentIndex(max(i, 0))

        self.tabs = QTabWidget()
        self.fill = _browser(how_to_fill_html())
        self.scoring = _browser("")
        self.files = _browser(files_html(store_path))
        scoring_page = QWidget()
        top = QHBoxLayout()
        top.addWidget(QLabel("计分方案："))
        top.addWidget(self.profile_box, 1)
        sl = QVBoxLayout(scoring_page)
        sl.addLayout(top)
        sl.addWidget(self.scoring, 1)
        self.tabs.addTab(self.fill, "怎样填写")
        self.tabs.addTab(scoring_page, "怎样计分")
        self.tabs.addTab(self.files, "文件位置")
        self.profile_box.currentIndexChanged.connect(self._show_profile)
        self._show_profile()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    def _show_profile(self) -> None:
        self.scoring.setHtml(scoring_html(self.profile_box.currentData() or "central"))


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"关于{APP_NAME}")
        self.resize(760, 560)
        tabs = QTabWidget()
        tabs.addTab(_browser(about_html()), "关于")
        font = QTextBrowser()
        font.setPlainText(_font_licence_text())
        font.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        tabs.addTab(font, "字体许可（OFL 1.1）")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(buttons)


_OPEN: list[QDialog] = []


def _forget(dlg: QDialog) -> None:
    _OPEN[:] = [d for d in _OPEN if d is not dlg]


def show_help(parent: QWidget | None = None, profile_id: str | None = None,
              store_path: str | os.PathLike | None = None) -> HelpDialog:
    """Show 使用说明 (non-modal, one at a time: a second call brings the open one forward)."""
    for dlg in list(_OPEN):
        try:
            visible = isinstance(dlg, HelpDialog) and dlg.isVisible()
        except RuntimeError:        # already deleted
            _forget(dlg)
            continue
        if visible:
            i = dlg.profile_box.findData(profile_id) if profile_id else -1
            if i >= 0:
                dlg.profile_box.setCurrentIndex(i)
            dlg.raise_()
            dlg.activateWindow()
            return dlg
    dlg = HelpDialog(parent, profile_id, store_path)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _OPEN.append(dlg)
    dlg.destroyed.connect(lambda *_a, d=dlg: _forget(d))
    dlg.show()
    return dlg


def show_about(parent: QWidget | None = None) -> int:
    return AboutDialog(parent).exec()


def help_action(window: QWidget, profile_getter: Callable[[], str | None] | None = None,
                store_path: str | os.PathLike | None = None) -> QAction:
    """A 使用说明 action on F1 for a menu (帮助) and the window: `profile_getter` returns the
    profile of the form being edited (None on the list: the default profile is shown)."""
    action = QAction("使用说明", window)
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))   # F1
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(
        lambda: show_help(window, profile_getter() if profile_getter else None, store_path))
    return action
