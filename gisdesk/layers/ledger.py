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
