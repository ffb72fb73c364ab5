"""Repair exemption category codes that policy edits rewrote (issue 7).

Saving the policy page used to derive every code from its category's name; Chinese names
slugify to nothing, so ``poverty_registered`` became ``category-1`` on any change. Where a
policy names a known preset, ``category-N`` is mapped back to the preset's code: by the
category's name first, else by position N in the preset's list (unless that code is already
taken in the row). Codes of policies without a known preset, and categories the preset does
not have, are left as they are: they are stable from now on.
"""

from django.db import migrations

# The exemption categories of every preset when the codes were rewritten (plans/presets.py).
PRESET_EXEMPTIONS = [
    {"code": "poverty_registered", "name": "建档立卡贫困家庭"},
    {"code": "hardship", "name": "家庭经济困难"},
]
KNOWN_PRESETS = {"shandong", "city_2021", "delayed_care", "seasonal_600", "one_plus_x"}


def repaired(rows: list[dict]) -> list[dict]:
    by_name = {e["name"]: e["code"] for e in PRESET_EXEMPTIONS}
    taken = {r.get("code") for r in rows}
    out = []
    for row in rows:
        code = row.get("code") or ""
        if code.startswith("category-") and code[len("category-") :].isdigit():
            target = by_name.get(row.get("name"))
            position = int(code[len("category-") :]) - 1
            if target is None and 0 <= position < len(PRESET_EXEMPTIONS):
                target = PRESET_EXEMPTIONS[position]["code"]
            if target is not None and target not in taken:
                taken.discard(code)
                taken.add(target)
                row = {**row, "code": target}
        out.append(row)
    return out


def repair_codes(apps, schema_editor):
    DistrictPolicy = apps.get_model("plans", "DistrictPolicy")
    for policy in DistrictPolicy.objects.filter(preset__in=KNOWN_PRESETS).only(
        "id", "exemptions"
    ):
        rows = repaired(list(policy.exemptions or []))
        if rows != policy.exemptions:
            DistrictPolicy.objects.filter(pk=policy.pk).update(exemptions=rows)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0003_attendance_policy"),
    ]

    operations = [
        migrations.RunPython(repair_codes, migrations.RunPython.noop),
    ]
