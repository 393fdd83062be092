"""Template filters that give Django form fields the USWDS classes and ARIA links."""

from __future__ import annotations

from django import template
from django.forms import BoundField

register = template.Library()

_WIDGET_CLASSES = {
    "checkbox": "usa-checkbox__input",
    "checkboxselectmultiple": "usa-checkbox__input",
    "radioselect": "usa-radio__input",
    "select": "usa-select",
    "selectmultiple": "usa-select",
    "nullbooleanselect": "usa-select",
    "textarea": "usa-textarea",
    "clearablefile": "usa-file-input",
    "file": "usa-file-input",
}


@register.filter
def uswds_field(field: BoundField) -> BoundField:
    """Add the USWDS class for the widget and point ``aria-describedby`` at hint and errors.

    Changes only this form instance's widget (Django copies fields per form instance).
    """
    if not isinstance(field, BoundField):
        return field
    widget = field.field.widget
    wanted = _WIDGET_CLASSES.get(field.widget_type, "usa-input")
    classes = widget.attrs.get("class", "").split()
    if wanted not in classes:
        classes.append(wanted)
    if field.errors and field.widget_type not in {"checkbox", "radioselect"}:
        classes.append("usa-input--error")
    widget.attrs["class"] = " ".join(dict.fromkeys(classes))
    described = []
    if field.help_text and field.auto_id:
        described.append(f"{field.auto_id}_helptext")
    if field.errors and field.auto_id:
        described.append(f"{field.auto_id}_error")
        widget.attrs["aria-invalid"] = "true"
    if (
        described
        and not field.widget_type.endswith("multiple")
        and field.widget_type != "radioselect"
    ):
        widget.attrs["aria-describedby"] = " ".join(described)
    return field
