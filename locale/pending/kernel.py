"""Pending zh_Hans translations of the kernel work (client address, outbox, errors, parser)."""

T = {
    "inbox": "站内消息",
    "text message": "短信",
    "JSON parse error - the data is nested too deeply.": "JSON 解析错误：数据嵌套层数过多。",
    "JSON parse error - the body must be a JSON object.": "JSON 解析错误：请求体必须是 JSON 对象。",
    "The request is malformed.": "请求格式不正确。",
    "Bad request": "请求有误",
    "Not possible now": "当前无法办理",
    "Not accepted": "未被受理",
    "Back": "返回",
    "Only district officials, principals and school administrators see the calendar.": (
        "只有区教育局工作人员、校长和学校管理员可以查看校历。"
    ),
    "Only principals and school administrators have a school.": (
        "只有校长和学校管理员有所属学校页面。"
    ),
}
PLURAL = {}
