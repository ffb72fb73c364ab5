"""The reporting tables' rows are rendered in Python (Table.body_html): same markup as the
template gave, every text and URL escaped, markup marked safe kept."""

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from reporting.tables import Cell, Column, Table, link, num, pct


def _table():
    table = Table("t", "T", [Column("School"), Column("Pupils", True), Column("Rate", True)])
    table.add(link('<script>alert("x")</script>', "/s/?a=1&b=2"), num(12), pct(0.5, css="ok"))
    table.add("O'Brien & Co", num(None), Cell(mark_safe("<b>bold</b>")))
    return table


def test_rows_render_escaped_with_column_classes():
    body = _table().body_html()
    rows = body.split("\n")
    assert rows[0] == (
        '<tr><td class=""><a href="/s/?a=1&amp;b=2">'
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a></td>"
        '<td class="num">12</td><td class="num cell-ok">50.0%</td></tr>'
    )
    assert rows[1] == (
        '<tr><td class="">O&#x27;Brien &amp; Co</td><td class="num">—</td>'
        '<td class="num"><b>bold</b></td></tr>'
    )
    assert "<script>" not in body


def test_template_uses_the_rows_and_the_empty_text():
    html = render_to_string("reporting/_table.html", {"table": _table(), "query": "x=1"})
    assert "&lt;script&gt;" in html and "<script>" not in html
    empty = Table("e", "E", [Column("School")], empty="Nothing here")
    html = render_to_string("reporting/_table.html", {"table": empty, "query": ""})
    assert 'colspan="1"' in html and "Nothing here" in html
