"""Render IVR menus (:mod:`vcc.core.ivr`) into Asterisk dialplan contexts.

Every value that reaches the dialplan was validated by the menu's own checks:
sound names, DTMF keys, queue and menu ids, hours.
"""

from __future__ import annotations

from collections.abc import Iterable

from vcc.core.ivr import HangUp, IvrAction, IvrMenu, OpenHours, PlayAndHangUp, ToMenu, ToQueue


def context(menu_id: str) -> str:
    return f"vcc-ivr-{menu_id}"


def _action(action: IvrAction) -> list[str]:
    """Dialplan application calls that carry out an action."""
    match action:
        case ToQueue():
            return [
                f"Set(VCC_QUEUE={action.queue})",
                f"Set(VCC_PRIORITY={action.priority})",
                "Goto(vcc-enqueue,s,1)",
            ]
        case ToMenu():
            return [f"Goto({context(action.menu)},s,1)"]
        case PlayAndHangUp():
            return [f"Playback({action.sound})", "Hangup()"]
        case HangUp():
            return ["Hangup()"]


def _extension(exten: str, steps: list[str]) -> list[str]:
    first, *rest = steps
    return [f"exten => {exten},1,{first}", *(f" same => n,{step}" for step in rest)]


def _hours(hours: OpenHours | None) -> list[str]:
    if hours is None:
        return []
    checks = [f"GotoIfTime({times},{days},*,*?open)" for times, days in hours.ranges]
    return [*checks, f"Playback({hours.closed_sound})", "Hangup()"]


def render_menu(menu: IvrMenu) -> str:
    lines = [f"[{context(menu.id)}]", *_extension("s", ["Answer()", "Set(VCC_TRIES=0)"])]
    lines += [f" same => n,{step}" for step in _hours(menu.hours)]
    lines += [
        " same => n(open),NoOp(open hours)",  # where the hours checks jump to
        f" same => n(menu),Background({menu.prompt})",
        f" same => n,WaitExten({menu.timeout})",
    ]
    for key, action in sorted(menu.options.items()):
        lines += _extension(key, _action(action))
    # Background, not Playback: a caller who knows the right key need not wait.
    lines += _extension("i", [f"Background({menu.invalid_sound})", "Goto(retry,1)"])
    lines += _extension("t", ["Goto(retry,1)"])
    lines += _extension(
        "retry",
        [
            "Set(VCC_TRIES=$[${VCC_TRIES} + 1])",
            f"GotoIf($[${{VCC_TRIES}} >= {menu.attempts}]?failed)",
            "Goto(s,menu)",
        ],
    )
    first, *rest = _action(menu.on_failure)
    lines += [f" same => n(failed),{first}", *(f" same => n,{step}" for step in rest)]
    return "\n".join(lines) + "\n"


def render_menus(menus: Iterable[IvrMenu]) -> str:
    return "\n".join(render_menu(m) for m in menus)


def render_entries(menus: Iterable[IvrMenu]) -> str:
    """The numbers callers dial to reach top menus (in ``vcc-queues``)."""
    return "\n".join(
        f"exten => {m.extension},1,Goto({context(m.id)},s,1)" for m in menus if m.extension
    )
