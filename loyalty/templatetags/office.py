"""Template helpers of the back office's admin pages."""

from django import template

register = template.Library()


@register.filter
def has_editable_fields(adminform) -> bool:
    """Whether a change form has a field the user can change (else it has nothing to save)."""
    if adminform is None:
        return True  # not a model form page: leave its buttons alone
    return any(
        not field.is_readonly for fieldset in adminform for line in fieldset for field in line
    )
