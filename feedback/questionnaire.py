"""The default questionnaire (a preset, edited before opening like any other).

Worded from the seeds' own standards for the service (安全第一; 家长自愿; 不上课、不集中辅导、
不加重学生课业负担; 收费公示; 建立服务评价机制，定期进行评价; 办人民满意的教育): each scale
question asks the family's satisfaction, 1 (很不满意) to 5 (很满意). Questions are content the
district or the school writes in Chinese, stored as data (not interface strings).
"""

from __future__ import annotations

DEFAULT_TITLE = "课后服务家长满意度评价"
DEFAULT_INTRO = (
    "为了解课后服务开展情况、持续改进服务质量，请您根据孩子参加课后服务的实际情况作答。"
    "问卷匿名：学校和老师只能看到汇总结果，看不到您的答案。"
)

DEFAULT_QUESTIONS: tuple[dict, ...] = (
    {
        "kind": "scale",
        "about": "service",
        "text": "孩子在课后服务期间的安全看护（点名、交接、按时放学）",
    },
    {"kind": "scale", "about": "service", "text": "课后服务的时间安排方便您按时接孩子"},
    {"kind": "scale", "about": "service", "text": "作业辅导、阅读等基础托管对孩子的帮助"},
    {
        "kind": "scale",
        "about": "service",
        "text": "落实“不上新课、不集中补课、不加重学生课业负担”的情况",
    },
    {"kind": "scale", "about": "service", "text": "收费标准公示、收费规范透明"},
    {
        "kind": "scale",
        "about": "service",
        "text": "参加课后服务完全出于家长自愿、未被强制或变相强制",
    },
    {"kind": "scale", "about": "service", "text": "老师的责任心和对孩子的关心"},
    {"kind": "scale", "about": "service", "text": "总体而言，您对学校课后服务的满意程度"},
    {"kind": "scale", "about": "course", "text": "拓展课程的内容和老师的教学"},
    {
        "kind": "text",
        "about": "service",
        "text": "您对学校课后服务有什么意见和建议？",
        "required": False,
    },
)


def default_questions() -> list[dict]:
    return [{"required": True, **q} for q in DEFAULT_QUESTIONS]
