"""A Caddyfile read as a tree of directives that keep their lines, with snippets, imports and host routes.

Enough of Caddy's grammar for a static reading of a proxy config: tokens and quotes, `{ }` blocks, comments,
snippets `(name)`, `import name`, named matchers `@name host …` and `handle @name { … }`. It does not
replace `caddy adapt` (validators.py runs that); it answers questions such as "which hosts reach a
reverse_proxy without forward_auth, and where is each one declared".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from orion.errors import ConfigError
from orion.probes import located
from orion.probes.compose import Stack

_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|`[^`]*`|\S+')


@dataclass
class Directive:
    """One line of the Caddyfile (`name args…`), its block if it opens one, and where it came from."""

    name: str
    args: list[str]
    line: int
    end: int  # line of the closing brace, or `line` when there is no block
    body: list[Directive] = field(default_factory=list)
    snippet: str | None = None  # the snippet it was imported from, once expanded

    def walk(self) -> Iterator[Directive]:
        """This directive and every one nested in it."""
        yield self
        for child in self.body:
            yield from child.walk()


class Caddyfile:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None
        self.top = _parse(_lines(self.text), path)

    @staticmethod
    def of(stack: Stack) -> Caddyfile:
        """The stack's caddy/Caddyfile, parsed once per process."""
        return _load(located.read(stack.dir / "caddy" / "Caddyfile"))

    def where(self, line: int | None) -> str:
        return located.at(self.path, line)

    @cached_property
    def snippets(self) -> dict[str, Directive]:
        return {d.name[1:-1]: d for d in self.top if d.name.startswith("(") and d.name.endswith(")")}

    @property
    def global_options(self) -> Directive | None:
        return next((d for d in self.top if d.name == "{"), None)

    @property
    def sites(self) -> list[Directive]:
        """Site blocks; a site's addresses are its name and args (`a.example.com, b.example.com {`)."""
        return [d for d in self.top if d.name != "{" and d.name not in {f"({s})" for s in self.snippets}]

    def expand(self, directives: list[Directive], seen: tuple[str, ...] = ()) -> list[Directive]:
        """`directives` with every `import snippet` replaced by the snippet's body (marked with its name)."""
        out = []
        for d in directives:
            if d.name == "import" and d.args and d.args[0] in self.snippets:
                name = d.args[0]
                if name in seen:
                    raise ConfigError(self.path, d.line, f"snippet {name!r} imports itself")
                for inner in self.expand(self.snippets[name].body, (*seen, name)):
                    out.append(_marked(inner, inner.snippet or name))
            else:
                out.append(Directive(d.name, d.args, d.line, d.end, self.expand(d.body, seen), d.snippet))
        return out

    def directives(self, name: str) -> list[Directive]:
        """Every `name` directive of the file, snippets included (each where it is written)."""
        return [d for top in self.top for d in top.walk() if d.name == name]

    def routes(self) -> list[Route]:
        """Every host route of every site: `handle @matcher` blocks whose matcher names hosts, and sites that
        proxy directly (their addresses are the hosts)."""
        found = []
        for site in self.sites:
            body = self.expand(site.body)
            hosts = {d.name: d.args[1:] for d in body if d.name.startswith("@") and d.args[:1] == ["host"]}
            handles = [d for d in body if d.name == "handle" and d.args[:1] and d.args[0] in hosts]
            found += [Route(tuple(hosts[d.args[0]]), d, site) for d in handles]
            rest = [d for d in body if all(d is not h for h in handles)]
            if any(d.name == "reverse_proxy" for top in rest for d in top.walk()):
                addresses = tuple(a.rstrip(",") for a in [site.name, *site.args])
                found.append(Route(addresses, Directive(site.name, site.args, site.line, site.end, rest), site))
        return found


@dataclass(frozen=True)
class Route:
    """A set of hosts and the block that serves them."""

    hosts: tuple[str, ...]
    block: Directive
    site: Directive

    @property
    def snippet(self) -> str | None:
        """The snippet the route is declared in, if any."""
        return self.block.snippet

    def uses(self, name: str) -> bool:
        """Whether the directive `name` (reverse_proxy, forward_auth, respond…) is in this route."""
        return any(d.name == name for d in self.block.walk())


def with_internal_tls(caddyfile: Caddyfile) -> str:
    """The Caddyfile with every `tls { dns … }` block swapped for `tls internal`, line numbers unchanged.

    Debian's caddy lacks the Cloudflare DNS module, so `caddy adapt` of the real file fails on `dns cloudflare`;
    the copy keeps everything else, so adapt still validates the rest, and its errors point at the real lines.
    """
    lines = caddyfile.text.splitlines()
    for top in caddyfile.top:
        for d in top.walk():
            if d.name == "tls" and any(child.name == "dns" for child in d.body):
                lines[d.line - 1] = re.sub(r"tls\b.*", "tls internal", lines[d.line - 1])
                for number in range(d.line + 1, d.end + 1):
                    lines[number - 1] = ""
    return "\n".join(lines) + "\n"


_load = cache(Caddyfile)


def _marked(d: Directive, snippet: str) -> Directive:
    return Directive(d.name, d.args, d.line, d.end, [_marked(c, snippet) for c in d.body], snippet)


def _lines(text: str) -> list[tuple[int, list[str]]]:
    """(line number, tokens) per logical line; comments dropped, `\\` continuations joined."""
    out: list[tuple[int, list[str]]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        tokens = []
        for token in _TOKEN.findall(raw):
            if token.startswith("#"):
                break
            tokens.append(token[1:-1] if token[:1] in '"`' and len(token) > 1 else token)
        if not pending:
            start = number
        if tokens and tokens[-1] == "\\":
            pending += tokens[:-1]
            continue
        tokens, pending = pending + tokens, []
        if tokens:
            out.append((start, tokens))
    return out


def _parse(lines: list[tuple[int, list[str]]], path: Path) -> list[Directive]:
    root: list[Directive] = []
    stack: list[Directive] = []
    for number, tokens in lines:
        if tokens == ["}"]:
            if not stack:
                raise ConfigError(path, number, "unexpected `}`")
            stack.pop().end = number
            continue
        opens = tokens[-1] == "{"
        words = tokens[:-1] if opens else tokens
        directive = Directive(words[0] if words else "{", words[1:], number, number)
        (stack[-1].body if stack else root).append(directive)
        if opens:
            stack.append(directive)
    if stack:
        raise ConfigError(path, stack[-1].line, "block opened here is never closed")
    return root
