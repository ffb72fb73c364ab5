"""Parent sign-up with an SMS code: codes, limits, the account, and where the parent lands."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from aftercare.errors import InvalidInput
from aftercare.models import AuditEvent, User
from aftercare.sms import LoggingBackend
from enrollment.errors import AlreadyRegistered, TooManyRequests
from enrollment.models import SmsCode
from enrollment.services import families as services
from enrollment.services.families import signup as signup_services

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
PASSWORD = "kehou-parent-2026"


@pytest.fixture(autouse=True)
def _empty_outbox():
    LoggingBackend.outbox.clear()
    yield
    LoggingBackend.outbox.clear()


def last_code(mobile=MOBILE) -> str:
    to, text = LoggingBackend.outbox[-1]
    assert to == mobile
    return re.search(r"\b(\d{6})\b", text).group(1)


def age_codes(mobile=MOBILE, **delta):
    """Move the mobile's codes into the past (as if time had passed)."""
    SmsCode.objects.filter(mobile=mobile).update(
        created_at=F("created_at") - timedelta(**delta),
        expires_at=F("expires_at") - timedelta(**delta),
    )


def sign_up(code, **kw):
    data = {"mobile": MOBILE, "code": code, "full_name": "林晓燕", "password": PASSWORD, **kw}
    return services.sign_up_parent(**data)


def test_a_code_is_texted_and_only_its_hash_is_stored():
    services.request_signup_code(mobile="+86 139-1234-5678")
    to, text = LoggingBackend.outbox[-1]
    code = last_code()
    assert to == MOBILE
    assert (
        text == f"【课后服务】您的注册验证码为 {code}，10 分钟内有效。如非本人操作，请忽略本短信。"
    )
    sms = SmsCode.objects.get()
    assert code not in sms.code_hash and len(sms.code_hash) == 64
    assert sms.expires_at - sms.created_at == timedelta(minutes=10)


def test_sign_up_creates_a_parent_without_user_name():
    services.request_signup_code(mobile=MOBILE, ip_address="10.0.0.7")
    user = sign_up(last_code(), full_name="  林晓燕 ", ip_address="10.0.0.7")
    assert (user.mobile, user.username, user.full_name) == (MOBILE, None, "林晓燕")
    assert user.check_password(PASSWORD)
    assert not user.memberships.exists()
    event = AuditEvent.objects.get(action="account.signed_up")
    assert (event.actor, event.ip_address) == (user, "10.0.0.7")
    assert SmsCode.objects.get().used_at is not None
    with pytest.raises(AlreadyRegistered):  # the code is spent and the number taken
        sign_up(last_code())


def test_an_expired_code_is_refused():
    services.request_signup_code(mobile=MOBILE)
    age_codes(minutes=10)
    with pytest.raises(InvalidInput) as caught:
        sign_up(last_code())
    assert caught.value.fields == {"code": ["验证码已失效，请重新获取。"]}
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_five_wrong_codes_use_the_code_up():
    services.request_signup_code(mobile=MOBILE)
    right = last_code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    messages = []
    for _ in range(5):
        with pytest.raises(InvalidInput) as caught:
            sign_up(wrong)
        messages += caught.value.fields["code"]
    assert messages == [
        "验证码错误，还可以再试 4 次。",
        "验证码错误，还可以再试 3 次。",
        "验证码错误，还可以再试 2 次。",
        "验证码错误，还可以再试 1 次。",
        "验证码输入错误次数过多，请重新获取。",
    ]
    assert SmsCode.objects.get().attempts == 5  # counted although every call failed
    with pytest.raises(InvalidInput) as caught:
        sign_up(right)
    assert caught.value.fields == {"code": ["验证码输入错误次数过多，请重新获取。"]}
    age_codes(seconds=61)
    services.request_signup_code(mobile=MOBILE)  # a new code starts afresh
    assert sign_up(last_code()).mobile == MOBILE


def test_a_malformed_code_is_not_counted():
    services.request_signup_code(mobile=MOBILE)
    with pytest.raises(InvalidInput) as caught:
        sign_up("12ab")
    assert caught.value.fields["code"] == ["验证码为 6 位数字。"]
    assert SmsCode.objects.get().attempts == 0


