"""Fixed display names, colours and order for actors, targets and stances.

Every figure uses these so that an actor keeps its colour and place across
charts. Labels unknown to ``data/display.json`` (a user's new actor or target)
get a readable name from their code and a colour from a fallback cycle.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

_FALLBACK_COLORS = ("#17becf", "#bcbd22", "#e377c2", "#8c564b", "#9467bd", "#ff7f0e")


@cache
def _display() -> dict:
    return json.loads(resources.files("stance").joinpath("data/display.json").read_text("utf-8"))


def _readable(code: str) -> str:
    return code.replace("_", " ").capitalize()


def actor_order(present=()) -> list[str]:
    """Known actors in their fixed order, then any others present, sorted."""
    known = list(_display()["actors"])
    return known + sorted(set(present) - set(known))


def actor_name(code: str) -> str:
    entry = _display()["actors"].get(code)
    return entry["name"] if entry else _readable(code)


def actor_color(code: str) -> str:
    entry = _display()["actors"].get(code)
    if entry:
        return entry["color"]
    return _FALLBACK_COLORS[sum(map(ord, code)) % len(_FALLBACK_COLORS)]


def target_name(code: str) -> str:
    return _display()["targets"].get(code, _readable(code))


def stance_name(code: str) -> str:
    return _display()["stances"][code]["name"]


def stance_color(code: str) -> str:
    return _display()["stances"][code]["color"]
