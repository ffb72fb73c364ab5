# ruff: noqa: E501
"""Helper 4's strings (issue 13: demo, district calendar, registration and roster pages)."""

T = {
    # the district calendar (ranges, month view)
    (
        "",
        "Leave empty for a single day. 国庆: 1 to 7 October, one entry.",
    ): "只有一天时留空。国庆：10月1日至7日，填一条即可。",
    ("", "A range covers at most %(n)d days."): "一段日期最多 %(n)d 天。",
    ("", "Previous month"): "上个月",
    ("", "Next month"): "下个月",
    ("weekday short", "Mon"): "一",
    ("weekday short", "Tue"): "二",
    ("weekday short", "Wed"): "三",
    ("weekday short", "Thu"): "四",
    ("weekday short", "Fri"): "五",
    ("weekday short", "Sat"): "六",
    ("weekday short", "Sun"): "日",
    ("", "Legend"): "图例",
    ("", "School day"): "上课日",
    ("", "Weekend"): "周末",
    ("", "Holidays, make-up days and events"): "节假日、调休和学校活动",
    ("", "Change this range"): "修改这段日期",
    # a course's registrants
    ("", "Who registered"): "报名名单",
    ("", "%(cap)s seats, opens at %(min)s"): "%(cap)s 个名额，满 %(min)s 人开班",
    ("", "Nobody has registered yet."): "还没有人报名。",
    ("", "Round"): "轮次",
    ("", "Registered at"): "报名时间",
    ("", "Course registrants exported"): "导出课程报名名单",
    ("", "Window closed: waiting for the draw"): "报名已截止，等待摇号",
    ("", "Below its minimum: %(n)s of %(min)s"): "未达开班人数：%(n)s / %(min)s",
    # the roster's student list
    ("", "Name or full student number"): "姓名或完整学籍号",
    ("", "Search"): "搜索",
    ("", "Show all"): "显示全部",
    (
        "",
        "Student numbers are matched in full (they are stored encrypted).",
    ): "学籍号须完整输入才能查到（学籍号加密保存）。",
    (
        "",
        "No student matches. A student number must be given in full.",
    ): "没有符合条件的学生。学籍号须完整输入。",
    ("", "No student on the roll yet: import the roster below."): "还没有学生名册：请在下方导入。",
    ("", "Pages"): "分页",
}

PLURAL = {
    ("", "%(n)s day", "%(n)s days"): "%(n)s 天",
    ("", "%(n)s registration", "%(n)s registrations"): "%(n)s 人报名",
    ("", "%(n)s student", "%(n)s students"): "%(n)s 名学生",
}
