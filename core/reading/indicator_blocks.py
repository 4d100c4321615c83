"""The indicator table read back (see :mod:`core.reading.walk`): one table, or one per goal
(hubei-dept), the merged 一级/二级 cells as the sheet builder merges them."""
from __future__ import annotations

from core.form import MAX_INDICATORS, new_goal, new_indicator


class IndicatorBlocks:
    """The indicator-table part of :class:`core.reading.walk.Walker`."""

    def block_indicators(self, bi: int, block: dict) -> None:
        columns = block["columns"]
        labels = [c["label"] for c in columns]
        core = [c["label"] for c in columns if c["key"] in ("level1", "level2", "name")]
        later = self.later_labels(bi)
        goals = self.rd.data["goals"]
        gi = 0
        table = 0
        while True:
            hit = self.find_header(core, len(core))
            if hit is None:
                break
            hr, hn = hit
            # a later block before this header ends the tables
            if any(self.is_anchor_row(r, later) for r in range(self.cursor, hr)):
                break
            cols = self.map_columns(hr, hn, columns)
            if table == 0:
                for c in columns:
                    (self.rd.found if c["key"] in cols else self.rd.missing).append(c["label"])
            first = min(cs[0] for cs in cols.values())
            side = self.side_cell(hr, block["side"]["label"], first, record=table == 0)
            title = None
            if block.get("per_goal"):
                title = ""
                for r in range(hr - 1, self.cursor - 1, -1):
                    cells = self.g.row_cells(r)
                    if cells:
                        if len(cells) == 1 and not self.is_anchor_row(r, self.all_labels()):
                            title = self.g.value(r, cells[0], f"goals.{gi}.title")
                        break
                    if r == hr - 1:
                        continue
                    break
            stop = later + (core if block.get("per_goal") else [])
            rows = self.table_rows(bi, hr + hn, side, stop, first)
            if block.get("per_goal") and side is None:
                rows = self.trim_title_row(rows, core)
            # a row spread over several workbook rows: all but its merged 一级/二级 cells are
            # covered (those may have been unmerged and filled down)
            own = {k: v for k, v in cols.items() if not any(c.get("merge") and c["key"] == k for c in columns)}
            rows = [r for r in rows if not self._continuation(r, own or cols, [])]
            if side is None:
                rows = [r for r in rows if not self.g.blank(r)]
            if not block.get("per_goal"):
                gi = 0
            while len(goals) <= gi:
                goals.append(new_goal(""))
            if title is not None:
                goals[gi]["title"] = title
            self.read_indicator_rows(goals[gi], gi, rows, cols, columns)
            self.cursor = (rows[-1] + 1) if rows else hr + hn
            table += 1
            gi += 1
            if not block.get("per_goal"):
                break
        if table == 0:
            self.rd.missing += labels
            self.rd.fatal = "找不到“" + "/".join(core) + "”表头"
        if not goals:
            goals.append(new_goal(""))

    def all_labels(self) -> list[str]:
        return self.later_labels(-1)

    def trim_title_row(self, rows: list[int], core: list[str]) -> list[int]:
        """Without merged side labels, the row before the next table's header is its title."""
        out = []
        for r in rows:
            if r + 1 < self.g.nrows and sum(1 for lab in core if self.g.find_label(r + 1, lab) is not None) == len(core):
                break
            out.append(r)
        return out

    def read_indicator_rows(self, goal: dict, gi: int, rows: list[int], cols: dict, columns: list[dict]) -> None:
        inds = goal.setdefault("indicators", [])
        keys = [c["key"] for c in columns]
        merged = [c["key"] for c in columns if c.get("merge")]
        prev: dict[str, str] = {}
        for n, r in enumerate(rows[:MAX_INDICATORS + 1]):      # one more than a form may hold: refused
            ii = len(inds)
            path = f"goals.{gi}.indicators.{ii}"
            ind = new_indicator()
            ind.pop("measure", None) if "measure" not in keys else None
            run_start = {}
            parts: dict[str, str] = {}
            for key in keys:
                if key not in cols:
                    continue
                cs = cols[key]
                if key in merged:
                    c = cs[0]
                    owner = self.g.owner.get((r, c))
                    if owner is not None and owner[0] < r:
                        value, starts = self.g.text(*owner), False
                    else:
                        value = self.data_cols(cs, r, f"{path}.{key}")
                        starts = value != "" or n == 0
                        if value == "" and n > 0:
                            parent = merged[:merged.index(key)]
                            if parent and any(run_start.get(p) for p in parent):
                                value, starts = "", True
                            else:
                                value, starts = prev.get(key, ""), False
                        elif value != "" and n > 0 and value == prev.get(key) and not any(
                                run_start.get(p) for p in merged[:merged.index(key)]):
                            starts = False
                    run_start[key] = starts
                    prev[key] = value
                    ind[key] = value
                elif "#" in key:
                    parts[key.split("#", 1)[1]] = self.data_cols(cs, r, f"{path}.target")
                elif key == "score":
                    self.rd.scores_typed[(gi, ii)] = self.data_cols(cs, r, f"{path}.score")
                else:
                    ind[key] = self.data_cols(cs, r, f"{path}.{key}")
            if parts:
                ind["target"] = f"{parts.get('op', '')}{parts.get('value', '')}{parts.get('unit', '')}"
            inds.append(ind)
