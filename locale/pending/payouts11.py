"""Translations of issue 11's remainders (subsidy rule pages, safety incidents offered for the
subsidy, labour agreements, the batch payout job)."""

T = {
    ("", "Scheme and rates"): "方案与标准",
    ("", "Duty allowances and the admin share"): "值班补助与行政值班比例",
    ("", "Workload points scheme"): "工作量积分方案",
    ("", "Started from a preset"): "采用预设方案",
    ("", "Saved as a new version of the rules."): "已保存为新版本的补助规则。",
    ("", "Saved; the next payout runs use these values."): "已保存；此后的补助核算按此执行。",
    (
        "",
        "Recorded; the payout runs of the semester deduct it.",
    ): "已登记；本学期的补助核算将据此扣减。",
    (
        "",
        "Confirmed: the payout runs of the semester deduct it.",
    ): "已确认：本学期的补助核算将据此扣减。",
    ("", "Declined; the reason is recorded."): "已不予计入，原因已记录。",
    ("", "Saved; the next payout runs pay by it."): "已保存；此后的补助核算按协议支付。",
    (
        "",
        "Serious safety incidents to confirm for the subsidy deduction",
    ): "待确认是否扣减补助的重大安全事故",
    (
        "",
        "Confirm who is responsible and the deduction, or decline with a reason.",
    ): "确认责任人和扣减比例，或说明原因不予计入。",
    ("", "Only serious incidents are offered for the subsidy."): "只有重大安全事故才计入补助扣减。",
    ("", "Confirm or decline."): "请选择确认或不予计入。",
    ("", "Choose the staff member responsible."): "请选择责任人。",
    ("", "Give the deduction in percent."): "请填写扣减比例（%）。",
    ("", "Say why it does not count for the subsidy."): "请说明不计入补助扣减的原因。",
    (
        "",
        "This incident was already decided (%(decision)s).",
    ): "该事故已处理（%(decision)s）。",
    ("", "Safety incident record %(ref)s"): "安全事故记录 %(ref)s",
    ("", "This incident was already decided."): "该事故已处理。",
    ("", "Staff member responsible"): "责任人",
    ("", "Reason (when declining)"): "原因（不予计入时填写）",
    ("incident decision", "Confirmed for the subsidy"): "已确认扣减补助",
    ("incident decision", "Declined"): "不予计入",
    ("", "decision"): "处理结果",
    ("", "safety incident review"): "安全事故补助认定",
    ("", "safety incident reviews"): "安全事故补助认定",
    ("", "Safety incident confirmed for the subsidy"): "安全事故确认计入补助扣减",
    ("", "Safety incident declined for the subsidy"): "安全事故不予计入补助扣减",
    ("", "Subsidy rules"): "补助规则",
    ("", "Teacher subsidy rules"): "教师课后服务补助规则",
    (
        "",
        "In force: version %(version)s, saved %(when)s.",
    ): "现行：第%(version)s版，保存于%(when)s。",
    (
        "",
        "Each change is a new version; a payout run keeps the version it applied. Schools may "
        "set lower values within these rules.",
    ): "每次修改都生成新版本；补助核算记录其所用版本。学校可在本规则范围内设定较低的标准。",
    (
        "",
        "No rules yet for this semester: no payout run can start. Start from one of the seeds' "
        "schemes below.",
    ): "本学期尚未设定补助规则，无法核算补助。请先从下方方案中选择一个。",
    ("", "Start from a scheme"): "选择方案",
    ("", "Scheme"): "方案",
    ("", "Use this scheme"): "采用此方案",
    ("", "Change the rules"): "修改规则",
    (
        "",
        "Amounts in yuan. Percentages of the month's subsidy unless said otherwise.",
    ): "金额单位为元；百分比如无特别说明均指当月补助的百分比。",
    ("", "Our subsidy values"): "本校补助标准",
    (
        "",
        "The district has not set the subsidy rules of this semester yet.",
    ): "教育局尚未设定本学期的补助规则。",
    ("", "The district's rules"): "教育局规则",
    ("", "Rate"): "补助标准",
    ("", "Admin duty share"): "行政值班比例",
    ("", "Cap per person per month"): "每人每月上限",
    ("", "Our own values"): "本校标准",
    (
        "",
        "Leave a field empty to use the district's value. Values outside the district's rules "
        "are refused.",
    ): "留空即采用教育局的标准；超出教育局规则范围的数值不予保存。",
    ("", "The school has its own values:"): "本校已设定自己的标准：",
    ("", "Safety incidents and the subsidy"): "安全事故与补助扣减",
    (
        "",
        "A major safety incident not handled properly deducts a share of the responsible staff "
        "member's subsidy for the whole semester.",
    ): "重大安全事故处置不当的，按比例扣减责任人整个学期的课后服务补助。",
    ("", "Serious incidents to decide"): "待处理的重大事故",
    ("", "Confirm for the subsidy"): "确认扣减补助",
    ("", "Recorded for the subsidy"): "已计入补助扣减",
    ("", "of the semester"): "（学期）",
    ("", "Declined"): "不予计入",
    ("", "Labour agreements"): "劳务协议",
    ("", "Labour agreements (劳务费)"): "劳务协议（劳务费）",
    (
        "",
        "External hires, retired teachers and institution instructors are paid under their "
        "signed agreement, not the subsidy rules. Without one they are listed and not paid.",
    ): "外聘人员、退休教师和机构教师按所签劳务协议支付，不按补助规则。没有协议的只列出、不支付。",
    ("", "External staff"): "外聘人员",
    ("", "No agreement: not paid"): "无协议：不支付",
    ("", "The school has no external staff."): "本校没有外聘人员。",
    ("", "Record or change an agreement"): "登记或修改协议",
}
