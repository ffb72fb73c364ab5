# Issue 21 (accessibility, weight): strings of base.html, the shared includes and app.js labels.
T = {
    "Skip to main content": "跳到主要内容",
    "Table": "表格",
    "Actions": "操作",
    "Select": "选择",
    "After-school services (课后服务) of the district: every school’s plan, fees, registration and notices for families, teachers and schools.": "区课后服务平台：各校课后服务方案、收费标准、报名与通知，服务家长、教师和学校。",
    "The after-school services of %(district)s: every school’s plan for the semester, its status, fee standards and complaint hotline.": "%(district)s课后服务：各校本学期课后服务方案、审核状态、收费标准与投诉电话。",
    "%(school)s, %(semester)s: the published after-school service plan — times per grade, courses, fees and the complaint hotline.": "%(school)s %(semester)s课后服务方案（已公布）：各年级时段、课程、收费标准与投诉电话。",
    "%(school)s, %(semester)s: the published list of participants in after-school services, names masked.": "%(school)s %(semester)s课后服务参加学生名单公示（姓名已隐去部分）。",
    "The lottery of the course %(course)s: its seed and result, which anyone can re-run.": "课程“%(course)s”的摇号：公开种子与结果，任何人可复算。",
}
PLURAL = {
    "unread message": ["条未读消息"],
}
