"""The index schema, read from index_schema/schema.json (shipped in the wheel as
chatdex/index_schema). It is the one source of truth for fields and tokenizers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import tantivy

_PACKAGED_SCHEMA = Path(__file__).with_name("index_schema") / "schema.json"
_REPO_SCHEMA = Path(__file__).resolve().parents[2] / "index_schema" / "schema.json"


@dataclass(frozen=True, slots=True)
class IndexSchema:
    version: int
    schema: tantivy.Schema
    fields: dict[str, dict[str, Any]]
    tokenizers: dict[str, tantivy.TextAnalyzer]

    def register(self, index: tantivy.Index) -> None:
        # Tokenizers are not persisted in the index: every open must register them.
        for name, analyzer in self.tokenizers.items():
            index.register_tokenizer(name, analyzer)


def _schema_text() -> bytes:
    # The wheel installs chatdex as plain files, so a path beside this module is enough
    # (importlib.resources would cost ~4 ms of every start).
    if _PACKAGED_SCHEMA.is_file():
        return _PACKAGED_SCHEMA.read_bytes()
    return _REPO_SCHEMA.read_bytes()  # a source checkout or an editable install


def _analyzer(spec: dict[str, Any]) -> tantivy.TextAnalyzer:
    kind = spec.get("tokenizer", "simple")
    tokenizer = (
        tantivy.Tokenizer.regex(spec["pattern"]) if kind == "regex" else getattr(tantivy.Tokenizer, kind)()
    )
    builder = tantivy.TextAnalyzerBuilder(tokenizer)
    for item in spec.get("filters", []):
        make = getattr(tantivy.Filter, item["name"])
        builder = builder.filter(make(item["arg"]) if "arg" in item else make())
    return builder.build()


@cache
def load() -> IndexSchema:
    data = orjson.loads(_schema_text())
    builder = tantivy.SchemaBuilder()
    fields: dict[str, dict[str, Any]] = {}
    for field in data["fields"]:
        name, kind = field["name"], field["type"]
        fields[name] = field
        if kind == "text":
            builder.add_text_field(
                name,
                stored=field.get("stored", False),
                fast=field.get("fast", False),
                tokenizer_name=field.get("tokenizer", "default"),
                index_option=field.get("index_option", "position"),
            )
        else:
            add = {
                "date": builder.add_date_field,
                "unsigned": builder.add_unsigned_field,
                "integer": builder.add_integer_field,
                "boolean": builder.add_boolean_field,
            }[kind]
            add(
                name,
                stored=field.get("stored", False),
                indexed=field.get("indexed", False),
                fast=field.get("fast", False),
            )
    tokenizers = {name: _analyzer(spec) for name, spec in data["tokenizers"].items()}
    return IndexSchema(int(data["version"]), builder.build(), fields, tokenizers)
