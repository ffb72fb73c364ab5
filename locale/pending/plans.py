T = {
    "A semester named %(name)s already exists.": "已有名为“%(name)s”的学期。",
    "Each category keeps its code when it is renamed; billing records exemptions by that code.": "类别改名后代码不变；收费减免按此代码记录。",
    "Exemption category": "减免类别",
    "The exemption category code “%(code)s” is not valid: use lower-case letters, digits, - and _, at most 40 characters.": "减免类别代码“%(code)s”无效：只能使用小写英文字母、数字、- 和 _，最长 40 个字符。",
    "Two exemption categories use the same code %(code)s.": "两个减免类别使用了同一代码 %(code)s。",
    "reduction (%)": "减免比例（%）",
    "code": "代码",
}
PLURAL = {}
