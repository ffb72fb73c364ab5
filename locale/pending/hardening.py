# Issue 14 (hardening): the account's security page (API tokens per device, log out
# everywhere), token errors, and the strings of later slices (SMS, exports, masking, roster).
T = {
    "Sign-ins and devices": "登录设备",
    "The device %(name)s was signed out.": "已让设备 %(name)s 退出登录。",
    "You were logged out on every device.": "已在所有设备上退出登录。",
    "App": "应用",
    "signed in": "登录于",
    ("token", "last used"): "最近使用",
    "expires": "到期",
    "Sign out": "退出登录",
    "No app is signed in.": "没有已登录的应用。",
    "Log out everywhere": "在所有设备上退出",
    "Ends every session in every browser and signs every app out, this one included.": "结束所有浏览器中的会话，并让所有应用退出登录（包括当前这个）。",
    "Log out on every device?": "确定在所有设备上退出登录吗？",
    "Invalid or expired token.": "令牌无效或已过期。",
    "API token": "API 令牌",
    "API tokens": "API 令牌",
    "device": "设备",
    # The development SMS page (DEBUG only).
    "Texts held in development": "开发环境中暂存的短信",
    "The development SMS backend sends nothing: its last texts are here (15 minutes), never in a log. Production needs a real SMS_BACKEND.": "开发用短信后端不会真正发送短信：最近的短信暂存在这里（15 分钟），从不写入日志。生产环境必须配置真实的 SMS_BACKEND。",
    "No text yet.": "还没有短信。",
    "Refresh": "刷新",
    # Bad query parameters are refused (API).
    "Give true or false.": "请填写 true 或 false。",
    "Give a whole number of at least 1.": "请填写不小于 1 的整数。",
    "Choose a valid status.": "请选择有效的状态。",
    "Choose a valid category.": "请选择有效的类别。",
}
PLURAL = {
    "Apps signed in with your account. Each sign-in lasts %(days)s day; changing your password signs every app out.": [
        "以下应用使用您的账号登录。每次登录有效 %(days)s 天；修改密码会让所有应用退出登录。"
    ],
}
