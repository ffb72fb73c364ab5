# Issue 21 (accessibility, weight): strings of base.html, the shared includes and app.js labels.
T = {
    "Skip to main content": "跳到主要内容",
    "Table": "表格",
    "Actions": "操作",
    "Select": "选择",
    "After-school services (课后服务) of the district: every school’s plan, fees, registration and notices for families, teachers and schools.": "区课后服务平台：各校课后服务方案、收费标准、报名与通知，服务家长、教师和学校。",
}
PLURAL = {
    "unread message": ["条未读消息"],
}
