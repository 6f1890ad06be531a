"""Ready-made transforms for ``TransformFilter``: add static fields, rename or drop fields.

Each is a small callable class: build it once (in code, or in dictConfig with
``{"()": "lite_logging.filters.transforms.AddFields", ...}`` inside ``TransformFilter``'s
``transforms`` list) and it changes the record in place and returns it. Fields are record
attributes, so formatters write them as extras (top-level keys of the JSON line).
``add_hostname`` is a ready instance, usable as a plain dotted path.

Example::

    TransformFilter(transforms=[
        AddFields({"service": "shop"}, env={"environment": "APP_ENV", "version": "APP_VERSION"}),
        RenameFields({"uid": "user_id"}),
        "lite_logging.filters.transforms.add_hostname",
    ])
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Mapping
from typing import Any

from ..record._attrs import RECORD_ATTRS

__all__ = ["AddFields", "DropFields", "RenameFields", "add_hostname"]

# Attributes every LogRecord has on this Python (and what formatting adds): never renamed
# or dropped, since formatters rely on them.
_STANDARD = RECORD_ATTRS


class AddFields:
    """Adds static fields to every record: constants, environment variables, the host name.

    Values are read once, when the transform is built (a process's environment and host
    name do not change while it logs). A field the record already has (from ``extra=`` or
    an earlier transform) is kept unless ``overwrite`` is true.

    Args:
        fields: field name -> value, added as is.
        env: field name -> environment variable name, e.g. ``{"environment": "APP_ENV",
            "app_version": "APP_VERSION"}``; an unset variable adds no field unless
            ``env_default`` is given.
        env_default: value for unset environment variables; ``None`` (default) skips them.
        hostname: add ``socket.gethostname()`` under this field name (``True`` means
            ``"hostname"``).
        overwrite: replace fields the record already has.

    Raises:
        ValueError: a field name is not a non-empty string, is a standard record attribute
            (``"msg"``, ``"levelname"``...), or ``env`` values are not strings.
    """

    __slots__ = ("fields", "overwrite")

    def __init__(
        self,
        fields: Mapping[str, Any] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        env_default: Any = None,
        hostname: bool | str = False,
        overwrite: bool = False,
    ) -> None:
        values: dict[str, Any] = {}
        if fields is not None:
            if not isinstance(fields, Mapping):
                raise ValueError(f'"fields" must be a mapping of field name to value: {fields!r}')
            values.update(fields)
        if env is not None:
            if not isinstance(env, Mapping):
                raise ValueError(f'"env" must be a mapping of field name to variable: {env!r}')
            for field, variable in env.items():
                if not isinstance(variable, str) or not variable:
                    raise ValueError(f'"env[{field!r}]" must be a variable name: {variable!r}')
                value = os.environ.get(variable, env_default)
                if value is not None:
                    values[field] = value
        if hostname:
            values["hostname" if hostname is True else str(hostname)] = socket.gethostname()
        for field in values:
            _check_field("fields", field)
        self.fields = values
        self.overwrite = overwrite

    def __call__(self, record: logging.LogRecord) -> logging.LogRecord:
        """Add the fields to ``record`` and return it."""
        d = record.__dict__
        if self.overwrite:
            d.update(self.fields)
        else:
            for key, value in self.fields.items():
                if key not in d:
                    d[key] = value
        return record

    def __repr__(self) -> str:
        return f"AddFields({self.fields!r}, overwrite={self.overwrite!r})"


class RenameFields:
    """Renames extra fields of a record: ``RenameFields({"uid": "user_id"})``.

    A record without the old field is left alone; a new name the record already has is
    overwritten. Standard record attributes cannot be renamed here (formatters need them):
    rename output keys with the formatter's ``rename_fields`` instead.

    Args:
        mapping: old field name -> new field name.

    Raises:
        ValueError: not a mapping of strings, or a standard record attribute in it.
    """

    __slots__ = ("mapping",)

    def __init__(self, mapping: Mapping[str, str]) -> None:
        if not isinstance(mapping, Mapping):
            raise ValueError(f'"mapping" must be a mapping of old to new name: {mapping!r}')
        for old, new in mapping.items():
            _check_field("mapping", old)
            _check_field("mapping", new)
        self.mapping = dict(mapping)

    def __call__(self, record: logging.LogRecord) -> logging.LogRecord:
        """Rename the fields of ``record`` and return it."""
        d = record.__dict__
        for old, new in self.mapping.items():
            if old in d:
                d[new] = d.pop(old)
        return record

    def __repr__(self) -> str:
        return f"RenameFields({self.mapping!r})"


class DropFields:
    """Removes extra fields from a record: ``DropFields(["debug_blob"])``.

    Args:
        names: the field names to drop.

    Raises:
        ValueError: a name is not a string or is a standard record attribute.
    """

    __slots__ = ("names",)

    def __init__(self, names: Iterable[str]) -> None:
        if isinstance(names, str):
            names = [names]
        self.names = tuple(names)
        for name in self.names:
            _check_field("names", name)

    def __call__(self, record: logging.LogRecord) -> logging.LogRecord:
        """Remove the fields from ``record`` and return it."""
        d = record.__dict__
        for name in self.names:
            d.pop(name, None)
        return record

    def __repr__(self) -> str:
        return f"DropFields({list(self.names)!r})"


def _check_field(key: str, field: object) -> None:
    if not isinstance(field, str) or not field:
        raise ValueError(f'"{key}": a field name must be a non-empty string: {field!r}')
    if field in _STANDARD:
        raise ValueError(f'"{key}": {field!r} is a standard LogRecord attribute: {field!r}')


add_hostname = AddFields(hostname=True)
"""A ready transform adding ``hostname`` (``socket.gethostname()``): usable by dotted path."""
