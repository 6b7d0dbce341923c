"""YAML with line numbers, and the one loader every file in `requirements_map/` goes through.

Every problem we report must name the line it is on, and YAML 1.1 silently turns `5.10` into the
float 5.1. So we compose the node tree ourselves and keep, for every value, its line and the text
it was written as; callers decide what a number means in their context.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import codes
from ..diagnostics import Code, Diagnostic, did_you_mean


class YamlSyntaxError(Exception):
    """Invalid YAML (or YAML beyond the limits), with the 1-based line in the file where it was found."""

    def __init__(self, message: str, line: int | None, code: Code = codes.YAML_SYNTAX) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.code = code


@dataclass
class Node:
    """A YAML value with its 1-based file line.

    `value` is a `dict[str, Node]` for mappings, a `list[Node]` for sequences, or the constructed
    scalar (str, int, float, bool, None, date ...). `raw` is the scalar exactly as written.
    """

    value: Any
    line: int
    raw: str = ""
    key_lines: dict[str, int] = field(default_factory=dict)

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_string(self) -> bool:
        return isinstance(self.value, str)

    def text(self) -> str:
        """The value as stripped text, or "" when it is not text."""
        value: object = self.value
        return value.strip() if isinstance(value, str) else ""

    def plain(self) -> Any:
        """The value without line information (for data we only display)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


class _Constructor(yaml.constructor.SafeConstructor):
    pass


# libyaml's parser, where PyYAML was built with it, composes the same nodes about ten times faster:
# every document's front matter passes through here on every build.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Limits on what is read: every source is hostile, and a build must finish.
MAX_FILE_BYTES = 4_000_000
MAX_LINE_CHARS = 20_000
MAX_DEPTH = 100  # nested mappings and lists
MAX_VALUES = 200_000  # values after anchors and aliases are expanded (a "billion laughs" file expands without end)


def parse(text: str, first_line: int = 1) -> Node | None:
    """Parse one YAML document; `first_line` is the file line of the text's first line.

    Returns None for an empty document. Raises YamlSyntaxError with the file line, also for a key
    given twice in one mapping, and for text beyond the limits above.
    """
    for number, content in enumerate(text.split("\n"), start=first_line):
        if len(content) > MAX_LINE_CHARS:
            raise YamlSyntaxError(
                f"a line is longer than {MAX_LINE_CHARS} characters: refused.", number, codes.FILE_TOO_LARGE
            )
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed '[' or quote), which is
        # where a person has to look; the problem mark is often the end of the text.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + first_line if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"invalid YAML: {' '.join(str(exc).split())}", None) from None
    except RecursionError:  # the pure-Python parser, where libyaml is missing
        raise YamlSyntaxError(f"nested deeper than {MAX_DEPTH} levels: refused.", None, codes.FILE_TOO_LARGE) from None
    if root is None:
        return None
    return _convert(root, first_line, _Constructor())


_STR = "tag:yaml.org,2002:str"


