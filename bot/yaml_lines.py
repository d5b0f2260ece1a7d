"""Load YAML while remembering the line of every key, so errors can name a line."""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]
# libyaml's parser when PyYAML has it: the pure-Python one took minutes for a 40,000-entry organisation file.
_COMPOSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(ValueError):
    """The file is not valid YAML; carries the line number."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse ``text`` into plain Python data plus a map from each path to its 1-based line."""
    try:
        node = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError((mark.line + 1) if mark else 1, str(exc.problem or exc)) from exc
    lines: dict[Path, int] = {}
    if node is None:
        return {}, lines
    return _convert(node, (), lines, yaml.SafeLoader("")), lines


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int], loader: yaml.SafeLoader) -> Any:
    """Plain data from the node tree; one constructor for every scalar (a new one per scalar was most of the time)."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node) if not isinstance(key_node, yaml.ScalarNode) else key_node.value
            if key in result:
                raise YamlError(key_node.start_mark.line + 1, f"'{key}' appears twice")
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, (*path, key), lines, loader)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), lines, loader) for i, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    loader.constructed_objects.clear()  # scalars are not shared; keep the cache from growing with the file
    return value


class _UnsureError(Exception):
    """The fast load saw something only the line-tracking load reports well (a repeated key)."""


class _FastLoader(_COMPOSER):
    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._tags: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """Tag resolution by regular expressions, remembered per scalar text: a big file repeats its values."""
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, tuple(implicit))
        tag = self._tags.get(key)
        if tag is None:
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        if len(keys) != len(set(keys)):
            raise _UnsureError
        return super().construct_mapping(node, deep=deep)


def load_fast(text: str) -> Any | None:
    """The data without line numbers (libyaml end to end, several times faster); None when the file
    has a problem, so the caller loads it again with ``load_with_lines`` to name the line."""
    try:
        return yaml.load(text, Loader=_FastLoader)
    except (yaml.YAMLError, _UnsureError):
        return None


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of the deepest known prefix of ``path``."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1
