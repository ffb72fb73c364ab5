T = {
    "a class with fewer participants merges into another group": "参加人数少于此数的班级与其他班合并编组",
    "A class at or above this size forms its own basic-care group.": "参加人数达到此数的班级单独编为一个基础托管组。",
    "small classes merge only within their stage (1–2, 3–4, 5–6)": "人数不足的班级只在本学段内合并（1–2、3–4、5–6年级）",
    "paid lessons per teacher per week": "每位教师每周计酬课时上限",
}
