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
}
PLURAL = {
    "Apps signed in with your account. Each sign-in lasts %(days)s day; changing your password signs every app out.": [
        "以下应用使用您的账号登录。每次登录有效 %(days)s 天；修改密码会让所有应用退出登录。"
    ],
}
