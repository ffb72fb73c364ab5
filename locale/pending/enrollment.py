# ruff: noqa: E501
"""Pending zh_Hans translations of the enrollment work of issue 7 (registration holes,
lottery commitment, binding confirmation, application history); the lead merges them."""

T = {
    # application history (models/history.py) and the parent's timeline
    "Approved by the class teacher": "班主任已审核通过",
    "On the public list": "已列入公示名单",
    "Enrolled: may attend": "已入学：可参加服务",
    "Enrolled: the child may attend": "已完成报名：孩子可以参加课后服务",
    "Class teacher passed it to the school with a note": "班主任已附意见提交学校",
    "step": "环节",
    "application step": "申请环节",
    "application history": "申请记录",
    "This step (%(step)s) is not possible while the application is %(status)s.": (
        "申请当前状态为“%(status)s”，不能进行“%(step)s”。"
    ),
    # priority verification
    "priority groups verified by the school": "经学校核实的优先群体",
    "The family did not declare %(groups)s; only declared groups can be verified.": (
        "家长未申报%(groups)s；只能核实家长申报的优先群体。"
    ),
    "This application was withdrawn.": "该申请已退出。",
    "Priority groups of %(student)s updated: only verified groups give priority.": (
        "已更新%(student)s的优先群体核实情况：只有经核实的群体才享有优先。"
    ),
    "Only priority groups the school has verified (✓) count; a group a family only declared "
    "(?) does not. Verify them in the list below.": (
        "只有经学校核实（✓）的优先群体才计入优先顺序；家长仅申报未核实（?）的不计入。请在下方名单中核实。"
    ),
    "verified by the school": "学校已核实",
    "Priority groups verified by the school": "经学校核实的优先类别",
    "declared, not verified": "已申报，未核实",
    ("priority groups", "Verify"): "核实",
    "Save the verification": "保存核实结果",
    # lottery
    "SHA-256 of the seed (hex).": "种子的 SHA-256 值（十六进制）。",
    "lottery commitment": "摇号种子承诺",
    "lottery commitments": "摇号种子承诺",
    "The tokens in draw order with tier and result.": "按摇号顺序排列的编号及其分组和结果。",
    "Masked names with their result, sorted by name.": "按姓名排序的脱敏姓名及结果。",
    "Tokens in draw order with rank, tier and result (no names).": (
        "按摇号顺序排列的编号及名次、分组和结果（不含姓名）。"
    ),
    "Masked names with their result, sorted by name (no token, tier or rank).": (
        "按姓名排序的脱敏姓名及结果（不含编号、分组和名次）。"
    ),
    "SHA-256 of the revealed seed equals the commitment.": "公布的种子的 SHA-256 与事先公示的承诺值一致。",
    "Re-running the draw from the seed and tokens gives the published order.": (
        "用种子和编号重新摇号，得到的顺序与公布的一致。"
    ),
    "The lottery for %(course)s has been drawn; it takes no more entries.": (
        "“%(course)s”已摇号，不再接受报名。"
    ),
    "The lottery is drawn after the registration window closes (%(time)s).": (
        "报名时段结束（%(time)s）后才能摇号。"
    ),
    "This course has no committed seed; publish the plan again to draw it.": (
        "该课程没有事先公示的摇号种子，请重新发布方案后再摇号。"
    ),
    "%(student)s drew place %(rank)d of %(total)d (%(tier)s). The draw can be checked by "
    "anyone on the public page.": (
        "%(student)s 摇号排名第 %(rank)d 位（共 %(total)d 人，%(tier)s）。任何人都可在公示页面核验摇号结果。"
    ),
    "priority group verified by the school": "经学校核实的优先群体",
    "general draw": "普通摇号",
    "Drawn with the seed committed at publication: %(seed)s.": (
        "已用发布方案时承诺的种子摇号：%(seed)s。"
    ),
    "Lottery": "摇号",
    "drawn": "摇号于",
    "Seed commitment": "摇号种子承诺",
    "Before anyone could enter, on %(when)s, the system drew a secret seed and published its "
    "SHA-256:": "在任何人报名之前（%(when)s），系统随机生成了保密的种子，并公示了它的 SHA-256 值：",
    "This draw was made before seeds were committed in advance.": "此次摇号早于“事先公示种子”功能上线。",
    "The seed, revealed at the draw:": "摇号时公开的种子：",
    "Commitment verified: SHA-256 of the seed equals the published commitment": (
        "承诺校验通过：种子的 SHA-256 与事先公示的值一致"
    ),
    "The seed does not match the commitment": "种子与事先公示的承诺值不一致",
    "Re-running the draw from the seed and the tokens gives the order below": (
        "用种子和编号重新摇号，结果与下表顺序一致"
    ),
    "Not drawn yet: the seed is revealed at the draw, after the registration window closes.": (
        "尚未摇号：报名时段结束后摇号时公开种子。"
    ),
    "Results": "结果",
    "Names are masked and listed in name order with their result only: whether a child is in a "
    "priority group is not made public. Each family sees its own place and group on its course "
    "page.": "姓名已脱敏，按姓名排序，只列出结果，不公开哪个孩子属于优先群体。每个家庭可在自己的课程页面查看名次和分组。",
    "Draw order by token": "按编号的摇号顺序",
    "Tier 0: priority groups verified by the school; tier 1: everyone else. Within a tier, "
    "entries are ordered by the SHA-256 of “seed:token”, ascending. Anyone can check it:": (
        "第 0 组：经学校核实的优先群体；第 1 组：其他报名者。组内按“种子:编号”的 SHA-256 值升序排列。任何人都可以核验："
    ),
    "Drawn place %(n)s": "摇号第 %(n)s 位",
    "only you see your group": "分组仅您本人可见",
    "Lottery: the seed's commitment and the result": "摇号：种子承诺与结果",
    # cancelled courses, round one
    "%(course)s has been cancelled and takes no registrations; choose another course.": (
        "“%(course)s”已取消开课，不再接受报名，请选择其他课程。"
    ),
    "Round one is open until %(time)s; close it after that.": (
        "第一轮报名到 %(time)s 才结束，请在结束后再关闭第一轮。"
    ),
    # binding
    "Waiting for the school": "等待学校确认",
    "Confirmed by the school": "学校已确认",
    "Refused by the school": "学校未予确认",
    "binding request": "绑定申请",
    "binding requests": "绑定申请",
    "%(n)d of your bindings are already waiting for their schools. Ask again once a school has "
    "answered.": "您已有 %(n)d 个绑定申请在等待学校确认，请在学校答复后再申请。",
    "Someone asked to be linked to %(child)s": "有人申请绑定为%(child)s的监护人",
    "%(guardian)s (%(relation)s, mobile ending in %(tail)s) asked to be linked to %(child)s as a "
    "guardian. The school checks the request first; if you do not know this person, contact the "
    "school.": (
        "%(guardian)s（%(relation)s，手机尾号 %(tail)s）申请绑定为%(child)s的监护人，"
        "学校核实后才会生效。如您不认识此人，请及时联系学校。"
    ),
    "A guardian binding waits for your confirmation": "有监护人绑定申请待您确认",
    "%(guardian)s (%(relation)s, mobile ending in %(tail)s) asked to be linked to %(child)s "
    "(%(class)s); the mobile is not the one on the roster.": (
        "%(guardian)s（%(relation)s，手机尾号 %(tail)s）申请绑定%(child)s（%(class)s），"
        "该手机号与学籍名册登记的监护人手机号不一致。"
    ),
    "This request was already answered (%(status)s).": "该申请已处理（%(status)s）。",
    "Give the reason for refusing.": "请填写不予确认的原因。",
    "%(child)s is now linked to your account": "%(child)s已绑定到您的账号",
    "The school confirmed you as a guardian.": "学校已确认您为监护人。",
    "The school did not confirm you as %(child)s's guardian": "学校未确认您为%(child)s的监护人",
    "The school confirms this binding first.": "此绑定需学校确认后生效。",
    "%(user)s is now a guardian of %(child)s.": "%(user)s 已成为%(child)s的监护人。",
    "The binding was refused; the parent is told why.": "已拒绝该绑定，并已告知家长原因。",
    "Your mobile number is not the guardian's number on %(name)s's school roster, so the school "
    "confirms the binding first. You will find the answer in your inbox.": (
        "您的手机号不是%(name)s学籍名册登记的监护人手机号，需由学校确认后才能绑定。结果将发送到您的消息中心。"
    ),
    "Bindings waiting for the school": "待学校确认的绑定",
    "A parent whose mobile number is the guardian's mobile on the roster is linked at once. "
    "Anyone else who knows a pupil's student number and name waits here until the school "
    "confirms them; they see nothing of the child before that. The child's guardians have been "
    "told.": (
        "手机号与学籍名册登记的监护人手机号一致的家长可直接绑定。其他人即使知道学籍号和姓名，"
        "也须在此等待学校确认，确认前看不到孩子的任何信息。孩子现有的监护人已收到通知。"
    ),
    "%(who)s (%(rel)s), mobile ending in %(tail)s, asked on %(when)s": (
        "%(who)s（%(rel)s），手机尾号 %(tail)s，申请于 %(when)s"
    ),
    "The roster's guardian mobile ends in %(tail)s.": "学籍名册登记的监护人手机尾号为 %(tail)s。",
    "The roster has no guardian mobile for this pupil.": "学籍名册未登记该学生的监护人手机号。",
    "Confirm as guardian": "确认为监护人",
    "Reason for refusing": "不予确认的原因",
    "Refuse": "拒绝",
    "No binding is waiting.": "没有待确认的绑定。",
}

PLURAL: dict[str, list[str]] = {}
