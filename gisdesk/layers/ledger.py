"""The ledger's status workflow (docs/domain.md §2). Its history is append-only in the project."""

from __future__ import annotations

from gisdesk.errors import ValidationError

# Which status may follow which. Outcomes (demolished, confiscated, permit granted,
# not filed) all lead to 已结案 (closed), which ends the case.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "待核查": ("已立案", "不予立案"),
    "已立案": ("责令停止", "限期整改", "限期拆除", "没收", "补办手续"),
    "责令停止": ("限期整改", "限期拆除", "没收", "补办手续"),
    "限期整改": ("催告", "补办手续", "已拆除", "没收"),
    "限期拆除": ("催告", "已拆除", "没收"),
    "催告": ("强拆公告", "已拆除", "没收", "补办手续"),
    "强拆公告": ("已拆除",),
    "已拆除": ("已结案",),
    "没收": ("已结案",),
    "补办手续": ("已结案",),
    "不予立案": ("已结案",),
    "已结案": (),
}
FIRST_STATUS = "待核查"
# Cases with a decision: a deadline to correct or demolish was set, or an outcome reached.
DECIDED = frozenset({"限期整改", "限期拆除", "催告", "强拆公告", "已拆除", "没收", "补办手续", "已结案"})
DEMOLISHED = frozenset({"已拆除"})


def check_transition(case_no: str, old: str, new: str) -> None:
    """Raise ValidationError unless `new` may follow `old` in the workflow."""
    if new not in TRANSITIONS.get(old, ()):
        allowed = "、".join(TRANSITIONS.get(old, ())) or "—"
        raise ValidationError(
            "案件 {case}：状态不能从「{old}」改为「{new}」；可改为：{allowed}",
            "case {case}: status cannot change from '{old}' to '{new}'; allowed: {allowed}",
            case=case_no, old=old, new=new, allowed=allowed,
        )


def path_to(status: str) -> list[str]:
    """The shortest sequence of statuses from 待核查 to `status` (for seeding history)."""
    paths = {FIRST_STATUS: [FIRST_STATUS]}
    queue = [FIRST_STATUS]
    while queue:
        current = queue.pop(0)
        for nxt in TRANSITIONS[current]:
            if nxt not in paths:
                paths[nxt] = paths[current] + [nxt]
                queue.append(nxt)
    return paths[status]


# The six stages of a 数字城管 case (digital city management, GB/T 30428): each ledger status
# belongs to one. A case is reported (发现), filed (立案), sent to the unit that must act with a
# deadline (派遣), acted on (处置: reminders and notices), checked after the act (核查: demolished,
# confiscated or made legal, awaiting the closing check) and closed (结案). 不予立案 ends a case
# without filing it: the platform closes such reports, so it is 结案 there.
CITY_STAGES = ("发现", "立案", "派遣", "处置", "核查", "结案")
STAGE_OF: dict[str, str] = {
    "待核查": "发现",
    "已立案": "立案",
    "责令停止": "派遣", "限期整改": "派遣", "限期拆除": "派遣",
    "催告": "处置", "强拆公告": "处置",
    "已拆除": "核查", "没收": "核查", "补办手续": "核查",
    "不予立案": "结案", "已结案": "结案",
}
# Statuses after which nothing is left for the responsible unit to do by a deadline.
SETTLED = frozenset(s for s, stage in STAGE_OF.items() if stage in ("核查", "结案"))


def stage_of(status: str) -> str | None:
    """The 数字城管 stage of a ledger status (None for an unknown status)."""
    return STAGE_OF.get(status)


def status_for_stage(old: str, stage: str) -> str | None:
    """The status a case at `old` moves to when the platform says it reached a later `stage`: the one
    legal next status of that stage, or None when there is none or several (派遣 after 立案 is an
    order to stop, to correct or to demolish; 核查 after 催告 is demolished, confiscated or made
    legal). gisdesk never guesses which, nor invents the steps between: such a case is left for a
    person to move on."""
    if stage not in CITY_STAGES or old not in STAGE_OF or CITY_STAGES.index(stage) <= CITY_STAGES.index(STAGE_OF[old]):
        return None  # at that stage already, or beyond it: the workflow never goes back
    nexts = [s for s in TRANSITIONS.get(old, ()) if STAGE_OF[s] == stage]
    return nexts[0] if len(nexts) == 1 else None


def overdue(status, deadline, today) -> bool:
    """Whether a case's deadline has passed with the act still to be done.

    `deadline` and `today` are dates or ISO date strings (a missing deadline is never overdue);
    a case that is demolished, confiscated, made legal, not filed or closed is never overdue."""
    import datetime as _dt

    if status in SETTLED or deadline is None or deadline == "" or deadline != deadline:  # NaN: no deadline
        return False
    if isinstance(deadline, str):
        try:
            deadline = _dt.date.fromisoformat(deadline[:10])
        except ValueError:
            return False
    if isinstance(today, str):
        today = _dt.date.fromisoformat(today[:10])
    if isinstance(deadline, _dt.datetime):
        deadline = deadline.date()
    return deadline < today
