"""The funds block read back (see :mod:`core.reading.walk`): the 资金 table's rows — the total,
the sources and uses listed under it — by their labels and amount columns, whatever merges the
clerk's copy kept."""
from __future__ import annotations

import re

from core.reading.filling import AMOUNT_KEYS, put_value
from core.reading.grid import norm


class FundsBlock:
    """The funds part of :class:`core.reading.walk.Walker`."""

    # ------------------------------------------------------------ funds
    def block_funds(self, bi: int, block: dict) -> None:
        labels = [c["label"] for c in block["columns"] if c.get("label")]
        hit = self.find_header(labels, max(1, (len(labels) + 1) // 2))
        if hit is None:
            self.rd.missing += labels
            return
        hr, hn = hit
        cols = self.map_columns(hr, hn, block["columns"])
        for c in block["columns"]:
            if c.get("label"):
                (self.rd.found if (c.get("key") or "=" + c.get("computed", "")) in cols else self.rd.missing).append(c["label"])
        first_amount = min((cs[0] for k, cs in cols.items() if k in AMOUNT_KEYS), default=None)
        if first_amount is None:
            return
        side = self.side_cell(hr, block["side"]["label"], first_amount)
        if "label" in cols:
            label_cols = cols["label"]
        else:
            left = side[1] + self.g.width(*side) if side else 0
            label_cols = list(range(left, first_amount))
        left = min(cs[0] for cs in cols.values())
        rows = self.table_rows(bi, hr + hn, side, self.later_labels(bi), left)
        rows = [r for r in rows if not self._continuation(r, cols, label_cols)]
        if side is None:
            rows = [r for r in rows if not self.g.blank(r)]
        parts = [p for p in block["rows"] if p != "header"]
        lists = [p for p in parts if p in ("sources", "uses")]
        if not lists:
            rows = rows[:len(parts)]
        rows = self.total_where_labelled(rows, parts, label_cols)
        # which row is which: fixed rows (total) take their place from either end
        head = []
        for p in parts:
            if p in ("sources", "uses"):
                break
            head.append(p)
        tail = []
        for p in reversed(parts):
            if p in ("sources", "uses"):
                break
            tail.insert(0, p)
        if not lists:
            head, tail = parts, []
        middle = rows[len(head):len(rows) - len(tail) if tail else len(rows)]
        assigned = list(zip(head, rows[:len(head)]))
        mid_kinds = self.split_lists(lists, middle, label_cols, block)
        assigned += mid_kinds
        if tail:
            assigned += list(zip(tail, rows[len(rows) - len(tail):]))
        counters = {"source": 0, "use": 0}
        for kind, r in assigned:
            if kind == "total":
                base = "funds.total"
            else:
                kind1 = "source" if kind == "sources" else "use"
                base = f"funds.{kind}.{counters[kind1]}"
                counters[kind1] += 1
                put_value(self.rd.data, self.t, base + ".label", "")
            label = self.data_cols(label_cols, r, base + ".label")
            label = self.undecorate(label, kind, base, block)
            put_value(self.rd.data, self.t, base + ".label", label)
            for col in block["columns"]:
                key = col.get("key")
                name = key or "=" + col.get("computed", "")
                if name not in cols or key == "label":
                    continue
                text = self.data_cols(cols[name], r, f"{base}.{key}" if key else None)
                if key:
                    if kind == "uses" and key != "executed":
                        continue
                    put_value(self.rd.data, self.t, f"{base}.{key}", text)
                elif kind == "total":
                    self.rd.printed["funds." + col["computed"]] = text
                elif kind == "sources" and col["computed"] == "rate" and block.get("source_rate"):
                    self.rd.printed[base + ".rate"] = text
        self.cursor = (rows[-1] + 1) if rows else hr + hn

    def total_where_labelled(self, rows: list[int], parts: list[str], label_cols: list[int]) -> list[int]:
        """A clerk's table may put 合计 first where the template puts it last (or the reverse):
        when the row in the total's place is not labelled as a total and exactly one other row
        is, that row is moved to the total's place."""
        if "total" not in parts or len(rows) < 2 or parts.count("total") != 1:
            return rows
        at = 0 if parts[0] == "total" else (len(rows) - 1 if parts[-1] == "total" else None)
        if at is None:
            return rows
        words = ("合计", "总额", "总计", "小计", norm(self.t.get("new", {}).get("funds", {}).get("total", "")) or "合计")

        def is_total(r):
            label = norm(self.data_cols(label_cols, r))
            return any(w and w in label for w in words)
        if is_total(rows[at]):
            return rows
        hits = [r for r in rows if is_total(r)]
        if len(hits) != 1:
            return rows
        rest = [r for r in rows if r != hits[0]]
        return [hits[0]] + rest if at == 0 else rest + [hits[0]]

    def _continuation(self, r: int, cols: dict, label_cols: list[int]) -> bool:
        """A row every cell of which belongs to a merged cell from a row above."""
        allc = set(label_cols)
        for cs in cols.values():
            allc.update(cs)
        return bool(allc) and all(self.g.covered_from_above(r, c) for c in allc)

    def split_lists(self, lists: list[str], rows: list[int], label_cols: list[int], block: dict) -> list[tuple]:
        if not lists:
            return []
        if len(lists) == 1:
            return [(lists[0], r) for r in rows]
        # sources, then uses from the row carrying the uses prefix
        prefix = block.get("use_prefix") or ""
        cut = len(rows)
        for n, r in enumerate(rows):
            text = self.data_cols(label_cols, r)
            if prefix and norm(text).startswith(norm(prefix)):
                cut = n
                break
        return [(lists[0], r) for r in rows[:cut]] + [(lists[1], r) for r in rows[cut:]]

    def undecorate(self, label: str, kind: str, base: str, block: dict) -> str:
        if kind == "total":
            return label
        prefix = block.get("source_prefix") if kind == "sources" else block.get("use_prefix")
        if not prefix:
            return label
        first = base.endswith(".0")
        if label.startswith(prefix):
            return label[len(prefix):]
        core = norm(prefix).rstrip(":")
        m = re.match(r"^\s*" + r"\s*".join(map(re.escape, core)) + r"\s*[:：]\s*", label)
        if m:
            return label[m.end():]
        if not first and label.startswith("\u3000" * 3):
            return label[3:]
        return label.strip() if not first else label

    # ------------------------------------------------------------ goal texts
