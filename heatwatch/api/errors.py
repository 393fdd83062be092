"""The API's error bodies: one shape, ``{"detail": ...}``, declared once (docs/api.md, "Errors").

``Error`` is every 4xx but 422; ``ValidationError`` is every 422, whether the request did not
match the schema (a list of field errors, the submitted values never echoed) or broke a rule (one
message). Endpoints declare their errors with :func:`errors`, so the schema lists each status
an endpoint can answer with the body it really gets.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class Error(Schema):
    detail: str = Field(..., examples=["Not found."])


class FieldError(Schema):
    loc: list[str | int] = Field(..., examples=[["query", "page"]])
    msg: str
    type: str


class ValidationError(Schema):
    detail: list[FieldError] | str = Field(
        ..., description="The field errors, or one message when a rule is broken."
    )


def errors(*statuses: int) -> dict[int, Any]:
    """The ``response=`` entries for these error statuses (422 gets ``ValidationError``)."""
    return {status: ValidationError if status == 422 else Error for status in statuses}
