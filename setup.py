"""Which packages the wheel holds (everything else is in pyproject.toml).

``oauth1core/`` and its subpackages are found on disk, so a new subpackage ships without an edit
here. Two folders of the repository stay where they are, at the top, and are mapped into the
package so that an installed ``oauth1core vectors`` and ``oauth1core bench`` find them:

* ``vectors/``    -> ``oauth1core/_vectors/``  (the published test vectors and their format)
* ``benchmarks/`` -> ``oauth1core/_bench/``    (the benchmark suite)

A checkout needs no install: the commands look beside the package first (``../vectors``,
``../benchmarks``) and only then inside it. pyproject.toml's ``[tool.setuptools]`` cannot say
"found on disk, plus these mapped folders" (``packages.find`` sees only real folders), hence this file.
"""

from setuptools import find_packages, setup

MAPPED = {"oauth1core._vectors": "vectors", "oauth1core._bench": "benchmarks"}

setup(
    packages=find_packages(include=["oauth1core", "oauth1core.*"]) + sorted(MAPPED),
    package_dir=MAPPED,
    package_data={
        "oauth1core": ["py.typed"],
        "oauth1core._vectors": ["*.json", "README.md"],
        "oauth1core._bench": ["README.md"],
    },
    include_package_data=False,
)
