"""The one YAML reader: plain data, the line of every key, and located problems.

Every file a user gives the tool (scenarios, sweep files) is read here, with PyYAML's
safe loader: no Python objects, duplicate keys reported, and unquoted times such as
``17:00`` (which YAML 1.1 reads as the number 1020) reported with a hint.

Files come from other people, so reading is bounded (``docs/scenarios.md``, "Limits"):

* at most :data:`MAX_FILE_BYTES` (1 MiB) are read; a longer file is refused unread;
* the file must be UTF-8 text: NUL bytes (a binary file), UTF-16 and bytes that are not
  UTF-8 (a Latin-1 file) are each one problem, at their line;
* maps and lists nest at most :data:`MAX_DEPTH` levels deep;
* the document holds at most :data:`MAX_NODES` keys and values, counting every use of an
  alias (``*name``) as a full copy of what it names, so an alias bomb ("billion laughs")
  is refused while it is parsed, before anything is expanded; an alias inside the very
  map or list it names is refused too.

Each of these is a :class:`~sim.common.errors.Problem` with the file, the line and (where
there is one) the key.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from sim.common.errors import KeyPath, Positions, Problem, format_key

MAX_FILE_BYTES = 1024 * 1024
"""Largest scenario or sweep file (1 MiB): the shipped ones are under 10 KB."""

MAX_DEPTH = 32
"""Deepest nesting of maps and lists: a scenario needs about 6 levels, a sweep about 9."""

MAX_NODES = 20_000
"""Most keys and values in one file, aliases expanded: `_base.yaml`, the largest shipped
file, has under 300, and PyYAML reads about 10,000 a second on a slow machine."""

_SHOWN = 40
"""A value quoted in a message is cut to this many characters."""

_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
"""The tags a map or list may have: tags that make objects (``!!python/...``) or other
collections (``!!set``, ``!!omap``) are refused."""


def read_yaml(path: Path, what: str = "a scenario file") -> tuple[Any, Positions, list[Problem]]:
    """Parse one file into plain data, the line of every key, and parse problems.

    ``data`` is ``None`` when the file cannot be read as a whole (then ``problems`` says
    why, at a line where there is one).
    """
    file = str(path)
    raw, problem = _read_bytes(Path(path), file, what)
    if problem is not None:
        return None, {}, [problem]
    text, problem = _decode(raw, file, what)
    if problem is not None:
        return None, {}, [problem]
    loader: _Loader | None = None
    try:
        loader = _Loader(text, file)
        node = loader.get_single_node()
    except _LimitError as exc:
        return None, {}, [exc.problem]
    except yaml.reader.ReaderError as exc:
        return None, {}, [_reader_problem(exc, text, file)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line
        return None, {}, [Problem(file, line, "", f"YAML syntax error: {reason}")]
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return {}, {(): (file, 1)}, []
    builder = _Builder(file)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        builder.problems.append(
            Problem(file, node.start_mark.line + 1, "", f"{what} must be a map of keys")
        )
        return None, builder.positions, builder.problems
    return data, builder.positions, builder.problems


# --------------------------------------------------------------------- bytes and text


def _read_bytes(path: Path, file: str, what: str) -> tuple[bytes, Problem | None]:
    """At most ``MAX_FILE_BYTES`` of a regular file, or the problem that stops reading."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return b"", Problem(file, None, "", f"is a folder, not {what}")
        if not stat.S_ISREG(info.st_mode):
            return b"", Problem(file, None, "", f"is not a regular file, so not {what}")
        with open(path, "rb") as handle:
            raw = handle.read(min(info.st_size, MAX_FILE_BYTES) + 1)
            if len(raw) > info.st_size:  # it grew, or its size is not known (/proc)
                raw += handle.read(MAX_FILE_BYTES + 1 - len(raw))
    except FileNotFoundError:
        return b"", Problem(file, None, "", "file not found")
    except OSError as exc:
        return b"", Problem(file, None, "", f"cannot read file: {exc.strerror or exc}")
    if len(raw) > MAX_FILE_BYTES:
        size = max(info.st_size, len(raw))
        line = raw.count(b"\n", 0, MAX_FILE_BYTES) + 1
        return b"", Problem(file, line, "", f"file too large: {size:,} bytes, more than the "
                                            f"1 MiB ({MAX_FILE_BYTES:,} bytes) that {what} "
                                            "may have (the limit is passed on this line)")
    return raw, None


