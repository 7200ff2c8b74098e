"""Short functions (STYLE.md, issue 17): no function in oauth1core/ is longer than about 60 lines.

Measured with ast: from the ``def`` line to the function's last line, docstring and comments
included. Each exception is listed with its reason; an exception that is no longer needed fails
the test too, so the list only shrinks.
"""

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(ROOT, "oauth1core")
MAX_LINES = 60

#: "module path:qualified name" -> why it is longer, for now.
EXCEPTIONS = {
}


def _functions(tree, prefix=""):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + node.name, node
            yield from _functions(node, prefix + node.name + ".")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, prefix + node.name + ".")


def long_functions():
    found = {}
    for root, dirs, files in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
                tree = ast.parse(open(path, encoding="utf-8").read())
                for qualified, node in _functions(tree):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_LINES:
                        found[f"{rel}:{qualified}"] = length
    return found


def test_no_function_is_longer_than_about_sixty_lines():
    found = long_functions()
    unexpected = {name: length for name, length in found.items() if name not in EXCEPTIONS}
    assert not unexpected, f"functions over {MAX_LINES} lines (split them into named steps): {unexpected}"
    stale = sorted(set(EXCEPTIONS) - set(found))
    assert not stale, f"no longer over {MAX_LINES} lines: remove from EXCEPTIONS: {stale}"


def test_the_measure_sees_a_long_function():
    source = "def f():\n" + "    x = 1\n" * MAX_LINES + "class C:\n    def g(self):\n        pass\n"
    names = {name: node.end_lineno - node.lineno + 1 for name, node in _functions(ast.parse(source))}
    assert names == {"f": MAX_LINES + 1, "C.g": 2}
