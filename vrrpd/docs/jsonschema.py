"""JSON Schema of the TOML file for editors (taplo, VS Code Even Better TOML).

msgspec writes the schema from the same Structs the loader decodes with; the field
docstrings become each property's description, so hovering a key shows its meaning.
"""

from __future__ import annotations

import json

import msgspec

from vrrpd import __version__
from vrrpd.docs.keys import SECTIONS, field_docs, struct_doc

SCHEMA_ID = "https://vrrpd.invalid/vrrpd.schema.json"  # a name, never fetched


def schema() -> dict[str, object]:
    fields = []
    for name, cls, named in SECTIONS:
        tp = dict[str, cls] if named else cls  # type: ignore[valid-type]
        fields.append((f"{name}_", tp | None, msgspec.field(default=None, name=name)))
    document = msgspec.defstruct("VrrpdConfig", fields, forbid_unknown_fields=True,
                                 kw_only=True)
    out = msgspec.json.schema(document)
    definitions = out.get("$defs", {})
    classes = {cls.__name__: cls for cls in _all_structs()}
    for name, definition in definitions.items():
        cls = classes.get(name)
        if cls is None:
            continue
        definition["description"] = struct_doc(cls)
        docs = {field.encode_name: docs_for for field in msgspec.structs.fields(cls)
                if (docs_for := field_docs(cls).get(field.name))}
        for key, prop in definition.get("properties", {}).items():
            if key in docs:
                prop["description"] = docs[key]
        definition.pop("title", None)
    top = definitions.pop("VrrpdConfig")
    top.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"vrrpd {__version__} configuration (vrrpd.toml)",
        "description": "See vrrpd.toml(5). Check a file with `vrrpd check-config -c FILE`.",
        **top,
        "$defs": definitions,
    }


def render() -> str:
    return json.dumps(schema(), indent=2, sort_keys=False) + "\n"


def _all_structs() -> list[type[msgspec.Struct]]:
    found: list[type[msgspec.Struct]] = []
    pending = [cls for _, cls, _ in SECTIONS]
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        found.append(cls)
        for field in msgspec.structs.fields(cls):
            pending += _structs_in(field.type)
    return found


def _structs_in(tp: object) -> list[type[msgspec.Struct]]:
    import typing

    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return [tp]
    return [found for arg in typing.get_args(tp) for found in _structs_in(arg)]
