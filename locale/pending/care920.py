"""Translations of issue 9 and 20's remainders (dismissal withdraws, late-pickup policy,
incident correction, consent in the binding flow, anonymisation)."""

T = {
    # plans: late pickups' own follow-up parameters
    ("", "late pickups that flag a child"): "迟接达到多少次标记跟进",
    ("", "late pickups counted over this many days"): "迟接统计的天数范围",
    # enrollment: the school withdraws a participant
    ("", "Withdrawn by the school"): "学校办理退出",
    (
        "",
        "Only a participating child can be withdrawn; the application is %(status)s.",
    ): "只有正在参加课后服务的学生才能办理退出；该申请当前为：%(status)s。",
    ("", "Give the reason for the withdrawal."): "请填写退出原因。",
    ("", "The last day cannot be before %(date)s."): "最后服务日不能早于 %(date)s。",
    (
        "",
        "The school ends the after-school service of %(student)s",
    ): "学校终止%(student)s的课后服务",
    (
        "",
        "The last day of service is %(date)s. Reason: %(reason)s",
    ): "最后服务日为 %(date)s。原因：%(reason)s",
    # safety: correcting an incident before acknowledgement
    ("", "photos"): "照片",
    (
        "",
        "The teacher corrected the incident report about %(child)s",
    ): "老师更正了关于%(child)s的事件报告",
    ("", "Corrected: %(fields)s. Please read it again."): "更正内容：%(fields)s。请重新查看。",
    ("", "Corrected. The guardians have been told."): "已更正，并已通知监护人。",
    ("", "Correct the incident report"): "更正事件报告",
    (
        "",
        "No guardian has acknowledged this report yet, so you may still correct it. The "
        "guardians are told what you changed.",
    ): "监护人尚未确认此报告，您仍可更正。更正的内容会通知监护人。",
    ("", "Save the correction and tell the guardians"): "保存更正并通知监护人",
    (
        "",
        "Correct the report (until a guardian acknowledges it)",
    ): "更正报告（监护人确认前可更正）",
    # safety: consent in the binding flow
    (
        "",
        "%(name)s is now linked to your account. Last step of the binding: read what the "
        "school keeps about your child and decide for each purpose.",
    ): "%(name)s已绑定到您的账号。绑定的最后一步：请阅读学校保存孩子哪些信息，并逐项作出同意与否的决定。",
    ("", "Decide later (it stays on your home page)"): "稍后决定（会留在您的首页待办中）",
}
