"""Scoring profiles (DOMAIN §3) read from ``resources/profiles.json``.

A profile names the rules a province or the Ministry applies; the rules
themselves are implemented in :mod:`core.rules.scoring`.  A profile may name a
``base`` and then changes only what it lists.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from core.files import resource


@dataclass(frozen=True)
class Tier:
    label: str
    low: Decimal
    high: Decimal
    high_inclusive: bool
    default: Decimal

    def contains(self, fraction: Decimal) -> bool:
        if fraction < self.low:
            return False
        return fraction <= self.high if self.high_inclusive else fraction < self.high


@dataclass(frozen=True)
class Group:
    label: str
    names: tuple[str, ...]
    weight: Decimal
    missing_to: str | None = None

    def matches(self, level1: str) -> bool:
        return "*" in self.names or level1 in self.names


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    scored: bool
    exec_weight: Decimal
    exec_rule: str            # "cap" | "hunan"
    rate_base: str            # "budget" | "initial"
    use_transfer: bool        # the profile's own form draws column C (help text only: the rate uses C
                              # wherever the layout draws it, under any profile; see scoring.uses_transfer)
    groups: tuple[Group, ...]
    total: Decimal
    reverse: str              # "linear" | "ratio"
    tiers: tuple[Tier, ...]
    grades: tuple[tuple[Decimal, str], ...]
    over_ratio_explain: Decimal | None
    reason_when_rate_below: Decimal | None
    reason_max_chars: int | None
    integer_display: bool
    deviation_penalty: dict | None = None   # {"over": "0.3", "points": "2"}
    cap_by_rate: list | None = None         # [["0.5", "59"], ["0.6", "69"], ...]
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def grade(self, total: Decimal) -> str:
        for low, grade in self.grades:
            if total >= low:
                return grade
        return self.grades[-1][1]

    def with_options(self, **options) -> "Profile":
        """The same profile with some options changed (grade bands, integer display…)."""
        data = dict(self.raw)
        data.update(options)
        return _build(self.id, data)


def _dec(v) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _build(pid: str, d: dict) -> Profile:
    ex = d["execution"]
    return Profile(
        id=pid,
        name=d.get("name", pid),
        scored=bool(d.get("scored", True)),
        exec_weight=Decimal(ex["weight"]),
        exec_rule=ex.get("rule", "cap"),
        rate_base=ex.get("base", "budget"),
        use_transfer=bool(ex.get("transfer", False)),
        groups=tuple(Group(g["label"], tuple(g["names"]), Decimal(g["weight"]), g.get("missing_to"))
                     for g in d["groups"]),
        total=Decimal(d.get("total", "100")),
        reverse=d.get("reverse", "linear"),
        tiers=tuple(Tier(t["label"], Decimal(t["low"]), Decimal(t["high"]), bool(t["high_inclusive"]),
                         Decimal(t["default"])) for t in d["tiers"]),
        grades=tuple((Decimal(g["min"]), g["grade"]) for g in d["grades"]),
        over_ratio_explain=_dec(d.get("over_ratio_explain")),
        reason_when_rate_below=_dec(d.get("reason_when_rate_below")),
        reason_max_chars=d.get("reason_max_chars"),
        integer_display=bool(d.get("integer_display", False)),
        deviation_penalty=d.get("deviation_penalty"),
        cap_by_rate=d.get("cap_by_rate"),
        raw=d,
    )


@lru_cache(maxsize=1)
def _all_raw() -> dict:
    with open(resource("profiles.json"), encoding="utf-8") as fh:
        return json.load(fh)["profiles"]


def _resolved(pid: str, seen=()) -> dict:
    raw = _all_raw()
    if pid not in raw:
        raise KeyError(pid)
    d = raw[pid]
    base = d.get("base")
    if base and base not in seen:
        merged = dict(_resolved(base, seen + (pid,)))
        merged.update({k: v for k, v in d.items() if k != "base"})
        return merged
    return dict(d)


@lru_cache(maxsize=64)
def get_profile(pid: str) -> Profile:
    """The profile with this id; KeyError if there is none."""
    return _build(pid, _resolved(pid))


def profile_ids() -> list[str]:
    return list(_all_raw().keys())
