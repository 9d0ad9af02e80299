"""Template filters of the member portal."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def code_groups(code: str, size: int = 4):
    """A code in groups that wrap between groups, never inside one.

    ``WCNL-TG4K-4BUV`` keeps its dashes; a code without (a member card) is shown in
    groups of four, spaced by the CSS, so the text (what is copied or read by a screen
    reader) stays the code itself.
    """
    text = str(code or "")
    if "-" in text:
        parts, separator = text.split("-"), mark_safe("-<wbr>")  # noqa: S308 - a constant
    else:
        parts = [text[i : i + size] for i in range(0, len(text), size)]
        separator = mark_safe("<wbr>")  # noqa: S308 - a constant
    return format_html_join(separator, '<span class="code-group">{}</span>', ((p,) for p in parts))
