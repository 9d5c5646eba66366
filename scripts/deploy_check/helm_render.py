"""Renders the isched Helm chart without Helm, for machines where Helm cannot be installed
from the package registries (it is on none of them). It implements the part of Go's
text/template and Helm's functions that the chart uses, and fails loudly on anything else,
so a template that only real Helm would understand is caught rather than rendered wrong:

    {{ .Values.a.b }}  {{ $.Values.x }}  {{ .Release.Name }}  {{ .Chart.AppVersion }}
    {{- if X }} ... {{- else }} ... {{- end }}   {{- with X }} ... {{- end }}
    {{- define "name" -}} ... {{- end }}   include "name" .   toYaml  nindent N  indent N
    quote  not  default D

A missing value is an error here (Helm would print "<no value>"). When Helm is installed,
scripts/test uses `helm lint` and `helm template` instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

TAG = re.compile(r"\{\{(-\s+|\s*)(.*?)(\s+-|\s*)\}\}", re.DOTALL)


class TemplateError(Exception):
    pass


def tokenize(text: str, where: str) -> list[tuple[str, str]]:
    """Text and action tokens, with {{- and -}} whitespace trimming applied."""
    tokens: list[tuple[str, str]] = []
    position = 0
    trim_next = False
    for match in TAG.finditer(text):
        chunk = text[position : match.start()]
        if trim_next:
            chunk = chunk.lstrip()
        if match.group(1).startswith("-"):
            chunk = chunk.rstrip()
        tokens.append(("text", chunk))
        action = match.group(2).strip()
        if action.startswith("/*"):
            action = ""
        tokens.append(("action", action))
        trim_next = match.group(3).endswith("-")
        position = match.end()
    rest = text[position:]
    tokens.append(("text", rest.lstrip() if trim_next else rest))
    if "{{" in "".join(t for kind, t in tokens if kind == "text"):
        raise TemplateError(f"{where}: an unclosed {{{{")
    return tokens


def parse(tokens: list[tuple[str, str]], where: str, defines: dict) -> list:
    """A tree of ("text", s) / ("out", expr) / ("if"|"with", expr, body, else_body)."""
    root: list = []
    stack: list[tuple[list, tuple | None]] = [(root, None)]
    for kind, value in tokens:
        body = stack[-1][0]
        if kind == "text":
            body.append(("text", value))
            continue
        if value == "":
            continue
        word, _, rest = value.partition(" ")
        if word in ("if", "with"):
            node = [word, rest.strip(), [], []]
            body.append(node)
            stack.append((node[2], node))
        elif word == "define":
            name = json.loads(rest.strip())
            node = ["define", name, [], []]
            stack.append((node[2], node))
            defines[name] = node[2]
        elif word == "else":
            opened = stack[-1][1]
            if opened is None or opened[0] not in ("if", "with"):
                raise TemplateError(f"{where}: else without if")
            stack[-1] = (opened[3], opened)
        elif word == "end":
            if len(stack) == 1:
                raise TemplateError(f"{where}: end without a block")
            stack.pop()
        elif word in ("range", "template", "block", "tpl", "lookup", "required", "fail"):
            raise TemplateError(f"{where}: {word!r} is beyond this renderer; use Helm")
        else:
            body.append(("out", value))
    if len(stack) != 1:
        raise TemplateError(f"{where}: a block is not closed with end")
    return root


def split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == separator and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip() != "" or separator == "|"]


def truthy(value) -> bool:
    return value not in (None, False, 0, "", [], {})


class Renderer:
    def __init__(self, chart_dir: Path, values: dict, release: str, namespace: str):
        chart = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
        self.root = {
            "Values": values,
            "Release": {"Name": release, "Namespace": namespace, "Service": "Helm"},
            "Chart": {"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"]},
        }
        self.defines: dict[str, list] = {}
        self.templates: dict[str, list] = {}
        for path in sorted((chart_dir / "templates").iterdir()):
            where = f"templates/{path.name}"
            tree = parse(tokenize(path.read_text(), where), where, self.defines)
            if path.suffix == ".yaml":
                self.templates[path.name] = tree

    def lookup(self, dot, path: str, where: str):
        if path == ".":
            return dot
        base = dot
        if path.startswith("$"):
            base, path = self.root, path[1:]
        value = base
        for key in path.strip(".").split("."):
            if not isinstance(value, dict) or key not in value:
                raise TemplateError(f"{where}: {path} has no value")
            value = value[key]
        return value

    def argument(self, dot, token: str, where: str):
        if token.startswith('"'):
            return json.loads(token)
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        if token in ("true", "false"):
            return token == "true"
        if token.startswith(".") or token.startswith("$"):
            return self.lookup(dot, token, where)
        raise TemplateError(f"{where}: cannot read {token!r}")

    def call(self, name: str, args: list, where: str):
        if name == "include":
            return self.render_body(self.defines[args[0]], args[1], where)
        if name == "toYaml":
            value = args[0]
            if value in ({}, []):
                return "{}" if value == {} else "[]"
            return yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip("\n")
        if name in ("nindent", "indent"):
            pad = " " * args[0]
            indented = "\n".join(pad + line if line else line for line in str(args[1]).split("\n"))
            return "\n" + indented if name == "nindent" else indented
        if name == "quote":
            return json.dumps(self.text(args[0]))
        if name == "not":
            return not truthy(args[0])
        if name == "default":
            return args[1] if truthy(args[1]) else args[0]
        raise TemplateError(f"{where}: the function {name!r} is beyond this renderer; use Helm")

    FUNCTIONS = {"include", "toYaml", "nindent", "indent", "quote", "not", "default"}

    def evaluate(self, dot, expression: str, where: str):
        value = None
        for i, command in enumerate(split_outside_quotes(expression, "|")):
            words = split_outside_quotes(command, " ")
            if words[0] in self.FUNCTIONS:
                args = [self.argument(dot, w, where) for w in words[1:]]
                if i > 0:
                    args.append(value)
                value = self.call(words[0], args, where)
            elif i == 0 and len(words) == 1:
                value = self.argument(dot, words[0], where)
            else:
                raise TemplateError(f"{where}: cannot evaluate {command!r}")
        return value

    @staticmethod
    def text(value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            raise TemplateError(f"a map or list printed without toYaml: {value!r}")
        return str(value)

    def render_body(self, body: list, dot, where: str) -> str:
        out = []
        for node in body:
            if node[0] == "text":
                out.append(node[1])
            elif node[0] == "out":
                out.append(self.text(self.evaluate(dot, node[1], where)))
            else:
                kind, expression, then, otherwise = node
                value = self.evaluate(dot, expression, where)
                chosen = then if truthy(value) else otherwise
                inner = value if kind == "with" and truthy(value) else dot
                out.append(self.render_body(chosen, inner, where))
        return "".join(out)

    def render(self) -> dict[str, str]:
        return {
            name: self.render_body(tree, self.root, f"templates/{name}")
            for name, tree in self.templates.items()
        }


def deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
