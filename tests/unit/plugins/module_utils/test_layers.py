# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Imports between the layers of module_utils flow one way.

Each layer folder says in its ``__init__`` docstring which layers it may import ("May import:
..."); these tests read that line, so the docstring is the rule and the test its guard. Every
import counts, including the ones inside functions and under ``typing.TYPE_CHECKING``: a lazy
import is still a dependency.
"""

from __future__ import annotations

import ast
import pathlib
import re
import textwrap

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils import transport

PACKAGE = "ansible_collections.sriov.hyperv.plugins.module_utils"
MODULE_UTILS = pathlib.Path(transport.__file__).resolve().parent.parent
MODULES = MODULE_UTILS.parent / "modules"


def read_layers(root: pathlib.Path) -> dict[str, set[str]]:
    """Layer folder name -> the layers its ``__init__`` docstring allows it to import."""
    layers = {}
    for init in sorted(root.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        found = re.search(r"^May import: (.*)$", doc, re.M)
        assert found, f"{init}: the docstring must end with a 'May import: ...' line"
        allowed = found.group(1).rstrip(".")
        layers[init.parent.name] = set() if allowed.startswith("nothing") else {
            name.strip() for name in allowed.split(",")
        }
    return layers


def imported_modules(path: pathlib.Path, dotted: str) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of every import in a file, relative ones resolved."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = dotted.rsplit(".", node.level)[0]
                base = f"{parent}.{base}" if base else parent
            # "from pkg import mod" imports pkg.mod when mod is a module: record both readings.
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def layer_of(dotted: str, package: str = PACKAGE) -> str | None:
    if not dotted.startswith(package + "."):
        return None
    return dotted[len(package) + 1:].split(".")[0]


def violations(root: pathlib.Path, package: str = PACKAGE) -> list[str]:
    """Every import that crosses layers against the rules, and every file outside a layer."""
    layers = read_layers(root)
    problems = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        own = relative.parts[0] if len(relative.parts) > 1 else None
        if own not in layers:
            problems.append(f"{relative}: outside every layer folder ({', '.join(sorted(layers))})")
            continue
        dotted = ".".join((package,) + relative.with_suffix("").parts)
        for line, name in imported_modules(path, dotted):
            target = layer_of(name, package)
            if target and target != own and target in layers and target not in layers[own]:
                problems.append(f"{relative}:{line}: layer '{own}' imports layer '{target}' ({name})")
            if name.endswith(".AnsibleModule") and own != "edge":
                problems.append(f"{relative}:{line}: only the edge layer may touch AnsibleModule")
    return problems


def test_every_layer_states_what_it_may_import_and_the_order_has_no_circle():
    layers = read_layers(MODULE_UTILS)
    assert set(layers) == {"transport", "spec", "reconcile", "host", "edge"}
    for name, allowed in layers.items():
        assert allowed <= set(layers), f"layer '{name}' names an unknown layer: {allowed - set(layers)}"
    # A strict order exists when the layers can be peeled off, each allowing only peeled ones.
    peeled: list[str] = []
    while len(peeled) < len(layers):
        ready = [name for name, allowed in layers.items() if name not in peeled and allowed <= set(peeled)]
        assert ready, f"the 'May import' lines form a circle among {set(layers) - set(peeled)}"
        peeled.extend(sorted(ready))
    assert peeled == ["transport", "spec", "reconcile", "host", "edge"]


def test_imports_flow_one_way():
    assert violations(MODULE_UTILS) == []


def test_modules_call_only_the_edge():
    for path in sorted(MODULES.glob("*.py")):
        layers = {layer_of(name) for _line, name in imported_modules(path, "") if layer_of(name)}
        assert layers <= {"edge"}, f"{path.name} reaches past the edge into {layers - {'edge'}}"


@pytest.mark.parametrize("source, expected", [
    ("from ansible_collections.x.y.plugins.module_utils.host._host import read_host\n",
     "layer 'spec' imports layer 'host'"),
    ("def late():\n    from ..host import _host\n", "layer 'spec' imports layer 'host'"),
    ("import typing as t\nif t.TYPE_CHECKING:\n    from ansible_collections.x.y.plugins.module_utils.edge import _module\n",
     "layer 'spec' imports layer 'edge'"),
    ("from ansible.module_utils.basic import AnsibleModule\n", "only the edge layer may touch AnsibleModule"),
])
def test_an_upward_import_is_caught(tmp_path, source, expected):
    """The checker itself: a lower layer importing an upper one, in each spelling, is reported."""
    package = "ansible_collections.x.y.plugins.module_utils"
    for name, allowed in {"spec": "nothing else", "host": "spec", "edge": "spec, host"}.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f'"""Layer.\n\nMay import: {allowed}.\n"""\n')
    (tmp_path / "host" / "_host.py").write_text("from ..spec import _spec\n")
    (tmp_path / "spec" / "_spec.py").write_text(textwrap.dedent(source))
    problems = violations(tmp_path, package)
    assert len(problems) == 1 and expected in problems[0], problems
    # The same tree without the upward import is clean: the host layer importing spec is allowed.
    (tmp_path / "spec" / "_spec.py").write_text("import json\n")
    assert violations(tmp_path, package) == []
