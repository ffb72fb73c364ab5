"""Translations of issue 13's language pass (helper 3): home to-dos, status labels, audit
payload labels, per-language formats, inbox messages rendered at read time."""

T = {
    # Home to-dos: these msgids were called through an alias (gettext_now) that xgettext
    # does not know, so makemessages never extracted them.
    ("", "%(semester)s: plan returned by the district"): "%(semester)s：方案被教育局退回",
    ("", "%(semester)s: plan draft, not yet submitted"): "%(semester)s：方案草稿，尚未提交",
    ("", "Complete it and submit it to the district for review."): "请完善后提交教育局审核。",
    ("", "%(semester)s: plan waiting for the district's review"): "%(semester)s：方案待教育局审核",
    ("", "submitted %(when)s"): "%(when)s提交",
    ("", "%(semester)s: plan approved, publish it"): "%(semester)s：方案已通过，请公示",
    ("", "%(semester)s: plan published"): "%(semester)s：方案已公示",
    ("", "published %(when)s"): "%(when)s公示",
    ("", "No plan for the current semester yet"): "本学期尚无方案",
    ("", "Every plan of the school"): "本校全部方案",
    ("", "school plans waiting for your review"): "份学校方案待您审核",
    ("", "Applications to handle"): "待处理的申请",
}