def _decode(raw: bytes, file: str, what: str) -> tuple[str, Problem | None]:
    """The file's text, or the problem with its encoding (at the line of the first bad byte)."""
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if raw.startswith(bom):
            return "", Problem(file, 1, "", f"the file is {name} text; {what} must be UTF-8: "
                                            "save it as UTF-8")
    nul = raw.find(b"\0")
    if nul >= 0:
        return "", Problem(file, raw.count(b"\n", 0, nul) + 1, "",
                           f"binary file (it holds NUL bytes, first on this line), "
                           f"not {what}: {what} is YAML text in UTF-8")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - line_start + 1
        return "", Problem(file, line, "", f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at "
                                           f"column {column} (a Latin-1 or Windows file?); "
                                           "save the file as UTF-8")


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    """A character YAML does not allow (a control character), at its line."""
    position = min(max(exc.position, 0), len(text))
    line = text.count("\n", 0, position) + 1
    char = exc.character
    code = char if isinstance(char, int) else ord(char) if isinstance(char, str) else 0
    return Problem(file, line, "", f"character U+{code:04X} is not allowed in YAML "
                                   "(a control character); remove it")


# --------------------------------------------------------------------- composing


class _LimitError(Exception):
    """A limit of the reader was passed: ``problem`` says which, where."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, composing with limits on depth and on expanded size.

    Every node composed records its expanded size (itself and everything under it, aliases
    counted in full) and its height, so an alias costs a look-up, never an expansion.
    """

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self._file = file
        self._path: list[str | int | None] = []
        self._measure: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, height)
        self._total = 0

    def _fail(self, mark: Any, path: KeyPath, message: str) -> _LimitError:
        line = mark.line + 1 if mark is not None else None
        return _LimitError(Problem(self._file, line, format_key(path), message))

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if parent is None or index is None:
            part: str | int | None = None  # the document, or a key: placed at its map
        elif isinstance(index, int):
            part = index
        elif isinstance(index, yaml.ScalarNode):
            part = str(index.value)[:_SHOWN]
        else:
            part = "?"  # a value under a key that is not text
        path: KeyPath = tuple(p for p in self._path[1:] if p is not None)
        if part is not None:
            path = (*path, part)
        depth = len(self._path)  # the maps and lists this node is inside
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            measure = self._measure.get(id(node))
            if measure is None:
                raise self._fail(event.start_mark, path,
                                 f"the alias *{event.anchor} is inside the map or list it "
                                 "names (an endless structure); write the values out instead")
            nodes, height = measure
            if depth + height > MAX_DEPTH:
                raise self._fail(event.start_mark, path,
                                 f"the alias *{event.anchor} nests maps and lists more than "
                                 f"{MAX_DEPTH} levels deep (the most a file may have)")
            self._add(nodes, event.start_mark, path, f"the alias *{event.anchor}")
            return node
        if depth > MAX_DEPTH:
            raise self._fail(event.start_mark, path[:8],
                             f"maps and lists nested more than {MAX_DEPTH} levels deep "
                             "(the most a file may have)")
        self._add(1, event.start_mark, path, "this value")
        self._path.append(part)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._path.pop()
        self._measure[id(node)] = self._measure_of(node)
        return node

    def _measure_of(self, node: yaml.Node) -> tuple[int, int]:
        if isinstance(node, yaml.ScalarNode):
            return 1, 0
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = list(node.value)
        parts = [self._measure[id(child)] for child in children]
        return 1 + sum(n for n, _ in parts), 1 + max((h for _, h in parts), default=0)

    def _add(self, nodes: int, mark: Any, path: KeyPath, what: str) -> None:
        self._total += nodes
        if self._total > MAX_NODES:
            raise self._fail(mark, path,
                             f"{what} takes the file past {MAX_NODES:,} keys and values "
                             "(aliases counted in full), the most a file may have")


# --------------------------------------------------------------------- building


