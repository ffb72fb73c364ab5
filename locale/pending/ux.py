# Issue 13 (every role's screens): labels with their meaning, home to-do lists, review, guardrails.
T = {
    ("course", "name"): "课程名称",
    # home pages: to-do lists
    ("todo action", "Details"): "详情",
    "Seat offered in %(course)s: accept it": "「%(course)s」有空余名额：请确认是否接受",
    "before %(when)s": "截止 %(when)s",
    ("todo action", "Accept or decline"): "接受或放弃",
    "The school has not published its after-school plan yet": "学校尚未公布课后服务方案",
    "Apply for after-school service": "申请课后服务",
    ("todo action", "Apply"): "去申请",
    "Applied: waiting for the class teacher's review": "已申请：等待班主任审核",
    "applied %(when)s": "申请于 %(when)s",
    "Reviewed by the class teacher: waiting for the school's approval": "班主任已审核：等待学校审批",
    "Not admitted": "未获批准",
    "Withdrawal requested: waiting for the school": "已申请退出：等待学校处理",
    "Sign the service agreement": "签署课后服务协议",
    ("todo action", "Sign"): "去签署",
    "Confirm the accident insurance (学平险)": "确认学平险",
    ("todo action", "Confirm"): "去确认",
    "Enrolled: the child may attend": "已完成报名：孩子可以参加课后服务",
    ("todo action", "Extended courses"): "拓展课程",
    "applications waiting for your review": "份申请等待您审核",
    ("todo action", "Review"): "去审核",
    "applications reviewed by class teachers, waiting for your approval": "份申请班主任已审核，等待学校审批",
    ("todo action", "Approve"): "去审批",
    "withdrawal requests to decide": "份退出申请待处理",
    ("todo action", "Decide"): "去处理",
    "approved children not yet on the public participant list": "名已批准学生尚未公示",
    ("todo action", "Publish"): "去公示",
    "applications still with the class teachers": "份申请仍在班主任审核中",
    ("todo action", "See"): "查看",
    "participants without a signed agreement or confirmed insurance": "名学生尚未签协议或未确认学平险",
    "%(unsigned)s not signed, %(uninsured)s insurance not confirmed": "%(unsigned)s 名未签协议，%(uninsured)s 名未确认学平险",
    "Applications to handle": "待处理的申请",
    "To review": "待审核",
}
PLURAL = {}
T.update(
    {
        ("todo action", "Revise"): "去修改",
        ("todo action", "Continue"): "继续填写",
        ("todo action", "Create"): "去创建",
        "%(semester)s: plan returned by the district": "%(semester)s：方案被区教育局退回",
        "%(semester)s: plan draft, not yet submitted": "%(semester)s：方案草稿，尚未提交",
        "Complete it and submit it to the district for review.": "填写完整后提交区教育局审核。",
        "%(semester)s: plan waiting for the district's review": "%(semester)s：方案已提交，等待区教育局审核",
        "submitted %(when)s": "提交于 %(when)s",
        "%(semester)s: plan approved, publish it": "%(semester)s：方案已批准，请发布",
        "%(semester)s: plan published": "%(semester)s：方案已发布",
        "published %(when)s": "发布于 %(when)s",
        "No plan for the current semester yet": "本学期尚未制定课后服务方案",
        "Every plan of the school": "本校全部方案",
        "school plans waiting for your review": "份学校方案等待您审核",
    }
)
# the homeroom teacher's review: batch approval, confirmations; the school's bulk approval
T.update(
    {
        "Select the applications to approve first.": "请先勾选要通过的申请。",
        "Select all on this page": "全选本页",
        "Approve the selected": "通过所选申请",
        ("batch", "Select"): "选择",
        "Nothing waits for your review.": "暂无待审核的申请。",
        "Approve these applications?": "确认通过这些申请？",
        "Yes, approve them": "确认通过",
        "Approve every waiting application?": "核准全部等待中的申请？",
        # plans: guardrails
        "Approve this plan?": "确认批准该方案？",
        "Once approved, this version can no longer be changed: the school may publish it and charge the fees it sets. Changes afterwards need an amendment and a new review.": "批准后该版本不可再修改：学校可据此公示方案并按其标准收费。之后如需改动，须提交修订版并重新审核。",
        "Your comment to the school": "给学校的意见",
        "Yes, approve the plan": "确认批准",
        "Back to the plan": "返回方案",
        "District cap: %(cap)s yuan per lesson.": "区政策上限：每课时 %(cap)s 元。",
        "The district sets no cap per lesson.": "区政策未设每课时收费上限。",
        "Change the dates": "修改时间",
    }
)
PLURAL.update(
    {
        "%(n)d application approved by the class.": ["班主任已通过 %(n)d 份申请。"],
        "%(n)d application was decided meanwhile and left as it is.": [
            "%(n)d 份申请已被他人处理，保持不变。"
        ],
        "%(n)s application will be approved by the class and passed to the school:": [
            "以下 %(n)s 份申请将由班主任通过并交学校核准："
        ],
        "No application is ticked and no number is given: %(n)s waiting application will be approved, priority groups first.": [
            "未勾选申请，也未填写数量：将按优先顺序核准全部 %(n)s 份等待中的申请。"
        ],
        "%(n)s of them has not been reviewed by the class teacher yet.": [
            "其中 %(n)s 份尚未经班主任审核。"
        ],
        "Approve %(n)s application": ["核准全部 %(n)s 份"],
        "This registration window has already closed; families could not register under this plan:": [
            "以下报名时段已经结束，按此方案家长将无法报名："
        ],
    }
)
# the public landing page and the demo logins
T.update(
    {
        "The district's platform for after-school services (课后服务): each school publishes its plan and fees approved by the education bureau; parents apply and register for courses on their phone; teachers review applications and take the roll; the bureau oversees every school.": "区课后服务管理平台：各校公示经教育局审批的课后服务方案和收费标准；家长用手机申请、报名拓展课程；老师审核申请、每日点名；教育局监管每一所学校。",
        "New parent? Sign up with your mobile number": "新家长？用手机号注册",
        "Public information": "公开信息",
        "Without logging in: each school's published plan, its fees and complaint hotline, and the list of participants (names masked).": "无需登录即可查看：各校已公示的课后服务方案、收费标准与投诉电话，以及参加学生名单（姓名脱敏）。",
        "Schools and plans": "学校与方案",
        "Who does what": "谁在这里做什么",
        "Parents": "家长",
        "bind a child, apply, sign the agreement, register for courses, pay, ask for leave": "绑定孩子、申请、签协议、报名课程、缴费、请假",
        "Homeroom teachers": "班主任",
        "review their class's applications, take the roll, hand children over": "审核本班申请、点名、交接学生",
        "Schools": "学校",
        "write the plan (一校一案), approve applications, group students and staff, bill the semester": "制定一校一案、核准申请、编班排班、学期收费",
        "Education bureau": "教育局",
        "sets the policy, approves plans, watches the dashboard and its alerts": "制定政策、审批方案、查看监管看板与预警",
        "Demo mode: the login page lists accounts to try each role.": "演示模式：登录页列出了各角色的试用账号。",
        "Tap a login to fill the form.": "点按账号即可填入登录表单。",
    }
)
# the audit log's details (aftercare.actions.PAYLOAD_LABELS)
T.update(
    {
        "active": "有效",
        "added": "新增",
        "amount": "金额",
        "time": "时间",
        "basic care": "基础托管",
        "in bulk": "批量",
        "by": "操作人",
        "cancelled": "已取消",
        "capacity": "容量",
        "changed": "变更",
        "changes": "变更",
        "channel": "渠道",
        "comment": "意见",
        "number": "数量",
        "counts": "统计",
        ("audit", "course"): "课程",
        "created": "新建",
        "date": "日期",
        "deleted": "删除",
        "until": "至",
        "last day": "最后一天",
        "fields": "字段",
        "first time": "首次",
        "format": "格式",
        ("person", "name"): "姓名",
        "groups": "组数",
        "institution": "机构",
        "kind": "类型",
        "mobile number": "手机号",
        ("audit", "name"): "名称",
        "needs a parent's accompaniment": "需家长陪同",
        "note": "备注",
        "part of the plan": "方案部分",
        "participants": "参加人数",
        "preset": "模板",
        "priority groups": "优先群体",
        "order": "顺序",
        "reason": "原因",
        "relation to the child": "与孩子关系",
        "role": "角色",
        "room": "教室",
        "round": "轮次",
        "rows": "行数",
        "rule": "规则",
        "semester": "学期",
        "from": "自",
        "first day": "第一天",
        "status": "状态",
        "student": "学生",
        "total": "合计",
        "version": "版本",
        "late": "迟到",
        "absent": "缺席",
        "present": "出勤",
        "on leave": "请假",
        "yes": "是",
        "no": "否",
    }
)
# the parent's course page
T.update(
    {
        "Registration is not open now; the next round opens %(when)s.": "当前不在报名时间内；下一轮报名 %(when)s 开始。",
    }
)
PLURAL.update(
    {
        "%(n)s course for other grades is not shown.": ["另有 %(n)s 门课程面向其他年级，未列出。"],
    }
)
# a lottery not drawn yet
T.update(
    {
        "Not drawn yet": "尚未抽签",
        "Entries from %(opens)s to %(closes)s; the lottery is drawn after entries close, and its seed and result are published here.": "报名时间 %(opens)s 至 %(closes)s；报名截止后抽签，抽签种子和结果将在此公布。",
    }
)
# the principal's course registration page
T.update(
    {
        ("round", "ended"): "已结束",
        ("round", "open now"): "进行中",
        ("round", "not started"): "未开始",
        "Registration ended": "报名已结束",
        "Registration not started": "报名未开始",
    }
)
# the public plan page
T.update({"List of participants (公示名单)": "参加学生公示名单"})
