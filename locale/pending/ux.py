# Issue 13 (every role's screens): labels with their meaning, home to-do lists, review, guardrails.
T = {
    ("course", "name"): "课程名称",
}
PLURAL = {}