def _convert(root: yaml.Node, first_line: int, constructor: _Constructor) -> Node:
    """The composed tree as Nodes, iteratively (no recursion limit), within MAX_DEPTH and MAX_VALUES."""
    values = 0
    top = Node(None, 0)  # a holder: the converted root becomes its value
    # (yaml node, depth, where it goes: the parent Node and a key (mapping), an index (list) or None (root))
    pending: list[tuple[yaml.Node, int, Node, str | int | None, int]] = [(root, 0, top, None, 0)]
    while pending:
        node, depth, parent, slot, key_line = pending.pop()
        values += 1
        line = node.start_mark.line + first_line
        if values > MAX_VALUES:
            raise YamlSyntaxError(
                f"more than {MAX_VALUES} values (anchors and aliases expand): refused.", line, codes.FILE_TOO_LARGE
            )
        if depth > MAX_DEPTH:
            raise YamlSyntaxError(f"nested deeper than {MAX_DEPTH} levels: refused.", line, codes.FILE_TOO_LARGE)
        if isinstance(node, yaml.MappingNode):
            converted = Node({}, line)
            for key_node, value_node in reversed(node.value):
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlSyntaxError(
                        "invalid YAML: a key must be a plain value", key_node.start_mark.line + first_line
                    )
                key = _scalar(key_node, first_line, constructor)
                # Keys are names; a key written as a number (`5.1:`) is kept as the text written.
                key_text = key.raw if not isinstance(key.value, str) else key.value
                pending.append((value_node, depth + 1, converted, key_text, key.line))
        elif isinstance(node, yaml.SequenceNode):
            converted = Node([None] * len(node.value), line)
            pending.extend(
                (item, depth + 1, converted, index, 0) for index, item in reversed(list(enumerate(node.value)))
            )
        else:
            assert isinstance(node, yaml.ScalarNode)
            converted = _scalar(node, first_line, constructor)
        if isinstance(slot, int):
            parent.value[slot] = converted
        elif slot is None:
            parent.value = converted
        else:
            if slot in parent.value:
                # PyYAML keeps the last value silently; a lost list of claims must never go unnoticed.
                first = parent.key_lines[slot]
                raise YamlSyntaxError(
                    f"invalid YAML: '{slot}' is given twice (first on line {first}); keep one.", key_line
                )
            parent.value[slot] = converted
            parent.key_lines[slot] = key_line
    result: Node = top.value
    return result


def _scalar(node: yaml.ScalarNode, first_line: int, constructor: _Constructor) -> Node:
    line = node.start_mark.line + first_line
    if node.tag == _STR:  # most values: no need for the constructor's machinery
        return Node(node.value, line, raw=node.value)
    try:
        value = constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise YamlSyntaxError(f"invalid YAML value {node.value!r}: {exc.problem}", line) from None
    return Node(value, line, raw=str(node.value))


def read_text(file: Path, display: str, what: str) -> tuple[str | None, list[Diagnostic]]:
    """A source file's text (UTF-8, a BOM allowed), or None with the error that names the file."""
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                codes.FILE_TOO_LARGE(f"{what} is {size} bytes; files over {MAX_FILE_BYTES} bytes are refused.", display)
            ]
        data = file.read_bytes()
    except OSError as exc:
        return None, [codes.FILE_UNREADABLE(f"cannot read {what}: {exc.strerror or exc}.", display)]
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        return None, [codes.FILE_ENCODING(f"{what} holds a NUL byte: it is not text.", display, line)]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            codes.FILE_ENCODING(
                f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}).",
                display,
                line,
                "Save the file as UTF-8.",
            )
        ]


def load_yaml_file(
    file: Path, display: str, what: str, *, mapping_of: str, example: str = ""
) -> tuple[Node | None, list[Diagnostic]]:
    """One YAML file of `requirements_map/` as a mapping node, or None with the errors.

    Every loader goes through here, so that decode errors, a BOM, an empty file, a wrong top-level
    type and duplicate keys read the same whichever file they are in. An empty file gives
    (None, []): each caller says whether that is allowed. `mapping_of` says, for the error
    message, what the mapping holds.
    """
    text, problems = read_text(file, display, what)
    if text is None:
        return None, problems
    try:
        root = parse(text)
    except YamlSyntaxError as exc:
        return None, [
            exc.code(exc.message, display, exc.line, "Fix the YAML syntax." if exc.code is codes.YAML_SYNTAX else None)
        ]
    if root is None:
        return None, []
    if not root.is_mapping:
        return None, [
            codes.YAML_SHAPE(
                f"{what} must be a mapping of {mapping_of}, not {_kind(root)}.", display, root.line, example
            )
        ]
    return root, []


def unknown_keys(node: Node, allowed: Iterable[str], display: str, where: str = "") -> list[Diagnostic]:
    """One error per key of `node` that is not in `allowed`, each with a did-you-mean."""
    allowed = tuple(allowed)
    return [
        codes.KEY_UNKNOWN(
            f"unknown key '{key}'{where}.",
            display,
            line,
            did_you_mean(key, allowed) or f"Allowed: {', '.join(allowed)}.",
        )
        for key, line in node.key_lines.items()
        if key not in allowed
    ]


def _kind(node: Node) -> str:
    if node.is_sequence:
        return "a list"
    if node.is_string:
        return "text"
    return "a single value"