def test_resend_cooldown_and_the_newest_code_wins():
    services.request_signup_code(mobile=MOBILE)
    first = last_code()
    with pytest.raises(TooManyRequests) as caught:
        services.request_signup_code(mobile=MOBILE)
    assert caught.value.code == "sms_cooldown" and caught.value.status == 429
    assert re.fullmatch(r"验证码已发送，请 (60|59) 秒后再重新获取。", str(caught.value.message))
    assert len(LoggingBackend.outbox) == 1
    age_codes(seconds=61)
    services.request_signup_code(mobile=MOBILE)
    second = last_code()
    if first != second:
        with pytest.raises(InvalidInput):  # the superseded code no longer works
            sign_up(first)
    assert sign_up(second).mobile == MOBILE


def test_at_most_ten_codes_per_mobile_and_day(monkeypatch):
    noon = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: noon)
    yesterday = noon - timedelta(hours=12, minutes=1)
    for minutes_ago in range(2, 11):  # nine codes this morning
        at = noon - timedelta(minutes=minutes_ago)
        SmsCode.objects.create(
            mobile=MOBILE,
            purpose="signup",
            code_hash="x",
            created_at=at,
            expires_at=at + timedelta(minutes=10),
        )
    SmsCode.objects.create(  # yesterday's does not count
        mobile=MOBILE,
        purpose="signup",
        code_hash="x",
        created_at=yesterday,
        expires_at=yesterday + timedelta(minutes=10),
    )
    services.request_signup_code(mobile=MOBILE)  # the tenth today
    monkeypatch.setattr(timezone, "now", lambda: noon + timedelta(minutes=5))
    with pytest.raises(TooManyRequests) as caught:
        services.request_signup_code(mobile=MOBILE)
    assert caught.value.code == "sms_daily_limit"
    assert str(caught.value.message) == "该手机号今天已获取 10 次验证码，已达当日上限，请明天再试。"
    assert len(LoggingBackend.outbox) == 1


def test_a_registered_mobile_is_told_to_log_in(world):
    parent = world.users["parent_a1"]
    with pytest.raises(AlreadyRegistered) as caught:
        services.request_signup_code(mobile=parent.mobile)
    assert str(caught.value.message) == "该手机号已注册，请直接登录。"
    assert caught.value.status == 409
    assert not LoggingBackend.outbox


def test_a_weak_password_does_not_spend_the_code():
    services.request_signup_code(mobile=MOBILE)
    with pytest.raises(InvalidInput) as caught:
        sign_up(last_code(), password="12345678", full_name="")
    fields = caught.value.fields
    assert fields["full_name"] == ["请填写您的姓名。"]
    assert fields["password"] == ["这个密码太常见了。", "密码只包含数字。"]
    assert "code" not in fields
    assert sign_up(last_code()).mobile == MOBILE


def test_a_failing_sms_gateway_keeps_the_code_and_texts_it_later(monkeypatch):
    """The text leaves after the commit (aftercare.notifications): a gateway that fails then
    does not fail the request; the outbox sends the code when the gateway is back."""
    from aftercare import notifications
    from aftercare.models import OutboxMessage

    def broken(self, mobile, text):
        raise ConnectionError("gateway down")

    monkeypatch.setattr(LoggingBackend, "send", broken)
    services.request_signup_code(mobile=MOBILE)
    assert SmsCode.objects.count() == 1 and not LoggingBackend.outbox
    message = next(m for m in OutboxMessage.objects.all() if m.mobile == MOBILE)
    assert message.sent_at is None and message.error == "ConnectionError: gateway down"
    monkeypatch.undo()
    notifications.redispatch_pending(now=timezone.now() + timedelta(minutes=2))
    assert sign_up(last_code()).mobile == MOBILE


def test_an_invalid_mobile_is_refused():
    with pytest.raises(InvalidInput) as caught:
        services.request_signup_code(mobile="1234")
    assert caught.value.fields == {"mobile": ["请输入有效的11位手机号码。"]}


# --------------------------------------------------------------------------- pages


