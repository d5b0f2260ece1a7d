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
    """The fast load saw something only PyYAML's own loader handles (an anchor, a tag, a merge key,
    a repeated key, several documents): the caller reads the file the careful way."""


_PLAIN = (True, False)
_SIMPLE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


class _Scalars:
    """Plain scalar text -> the value PyYAML's SafeLoader makes of it (YAML 1.1: 9:00 is 540, yes is True).

    Resolved with PyYAML's own resolver and constructor, once per distinct text:
    a big file repeats its values (units, periods, sources) tens of thousands of times.
    """

    def __init__(self) -> None:
        self._loader = yaml.SafeLoader("")
        self._values: dict[str, Any] = {}

    def plain(self, text: str) -> Any:
        try:
            return self._values[text]
        except KeyError:
            pass
        tag = self._loader.resolve(yaml.ScalarNode, text, _PLAIN)
        if tag not in _SIMPLE_TAGS:
            raise _UnsureError
        value = self._loader.construct_object(yaml.ScalarNode(tag, text), deep=True)
        self._loader.constructed_objects.clear()
        self._values[text] = value
        return value


def _load_events(text: str) -> Any:
    """Plain data straight from libyaml's events, no node tree: composing 800,000 nodes in Python
    was most of an organisation import's time. Same values as ``yaml.safe_load`` or _UnsureError."""
    parser: Any = _COMPOSER(text)
    scalars = _Scalars()
    # Each open collection: [container, pending mapping key or _NO_KEY]; a list's slot is unused.
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    get_event = parser.get_event
    scalar_event, map_start, seq_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    end_events = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                if event.anchor is not None or event.tag is not None:
                    raise _UnsureError
                value = scalars.plain(event.value) if event.implicit[0] else event.value
            elif kind is map_start or kind is seq_start:
                if event.anchor is not None or event.tag is not None:
                    raise _UnsureError
                value = {} if kind is map_start else []
            elif kind in end_events:
                finished = stack.pop()[0]  # already placed in its parent when it started
                if not stack:
                    root = finished
                continue
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _UnsureError
                continue
            elif kind is yaml.StreamEndEvent:
                return root
            elif kind is yaml.AliasEvent:
                raise _UnsureError
            else:
                continue
            if not stack:
                if kind is map_start or kind is seq_start:
                    stack.append([value, _NO_KEY])
                else:
                    root = value
                continue
            top = stack[-1]
            container = top[0]
            if type(container) is list:
                container.append(value)
            elif top[1] is _NO_KEY:
                if kind is not scalar_event:
                    raise _UnsureError  # a collection as a key (a plain << already failed in _Scalars)
                try:
                    if value in container:
                        raise _UnsureError
                except TypeError as exc:  # an unhashable key
                    raise _UnsureError from exc
                top[1] = value
                continue
            else:
                container[top[1]] = value
                top[1] = _NO_KEY
            if kind is map_start or kind is seq_start:
                stack.append([value, _NO_KEY])
    finally:
        parser.dispose()


_NO_KEY = object()


def load_fast(text: str) -> Any | None:
    """The data without line numbers (libyaml's events to plain data, several times faster than
    PyYAML's loader); None when the file has a problem or anything unusual, so the caller loads
    it again with ``load_with_lines`` to name the line."""
    try:
        return _load_events(text)
    except (yaml.YAMLError, _UnsureError):
        return None


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of the deepest known prefix of ``path``."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1
