# Issue 10 (billing): translations of the strings added by helper 1 (late exemptions).
T = {
    ("", "Exemption verified after payment (减免退费)"): "缴费后核准减免（减免退费）",
    ("", "%(fee)s yuan: %(new)s%% reduction instead of %(old)s%%"): "%(fee)s元：减免%(new)s%%（原为%(old)s%%）",
    (
        "",
        "%(category)s (%(percent)s%% off) was verified on %(date)s, after you paid; it applies to this semester, so the difference is refunded",
    ): "%(category)s（减免%(percent)s%%）于%(date)s核准，晚于您的缴费；本学期适用，差额原路退回",
    (
        "",
        "You had already paid: %(amount)s yuan is refunded to the original payment; the invoice page shows how it was computed.",
    ): "您已缴费：%(amount)s元将原路退回；计算方法见缴费通知页面。",
}
