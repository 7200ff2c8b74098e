"""Figures of oauth1core.micro: file and .mpy size, heap kept after import and allocated by one
signature (``gc.mem_alloc()``), time of one signature, under real MicroPython builds.

Time is CPU time, from the host (``getrusage`` of the child process): a run of N signatures
minus a run of none, over N. On a machine shared with other jobs the clock inside MicroPython
(``time.ticks_us``, also reported, in the JSON) counts the time others take.

    python benchmarks/micro.py             # a markdown table (about a minute)
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
import resource
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


LOOP = """import micro
{stub}
for _ in range({count}):
    micro.sign("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", "dpf43f3p2l4k3l03",
               "kd94hf93k423kf44", "nnch734d00sl2jdk", "pfkkdhi9sl3r4s00", signature_method="{method}",
               realm="Photos", nonce="chapoH", timestamp=137131202)
"""
STUB = """import hashlib
class _Hashlib:
    sha1 = hashlib.sha256
    sha256 = hashlib.sha256
micro.hashlib = _Hashlib"""


def cpu_seconds(run, script, files):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = run(script, files)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit("%s failed:\n%s%s" % (script, done.stdout, done.stderr))
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def cpu_per_signature(run, files, method, count, work, stub=False):
    """Microseconds of CPU per signature: N signatures minus none, over N."""
    seconds = []
    for n in (0, count):
        script = os.path.join(work, "loop.py")
        with open(script, "w", encoding="utf-8") as handle:
            handle.write(LOOP.format(stub=STUB if stub else "", count=n, method=method))
        seconds.append(cpu_seconds(run, script, files))
    return int((seconds[1] - seconds[0]) / count * 1e6)


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
        if form == "mpy":
            count = 1000 if build == "unix" else 100
            for method in ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT"):
                figures["cpu_us_" + method] = cpu_per_signature(run, files, method, count, work, stub=script == stub)
        report["runs"].append(figures)
    return report


def markdown(report):
    lines = ["`micro.py`: %d bytes; `micro.mpy`: %d bytes (%s)." % (report["micro.py bytes"], report["micro.mpy bytes"], report["mpy-cross"]),
             "",
             "| build | imported from | kept after import | HMAC-SHA1 allocates | HMAC-SHA256 allocates | PLAINTEXT allocates | HMAC-SHA1 CPU | HMAC-SHA256 CPU | PLAINTEXT CPU |",
             "|---|---|---|---|---|---|---|---|---|"]
    for run in report["runs"]:
        version = run["micropython"].split(")")[0].strip("(").replace(", ", ".").replace("'", "").rstrip(".")
        cpu = ["%d µs" % run["cpu_us_" + m] if "cpu_us_" + m in run else "" for m in ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT")]
        lines.append("| %s (MicroPython %s) | .%s | %d B | %d B | %d B | %d B | %s |" % (
            run["build"], version, run["form"], run["import_kept"], run["alloc_HMAC-SHA1"], run["alloc_HMAC-SHA256"],
            run["alloc_PLAINTEXT"], " | ".join(cpu)))
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
                    if name.startswith(("us_", "cpu_us_")):
                        best[name] = min(best[name], value)
    print(json.dumps(report, indent=2) if args.json else markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
