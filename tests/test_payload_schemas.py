"""Every text a client can send is checked the same way at the door."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields

from facilitator.transport import schemas as s


def _schemas() -> list[type[Schema]]:
    return [
        value
        for value in vars(s).values()
        if inspect.isclass(value) and issubclass(value, Schema) and value is not Schema
    ]


def _string_fields(field: fields.Field[Any]) -> list[fields.Field[Any]]:
    parts: list[fields.Field[Any] | None] = [field]
    if isinstance(field, fields.Dict):
        parts += [field.key_field, field.value_field]
    return [part for part in parts if isinstance(part, fields.String)]


@pytest.mark.parametrize("schema", _schemas(), ids=lambda schema: schema.__name__)
def test_every_string_field_refuses_lone_surrogates(schema: type[Schema]) -> None:
    for name, field in schema().fields.items():
        for text_field in _string_fields(field):
            assert isinstance(text_field, s.Str), f"{schema.__name__}.{name}"


def test_an_answer_text_with_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValidationError, match="surrogate"):
        s.SubmitAnswer().load({"action_id": "a", "poll_id": "p", "value": "ok \udfff"})
    assert s.SubmitAnswer().load({"action_id": "a", "poll_id": "p", "value": "ok 😀"})
