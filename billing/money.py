"""Money helpers: amounts are integer fen in billing; yuan (Decimal, 2 places) at the edges."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
DIGITS = "零壹贰叁肆伍陆柒捌玖"


def to_fen(yuan: Decimal | int | str) -> int:
    """Yuan -> fen, exactly (half up beyond the cent)."""
    return int((Decimal(yuan) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def fmt(fen: int) -> str:
    """``12345`` -> ``123.45``."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def percent_of(fen: int, percent: int) -> int:
    """``percent`` % of ``fen``, rounded half up to the fen."""
    return int((Decimal(fen) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def share(fen: int, part: int, whole: int) -> int:
    """``fen`` × part / whole, rounded half up (0 when whole is 0)."""
    if not whole:
        return 0
    return int((Decimal(fen) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def capitals(fen: int) -> str:
    """Amount in Chinese capitals for receipts: 12345 -> 壹佰贰拾叁元肆角伍分."""
    if fen == 0:
        return "零元整"
    yuan, jiao, cents = fen // 100, (fen // 10) % 10, fen % 10
    out = ""
    if yuan:
        out = _integer(yuan) + "元"
    if jiao == 0 and cents == 0:
        return out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if cents:
        out += DIGITS[cents] + "分"
    else:
        out += "整"
    return out


def _integer(n: int) -> str:
    """Integer yuan in capitals, high groups first, one 零 for each run of missing digits."""
    units = ["", "拾", "佰", "仟"]
    digits = str(n)
    out = ""
    zero = False
    for pos, ch in enumerate(digits):
        place = len(digits) - 1 - pos
        d = int(ch)
        if d:
            if zero:
                out += "零"
            out += DIGITS[d] + units[place % 4]
            zero = False
        else:
            zero = True
        if place % 4 == 0 and place:
            group = digits[max(0, pos - 3) : pos + 1]
            if int(group):
                out += "万" if place == 4 else "亿"
    return out
