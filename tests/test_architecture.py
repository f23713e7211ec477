"""The shape of the code (DESIGN.md § Layers): no import cycles, a small policy split by feature,
and import contracts (.importlinter, checked by `lint-imports` in `make check`) that name every
view, service and form module, so a new one cannot slip past them."""

import configparser
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "neig_workspace"


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("neig_workspace", cache_dir=None)


def _cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
            elif child in on_stack:
                low[module] = min(low[module], index[child])
    return found


def test_no_module_is_part_of_an_import_cycle(graph):
    """Function-level imports count too: a cycle hidden in a function is still a knot."""
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for importer, imported in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")]:
        graph.add_import(importer=importer, imported=imported)
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_no_module_of_the_policy_is_over_400_lines():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in (PACKAGE / "access").rglob("*.py")
    }
    assert {path: lines for path, lines in sizes.items() if lines > 400} == {}


def _layer_modules() -> set[str]:
    names = set()
    for path in PACKAGE.rglob("*.py"):
        stem = path.stem
        if stem in ("views", "service", "forms") or stem.endswith(("_views", "_service", "_forms")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.add(".".join(parts))
    return names


def test_the_import_contracts_name_every_view_service_and_form_module():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    named = set()
    for section in config.sections():
        for key in ("source_modules", "forbidden_modules"):
            named.update(config[section].get(key, "").split())
    assert _layer_modules() - named == set()
