"""Print the test files that import nothing outside the standard library, pytest, hypothesis
and oauth1core: ./test.sh runs them under every CPython from 3.9 up but the newest, and under
PyPy 3.9 (venvs holding pytest and hypothesis only), so the ``requires-python >= 3.9`` promise
and the version classifiers are checked on everything that can run there. Test files that need
a tool of the ``test`` extra without importing it (build, twine...) carry the ``peers`` marker,
which those runs deselect."""

import ast
import os
import sys

ALLOWED = {"oauth1core", "pytest", "hypothesis", "_pytest", "tests"}
HERE = os.path.dirname(os.path.abspath(__file__))
LOCAL = {name[:-3] for name in os.listdir(HERE) if name.endswith(".py")}


def third_party(path):
    stdlib = getattr(sys, "stdlib_module_names", None)
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in ALLOWED or top in LOCAL or top == "__future__":
                continue
            if stdlib is not None and top in stdlib:
                continue
            if stdlib is None:
                continue
            yield top


def main():
    selected = []
    for root, _, files in os.walk(HERE):
        for name in sorted(files):
            if name.startswith("test_") and name.endswith(".py"):
                path = os.path.join(root, name)
                if not list(third_party(path)):
                    selected.append(os.path.relpath(path, os.path.dirname(HERE)))
    print("\n".join(sorted(selected)))


if __name__ == "__main__":
    main()
