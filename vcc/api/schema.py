"""Request bodies checked at the edge: a JSON object with known fields of the right
type and size, nothing else. The same declarations make the OpenAPI document."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vcc.errors import InvalidInput


@dataclass(frozen=True)
class Field:
    kind: type  # str, int, bool or list (of ints)
    required: bool = True
    max_length: int = 200  # characters (str) or items (list)
    choices: tuple[str, ...] = ()
    lines: bool = False  # a str may hold line breaks
    items: type = int  # a list's items: int (ids), str, or dict (of short strings)
    description: str = ""

    def check(self, name: str, value: Any) -> Any:
        if self.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidInput(f"'{name}' must be a whole number")
        if self.kind is bool and not isinstance(value, bool):
            raise InvalidInput(f"'{name}' must be true or false")
        if self.kind is list:
            if not isinstance(value, list) or len(value) > self.max_length:
                raise InvalidInput(f"'{name}' must be a list of at most {self.max_length} items")
            if not all(isinstance(v, self.items) and not isinstance(v, bool) for v in value):
                raise InvalidInput(f"'{name}' must hold {_ITEMS[self.items]} only")
            if self.items is str and any(len(v) > 40 for v in value):
                raise InvalidInput(f"'{name}' holds strings of at most 40 characters")
            if self.items is dict and any(
                len(v) > 8 or any(not isinstance(x, str) or len(x) > 500 for x in v.values())
                for v in value
            ):
                raise InvalidInput(f"'{name}' holds objects of a few short strings")
        if self.kind is str:
            if not isinstance(value, str):
                raise InvalidInput(f"'{name}' must be a string")
            if len(value) > self.max_length:
                raise InvalidInput(f"'{name}' is longer than {self.max_length} characters")
            for char in value:
                if char == "\n" and self.lines:
                    continue
                if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
                    raise InvalidInput(
                        f"'{name}' contains a control or invisible character (U+{ord(char):04X})"
                    )
            if self.choices and value not in self.choices:
                raise InvalidInput(f"'{name}' must be one of: {', '.join(self.choices)}")
        return value

    def openapi(self) -> dict[str, Any]:
        kinds = {str: "string", int: "integer", bool: "boolean", list: "array"}
        schema: dict[str, Any] = {"type": kinds[self.kind]}
        if self.kind is str:
            schema["maxLength"] = self.max_length
        if self.kind is list:
            schema["items"] = {"type": {int: "integer", str: "string", dict: "object"}[self.items]}
            schema["maxItems"] = self.max_length
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.description:
            schema["description"] = self.description
        return schema


_ITEMS = {int: "whole numbers", str: "strings", dict: "objects"}

Body = Mapping[str, Field]


def check_body(body: Body, data: Any) -> dict[str, Any]:
    """``data`` (parsed JSON) as ``body`` declares it, or InvalidInput."""
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object")
    unknown = sorted(set(data) - set(body))
    if unknown:
        raise InvalidInput(
            f"unknown field '{unknown[0][:40]}'", hint="fields: " + ", ".join(sorted(body))
        )
    checked: dict[str, Any] = {}
    for name, field in body.items():
        if name not in data or data[name] is None:
            if field.required:
                raise InvalidInput(f"'{name}' is required")
            continue
        checked[name] = field.check(name, data[name])
    return checked


def openapi_schema(body: Body) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: field.openapi() for name, field in body.items()},
        "required": [name for name, field in body.items() if field.required],
    }
