"""Directions in words: ``instructions(route, lang)`` (one sentence per stretch) and
``summary(route, lang)`` (one line for the badge), from the ``directions`` catalogue, so the same
route reads in zh_CN and en.
"""

from __future__ import annotations

from typing import Any

from kiosk.core.config.i18n import translate
from kiosk.core.wayfinding.model import Kind
from kiosk.core.wayfinding.routes import Route
from kiosk.core.wayfinding.steps import Step, StepKind


def _metres(m: float) -> int:
    whole = max(1, round(m))
    return whole if whole <= 20 else 5 * round(whole / 5)


def _floor(label: str, lang: str) -> str:
    return translate("directions.floor", lang, label=label)


def _clause(step: Step, lang: str) -> str:
    t = translate
    if step.kind is StepKind.START:
        return t(f"directions.start.{step.turn}", lang)
    if step.kind is StepKind.TURN:
        text = t(f"directions.turn.{step.turn}", lang)
        if step.landmark is not None:
            text = t("directions.turn_at", lang, turn=text, landmark=step.landmark.text(lang))
        if step.via is not None:
            text = t(f"directions.after.{step.via}", lang, action=text)
        return text
    if step.kind is StepKind.DOOR:
        if step.target is None:
            return t("directions.door", lang)
        return t("directions.door_named", lang, door=step.target.text(lang))
    if step.kind is StepKind.WALK:
        params: dict[str, Any] = {"metres": _metres(step.metres)}
        key = "directions.walk"
        if step.landmark is not None:
            key += "_past"
            params["landmark"] = step.landmark.text(lang)
        if step.target is not None:
            key += "_to"
            params["target"] = step.target.text(lang)
        return t(key, lang, **params)
    if step.kind is StepKind.RIDE:
        way = "" if step.via is Kind.ELEVATOR else (".up" if step.up else ".down")
        name = step.target.text(lang) if step.target else ""
        return t(
            f"directions.ride.{step.via}{way}", lang, name=name, floor=_floor(step.to_floor, lang)
        )
    # ARRIVE
    assert step.place is not None
    place = step.place.label(lang)
    if step.side is None:
        return t("directions.arrive", lang, place=place)
    if step.ordinal:
        nth = t(f"directions.nth.{step.ordinal}", lang)
        return t(f"directions.arrive.{step.side}_nth", lang, nth=nth, place=place)
    return t(f"directions.arrive.{step.side}", lang, place=place)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def instructions(route: Route, lang: str) -> tuple[str, ...]:
    """One sentence per stretch, a new one at each elevator/stairs/escalator ride.

    "乘2号电梯到5楼，出电梯后右转，右手第三间：503室" /
    "Take Elevator 2 to floor 5, turn right, third door on your right: room 503".
    """
    comma = translate("directions.comma", lang)
    sentences: list[list[str]] = [[]]
    for step in route.steps:
        if step.kind is StepKind.RIDE and sentences[-1]:
            sentences.append([])
        sentences[-1].append(_clause(step, lang))
    return tuple(_capitalise(comma.join(s)) for s in sentences if s)


def summary(route: Route, lang: str) -> str:
    """One line for the badge.

    "5楼 503室 · 2号电梯 右转" / "Floor 5, room 503 · Elevator 2, turn right".
    """
    place = translate(
        "directions.summary.place",
        lang,
        floor=route.goal.floor_label,
        place=route.goal.label(lang),
    )
    rides = route.rides()
    turn = next(
        (
            s.turn
            for s in route.steps
            if s.kind in (StepKind.START, StepKind.TURN)
            and (not rides or route.steps.index(s) > route.steps.index(rides[-1]))
        ),
        None,
    )
    turn_text = translate(f"directions.turn.{turn}", lang) if turn else ""
    via = ""
    if rides and rides[-1].target is not None:
        name = rides[-1].target.text(lang)
        via = (
            translate("directions.summary.via", lang, name=name, turn=turn_text)
            if turn_text
            else name
        )
    text = translate("directions.summary", lang, place=place, via=via) if via else place
    return _capitalise(text)
