"""Inbox messages read in the reader's language (aftercare.texts.Text kept with the message):
a message recorded while Chinese is active reads in English for an English reader, and the
other way round; messages stored before (text only) still show their text."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from aftercare import notifications
from aftercare.models import Notification
from aftercare.texts import Text, format_day, join_list
from tests.factories import DistrictFactory, UserFactory

TITLE = gettext_noop("Withdrawal of %(student)s requested")
BODY = gettext_noop("Last day asked for: %(date)s. The school will answer.")


def _send(language, **kw):
    district, user = DistrictFactory(), UserFactory()
    with translation.override(language):
        notifications.notify(
            recipient=user,
            district=district,
            title=Text(TITLE, student="李小明"),
            body=Text(BODY, date=dt.date(2026, 9, 7)),
            **kw,
        )
    return user, Notification.objects.get(recipient=user)


@pytest.mark.django_db
def test_sent_in_chinese_reads_in_english_and_chinese():
    _user, note = _send("zh-hans")
    assert note.title == "已提交李小明的退出申请"  # the fallback, rendered when sent
    with translation.override("en"):
        assert note.display_title == "Withdrawal of 李小明 requested"
        assert note.display_body == "Last day asked for: Sep 7. The school will answer."
    with translation.override("zh-hans"):
        assert note.display_title == "已提交李小明的退出申请"
        assert note.display_body == "申请的最后服务日期：9月7日。学校将予以答复。"


@pytest.mark.django_db
def test_sent_in_english_reads_in_chinese():
    _user, note = _send("en")
    assert note.title == "Withdrawal of 李小明 requested"
    with translation.override("zh-hans"):
        assert note.display_title == "已提交李小明的退出申请"


@pytest.mark.django_db
def test_many_messages_keep_their_texts(db):
    district, users = DistrictFactory(), [UserFactory(), UserFactory()]
    with translation.override("zh-hans"):
        sent = notifications.notify_many(
            [
                {"recipient": u, "district": district, "title": Text(TITLE, student=f"学生{i}")}
                for i, u in enumerate(users)
            ]
            + [{"recipient": users[0], "district": district, "title": "纯文本"}]
        )
    assert sent == 3
    with translation.override("en"):
        titles = sorted(n.display_title for n in Notification.objects.all())
    assert titles == ["Withdrawal of 学生0 requested", "Withdrawal of 学生1 requested", "纯文本"]


@pytest.mark.django_db
def test_inbox_page_and_api_in_the_readers_language(client):
    user, _note = _send("zh-hans")
    Notification.objects.create(district=_note.district, recipient=user, title="旧消息")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Withdrawal of 李小明 requested" in body
    assert "已提交李小明的退出申请" not in body
    assert "旧消息" in body  # a message stored before keeps its text
    client.cookies["django_language"] = "zh-hans"
    body = client.get(reverse("inbox")).content.decode()
    assert "已提交李小明的退出申请" in body


def test_text_keeps_data_and_translates_labels():
    from django.utils.translation import gettext_lazy, pgettext_lazy

    text = Text(gettext_lazy("Withdrawal of %(student)s requested"), student=gettext_lazy("yes"))
    assert text.to_json()["params"]["student"] == {"text": {"msgid": "yes"}}
    assert text.render("en") == "Withdrawal of yes requested"
    assert text.render("zh-hans") == "已提交是的退出申请"
    ctx = Text(pgettext_lazy("todo action", "See"))
    assert Text.from_json(ctx.to_json()).render("en") == "See"


def test_formats_per_language():
    day = dt.date(2026, 9, 7)
    assert format_day(day, language="zh-hans") == "9月7日"
    assert format_day(day, language="en") == "Sep 7"
    assert format_day(day, "weekday", language="en") == "Monday, Sep 7"
    assert format_day(day, "weekday", language="zh-hans") == "9月7日 星期一"
    assert join_list(["周一", "周五"], language="zh-hans") == "周一、周五"
    assert join_list(["Monday", "Friday"], language="en") == "Monday, Friday"