def test_sign_up_in_the_browser_pages_then_land_on_bind(db, client):
    login_page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("signup")}"' in login_page and "用手机号注册" in login_page

    response = client.post(reverse("signup"), {"mobile": MOBILE})
    assert response.status_code == 302 and response.url == reverse("signup_verify")
    verify = client.get(response.url).content.decode()
    assert "验证码已发送至 139****5678，10 分钟内有效。" in verify

    response = client.post(
        reverse("signup_verify"),
        {
            "code": last_code(),
            "full_name": "林晓燕",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302 and response.url == reverse("bind_child")
    user = User.objects.get(mobile=MOBILE)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("home")).url == reverse("bind_child")
    assert client.get(reverse("signup")).url == reverse("home")


def test_signup_pages_show_errors_in_place(world, client):
    taken = client.post(reverse("signup"), {"mobile": world.users["parent_a1"].mobile})
    assert taken.context["form"].errors["mobile"] == ["该手机号已注册，请直接登录。"]
    assert 'data-testid="go-login"' in taken.content.decode()

    client.post(reverse("signup"), {"mobile": MOBILE})
    url = reverse("signup_verify")
    data = {"code": "000000", "full_name": "林", "password1": PASSWORD, "password2": "x"}
    mismatch = client.post(url, data)
    assert mismatch.context["form"].errors == {"password2": ["两次输入的密码不一致。"]}
    wrong_code = "000000" if last_code() != "000000" else "111111"
    wrong = client.post(url, {**data, "code": wrong_code, "password2": PASSWORD})
    assert wrong.context["form"].errors == {"code": ["验证码错误，还可以再试 4 次。"]}
    weak = client.post(url, {**data, "code": last_code(), "password1": "1", "password2": "1"})
    assert "密码只包含数字。" in weak.context["form"].errors["password1"]
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_asking_again_too_soon_goes_on_to_the_code_page(db, client):
    client.post(reverse("signup"), {"mobile": MOBILE})
    again = client.post(reverse("signup"), {"mobile": MOBILE}, follow=True)
    assert again.redirect_chain[-1][0] == reverse("signup_verify")
    assert "秒后再重新获取" in again.content.decode()
    resend = client.post(reverse("signup_resend"), follow=True)
    assert "秒后再重新获取" in resend.content.decode()
    assert len(LoggingBackend.outbox) == 1
    age_codes(seconds=61)
    resent = client.post(reverse("signup_resend"), follow=True)
    assert "新的验证码已发送至 139****5678。" in resent.content.decode()
    assert len(LoggingBackend.outbox) == 2


def test_the_code_page_needs_a_mobile_first(db, client):
    assert client.get(reverse("signup_verify")).url == reverse("signup")


# --------------------------------------------------------------------------- concurrency


def _two_requests_at_once(monkeypatch):
    """Both requests pass their checks before either stores its code (a pause between)."""
    import threading
    import time

    from django.db import connections

    original = signup_services._local_midnight

    def slow_midnight(now):
        time.sleep(0.4)
        return original(now)

    monkeypatch.setattr(signup_services, "_local_midnight", slow_midnight)
    outcomes: list = []
    start = threading.Barrier(2)

    def ask():
        try:
            start.wait(5)
            services.request_signup_code(mobile=MOBILE)
            outcomes.append("sent")
        except TooManyRequests as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_without_the_lock_two_requests_would_both_send(monkeypatch):
    monkeypatch.setattr(signup_services, "_advisory_lock", lambda key: None)
    assert _two_requests_at_once(monkeypatch) == ["sent", "sent"]
    assert SmsCode.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_send_one_code(monkeypatch):
    assert _two_requests_at_once(monkeypatch) == ["sent", "sms_cooldown"]
    assert SmsCode.objects.count() == 1 and len(LoggingBackend.outbox) == 1


def test_codes_per_client_address_are_limited(db, settings):
    from enrollment.services.families import request_signup_code

    settings.SMS_IP_LIMIT_PER_HOUR = 2
    request_signup_code(mobile="13711110001", ip_address="10.0.0.7")
    request_signup_code(mobile="13711110002", ip_address="10.0.0.7")
    with pytest.raises(TooManyRequests) as err:
        request_signup_code(mobile="13711110003", ip_address="10.0.0.7")
    assert err.value.code == "sms_ip_limit"
    request_signup_code(mobile="13711110003", ip_address="10.0.0.8")  # another network
    settings.SMS_IP_LIMIT_PER_HOUR = 0  # off
    request_signup_code(mobile="13711110004", ip_address="10.0.0.7")
