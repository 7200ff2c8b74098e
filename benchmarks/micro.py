"""Figures of oauth1core.micro: file and .mpy size, heap kept after import and allocated by one
signature (``gc.mem_alloc()``), time of one signature, under real MicroPython builds.

    python benchmarks/micro.py             # a markdown table (about 30 s)
    python benchmarks/micro.py --repeat 3  # each time the best of 3 runs (a busy machine)
    python benchmarks/micro.py --json      # the figures as JSON

The builds are those of tests/test_micro_micropython.py (tests/micropython/runner.py): the
WebAssembly port 1.27.0 under Node (no hashlib.sha1: HMAC-SHA1 runs the pure-Python SHA-1; a
second run lets the C SHA-256 stand in for SHA-1, to show what a 32-bit port with a C SHA-1
allocates) and the unix port (64-bit, C SHA-1). ``benchmarks/micro_device.py`` is the script
that runs there, and on a board (docs/micropython.md).
"""

import argparse
import importlib.util
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEVICE = os.path.join(HERE, "micro_device.py")


def load_runner():
    spec = importlib.util.spec_from_file_location("micropython_runner", os.path.join(ROOT, "tests", "micropython", "runner.py"))
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    return runner


def parse(output):
    figures = {}
    for line in output.splitlines():
        name, _, value = line.partition(" ")
        figures[name] = int(value) if value.lstrip("-").isdigit() else value
    return figures


def measure(runner, work):
    mpy = os.path.join(work, "micro.mpy")
    mpy_cross = runner.compile_mpy(runner.MICRO, mpy)
    stub = os.path.join(work, "stub_sha1.py")
    with open(DEVICE, encoding="utf-8") as source, open(stub, "w", encoding="utf-8") as target:
        target.write("STUB_SHA1 = True\n" + source.read())
    report = {"micro.py bytes": os.path.getsize(runner.MICRO), "micro.mpy bytes": os.path.getsize(mpy), "mpy-cross": mpy_cross,
              "runs": []}
    runs = [("wasm", runner.run_wasm, DEVICE, "py"), ("wasm", runner.run_wasm, DEVICE, "mpy"),
            ("wasm, C SHA-256 as SHA-1", runner.run_wasm, stub, "mpy"),
            ("unix", runner.run_unix, DEVICE, "py"), ("unix", runner.run_unix, DEVICE, "mpy")]
    for build, run, script, form in runs:
        files = {"micro.py": runner.MICRO} if form == "py" else {"micro.mpy": mpy}
        done = run(script, files)
        if done.returncode != 0:
            raise SystemExit("%s failed:\n%s%s" % (build, done.stdout, done.stderr))
        figures = parse(done.stdout)
        figures.update(build=build, form=form)
        report["runs"].append(figures)
    return report


def markdown(report):
    lines = ["`micro.py`: %d bytes; `micro.mpy`: %d bytes (%s)." % (report["micro.py bytes"], report["micro.mpy bytes"], report["mpy-cross"]),
             "",
             "| build | imported from | kept after import | HMAC-SHA1 allocates | HMAC-SHA1 time | HMAC-SHA256 allocates | HMAC-SHA256 time | PLAINTEXT allocates | PLAINTEXT time |",
             "|---|---|---|---|---|---|---|---|---|"]
    for run in report["runs"]:
        version = run["micropython"].split(")")[0].strip("(").replace(", ", ".").replace("'", "").rstrip(".")
        lines.append("| %s (MicroPython %s) | .%s | %d B | %d B | %d µs | %d B | %d µs | %d B | %d µs |" % (
            run["build"], version, run["form"], run["import_kept"], run["alloc_HMAC-SHA1"], run["us_HMAC-SHA1"],
            run["alloc_HMAC-SHA256"], run["us_HMAC-SHA256"], run["alloc_PLAINTEXT"], run["us_PLAINTEXT"]))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--repeat", type=int, default=1, help="runs; each time is the best of them (heap figures do not vary)")
    args = parser.parse_args(argv)
    runner = load_runner()
    with tempfile.TemporaryDirectory() as work:
        report = measure(runner, work)
        for _ in range(args.repeat - 1):
            again = measure(runner, work)
            for best, run in zip(report["runs"], again["runs"]):
                for name, value in run.items():
                    if name.startswith("us_"):
                        best[name] = min(best[name], value)
    print(json.dumps(report, indent=2) if args.json else markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
