"""Readable under Windows' dark 应用模式: every cell role, the in-cell editors, the list and the
editor's top bar keep dark text on light ground (WCAG contrast ratio >= 4.5).

Qt 6.5+ with Fusion follows Windows' dark setting by giving the application a dark palette
(white text).  The offscreen platform has no colour-scheme theme, so after asking for the dark
scheme the test also installs the palette Windows would give; the program must override both.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

import core.layout.sheet as sh
from core.editing import form_summary
from core.store import Store
from tests.helpers import sample
from ui.app import make_app
from ui.main_window import MainWindow

MIN_CONTRAST = 4.5


def luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def windows_dark_palette() -> QPalette:
    """Roughly what Qt's Windows theme hands Fusion in dark mode."""
    pal = QPalette()
    for role, color in ((QPalette.ColorRole.Window, "#1c1c1c"), (QPalette.ColorRole.WindowText, "#ffffff"),
                        (QPalette.ColorRole.Base, "#2d2d2d"), (QPalette.ColorRole.AlternateBase, "#353535"),
                        (QPalette.ColorRole.Text, "#ffffff"), (QPalette.ColorRole.Button, "#2d2d2d"),
                        (QPalette.ColorRole.ButtonText, "#ffffff"), (QPalette.ColorRole.Highlight, "#0078d4"),
                        (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.ToolTipBase, "#2d2d2d"),
                        (QPalette.ColorRole.ToolTipText, "#ffffff"), (QPalette.ColorRole.PlaceholderText, "#a0a0a0")):
        pal.setColor(role, QColor(color))
    return pal


@pytest.fixture
def dark(qapp):
    hints = QGuiApplication.styleHints()
    hints.setColorScheme(Qt.ColorScheme.Dark)
    qapp.setPalette(windows_dark_palette())
    assert QApplication.palette().color(QPalette.ColorRole.Text).name() == "#ffffff"
    app = make_app()                     # the program starts: before any window is built
    yield app
    hints.unsetColorScheme()
    make_app()


@pytest.fixture
def window(qtbot, dark, tmp_path):
    store = Store(tmp_path / "forms.db")
    store.set_meta("samples_loaded", True)
    for name in ("seed004-wangcheng-2020-dept.json", "central-project-example-2022.json"):
        f = sample(name)
        if name.startswith("central"):
            f.data["header"]["填报日期"] = ""                        # an error cell
            f.data["goals"][0]["indicators"][0]["reason"] = ""
        store.create(f.data, form_summary(f))
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()
    store.close()


def colour(value) -> QColor:
    if value is None:
        return None
    return value.color() if hasattr(value, "color") else QColor(value)


def test_every_cell_role_has_readable_text(window):
    seen_roles, seen_levels = set(), set()
    for fid in (1, 2):
        ed = window.open_form(fid)
        m = ed.model
        view_pal = ed.view.palette()
        for cell in m.sheet.cells:
            idx = m.index(cell.row, cell.col)
            fg = colour(m.data(idx, Qt.ItemDataRole.ForegroundRole))
            bg = colour(m.data(idx, Qt.ItemDataRole.BackgroundRole))
            assert fg is not None and bg is not None, (cell.role, cell.key)
            assert contrast(fg, bg) >= MIN_CONTRAST, (cell.role, cell.level, fg.name(), bg.name())
            # Selected: the delegate fills with the view's highlight and keeps the cell's text colour.
            hl = view_pal.color(QPalette.ColorRole.Highlight)
            assert contrast(fg, hl) >= MIN_CONTRAST, (cell.role, fg.name(), hl.name())
            seen_roles.add(cell.role)
            seen_levels.add(cell.level)
    assert {sh.TITLE, sh.LABEL, sh.HEADER, sh.INPUT, sh.TEXT, sh.COMPUTED, sh.SCORE} <= seen_roles
    assert {"error", "warning", None} <= seen_levels


@pytest.mark.parametrize("key", ["header.填报人", "goals.0.planned", "funds.total.budget"])
def test_the_in_cell_editor_is_readable(window, qtbot, key):
    ed = window.open_form(1)
    m = ed.model
    idx = m.index_for_key(key)
    assert idx.isValid()
    ed.view.setCurrentIndex(idx)
    ed.view.edit(idx)
    editor = ed.delegate.current_editor
    assert editor is not None and editor.isVisible()
    pal = editor.palette()
    text, base = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
    assert contrast(text, base) >= MIN_CONTRAST, (text.name(), base.name())
    # What is actually painted: the editor's ground is light, its text dark.
    img = editor.grab().toImage()
    ground = img.pixelColor(2, 2) if img.width() > 4 else base
    assert contrast(text, ground) >= MIN_CONTRAST, (text.name(), ground.name())


def test_list_top_bar_and_findings_are_readable(window):
    pal = window.list_view.palette()
    assert contrast(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)) >= MIN_CONTRAST
    assert contrast(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.AlternateBase)) >= MIN_CONTRAST
    assert contrast(pal.color(QPalette.ColorRole.HighlightedText), pal.color(QPalette.ColorRole.Highlight)) >= MIN_CONTRAST
    ed = window.open_form(1)
    top = ed.strip.parentWidget()
    ground = top.grab().toImage().pixelColor(1, 1)
    assert contrast(ed.strip.palette().color(QPalette.ColorRole.WindowText), ground) >= MIN_CONTRAST
    f = ed.findings
    for i in range(f.count()):
        assert contrast(f.item(i).foreground().color(), f.palette().color(QPalette.ColorRole.Base)) >= MIN_CONTRAST
    wp = window.palette()
    assert contrast(wp.color(QPalette.ColorRole.WindowText), wp.color(QPalette.ColorRole.Window)) >= MIN_CONTRAST
    assert contrast(wp.color(QPalette.ColorRole.ButtonText), wp.color(QPalette.ColorRole.Button)) >= MIN_CONTRAST


def test_menus_tooltips_and_message_boxes_are_light_too(window):
    from PySide6.QtWidgets import QMenu, QMessageBox, QToolTip
    tip = QToolTip.palette()
    assert contrast(tip.color(QPalette.ColorRole.ToolTipText), tip.color(QPalette.ColorRole.ToolTipBase)) >= MIN_CONTRAST
    assert luminance(tip.color(QPalette.ColorRole.ToolTipBase)) > 0.8
    menu = window.menuBar().actions()[0].menu()
    assert isinstance(menu, QMenu)
    mp = menu.palette()
    assert contrast(mp.color(QPalette.ColorRole.WindowText), mp.color(QPalette.ColorRole.Window)) >= MIN_CONTRAST
    assert luminance(mp.color(QPalette.ColorRole.Window)) > 0.8
    box = QMessageBox(window)
    bp = box.palette()
    assert contrast(bp.color(QPalette.ColorRole.WindowText), bp.color(QPalette.ColorRole.Window)) >= MIN_CONTRAST
    box.deleteLater()
