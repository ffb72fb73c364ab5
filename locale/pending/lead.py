T = {
    "a class with fewer participants merges into another group": "参加人数少于此数的班级与其他班合并编组",
    "A class at or above this size forms its own basic-care group.": "参加人数达到此数的班级单独编为一个基础托管组。",
    "small classes merge only within their stage (1–2, 3–4, 5–6)": "人数不足的班级只在本学段内合并（1–2、3–4、5–6年级）",
    "paid lessons per teacher per week": "每位教师每周计酬课时上限",
}
T.update({
    "pickup grace after the end of service (minutes)": "放学接送宽限时间（分钟）",
    "A child picked up later than this counts as a late pickup.": "超过此时间接走的记为迟接。",
    "unexcused absences that flag a child": "无故缺勤达到此次数时提醒关注",
    "counted over this many days": "统计天数",
    "recorded warnings before a child may be dismissed (劝退)": "劝退前须有的书面提醒次数",
    "Attendance and pickup": "考勤与接送",
})