def _short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/name`` -> ``!!python/name`` (cut for messages)."""
    return tag.replace("tag:yaml.org,2002:", "!!", 1)[:_SHOWN]


class _Builder:
    """Turns a composed YAML node tree into data, recording positions and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: Positions = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def _construct(self, node: yaml.Node, path: KeyPath) -> Any:
        """A node's value; a value the safe loader cannot make is a problem (and None)."""
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            shown = str(node.value)[:_SHOWN] if isinstance(node, yaml.ScalarNode) else node.tag
            reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
            if "digits" in reason and "integer" in reason:
                reason = "a number with this many digits is too long"
            self.problems.append(Problem(self.file, node.start_mark.line + 1, format_key(path),
                                         f"cannot read the value {shown!r}: {reason}"))
            return None

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.positions.setdefault(path, (self.file, node.start_mark.line + 1))
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            self.problems.append(Problem(self.file, node.start_mark.line + 1, format_key(path),
                                         f"the YAML tag {_short_tag(node.tag)!r} is not allowed "
                                         "here; write plain maps and lists"))
            return None
        if isinstance(node, yaml.MappingNode):
            try:
                self._constructor.flatten_mapping(node)
            except yaml.YAMLError as exc:
                reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
                self.problems.append(Problem(self.file, node.start_mark.line + 1,
                                             format_key(path), f"YAML merge key (<<): {reason}"))
                return None
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self._construct(key_node, path)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    key = str(key)
                child = (*path, key)
                if key in result:
                    first = self.positions[child][1]
                    self.problems.append(
                        Problem(self.file, line, format_key(child),
                                f"duplicate key (first given on line {first})")
                    )
                    continue
                self.positions[child] = (self.file, line)
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if (
            node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
            and node.style is None
            and ":" in node.value
        ):
            value = self._construct(node, path)
            self.problems.append(
                Problem(self.file, node.start_mark.line + 1, format_key(path),
                        f"unquoted time {node.value}: YAML reads it as the number {value}; "
                        f"write it in quotes, \"{node.value}\"")
            )
            return node.value
        return self._construct(node, path)


# --------------------------------------------------------------------- comments


def yaml_comments(path: str | Path) -> dict[str, str]:
    """Comments of a scenario file by dotted key, following ``extends`` (the file's own
    comment wins over its parent's); the assumptions table of ``report.html`` shows them.

    A key's comment is the block of ``#`` lines right above it plus a comment at the end
    of its line. Files are read as :func:`read_yaml` reads them (same limits); a file
    that cannot be read gives no comments and ends the chain.
    """
    path = Path(path)
    out: dict[str, str] = {}
    seen: set[Path] = set()
    chain: list[tuple[str, yaml.Node]] = []
    while path.is_file() and path.resolve() not in seen:
        seen.add(path.resolve())
        composed = _compose(path)
        if composed is None:
            break
        chain.append(composed)
        node = composed[1]
        parent = next((v.value for k, v in node.value
                       if k.value == "extends" and isinstance(v, yaml.ScalarNode)),
                      None) if isinstance(node, yaml.MappingNode) else None
        if not isinstance(parent, str):
            break
        path = path.parent / parent
    for text, node in reversed(chain):
        out.update(_node_comments(text, node))
    return out


def _compose(path: Path) -> tuple[str, yaml.Node] | None:
    """A file's text and node tree, read with the reader's limits (None if it cannot be)."""
    file = str(path)
    raw, problem = _read_bytes(path, file, "a scenario file")
    if problem is not None:
        return None
    text, problem = _decode(raw, file, "a scenario file")
    if problem is not None:
        return None
    loader = _Loader(text, file)
    try:
        node = loader.get_single_node()
    except (_LimitError, yaml.YAMLError):
        return None
    finally:
        loader.dispose()
    return (text, node) if node is not None else None


def _node_comments(text: str, root: yaml.Node) -> dict[str, str]:
    lines = text.splitlines()
    out: dict[str, str] = {}
    key_lines: set[int] = set()

    def walk(node: yaml.Node, prefix: str, parent_line: int) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = f"{prefix}{k.value}" if prefix == "" else f"{prefix}.{k.value}"
                line = k.start_mark.line
                if line != parent_line and line not in key_lines:
                    key_lines.add(line)
                    above = []
                    i = line - 1
                    while i >= 0 and lines[i].strip().startswith("#"):
                        above.insert(0, lines[i].strip().lstrip("#").strip())
                        i -= 1
                    comment = " ".join([*above, _inline_comment(lines[line], v)]).strip()
                    if comment:
                        out[key] = comment
                walk(v, key, line)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{prefix}.{i}", parent_line)

    walk(root, "", -1)
    return out


def _inline_comment(line: str, value: yaml.Node) -> str:
    if value.end_mark.line != value.start_mark.line:
        return ""
    rest = line[value.end_mark.column:]
    return rest[rest.index("#") + 1:].strip() if "#" in rest else ""
