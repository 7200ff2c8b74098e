// Run a MicroPython script under the WebAssembly port (npm @micropython/micropython-webassembly-pyscript).
// Usage: node run.mjs PACKAGE_DIR SCRIPT [NAME PATH]...
// Each PATH is copied to /run/NAME in MicroPython's file system, /run is made the current directory
// (first on sys.path), then SCRIPT runs. Exit status: 0 when it ran to the end, 1 on a Python
// exception (its traceback on stderr), 2 on any other failure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [packageDir, script, ...pairs] = process.argv.slice(2);
try {
  const { loadMicroPython } = await import(pathToFileURL(join(packageDir, "micropython.mjs")).href);
  const mp = await loadMicroPython({
    heapsize: 4 * 1024 * 1024,
    stdout: (line) => process.stdout.write(line + "\n"),
    stderr: (line) => process.stderr.write(line + "\n"),
  });
  mp.FS.mkdirTree("/run");
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    mp.FS.writeFile("/run/" + pairs[i], readFileSync(pairs[i + 1]));
  }
  mp.runPython("import os, sys\nos.chdir('/run')\nsys.path.insert(0, '/run')\n");
  try {
    mp.runPython(readFileSync(script, "utf8"));
  } catch (error) {
    if (error.name === "PythonError") {
      process.stderr.write(String(error.message) + "\n");
      process.exit(1);
    }
    throw error;
  }
} catch (error) {
  // Not the minified package's source line: only the message.
  process.stderr.write("run.mjs: " + String(error && error.message).slice(0, 2000) + "\n");
  process.exit(2);
}
