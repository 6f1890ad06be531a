// Run lite_logging in Pyodide (CPython 3.14 in WebAssembly) under Node, from local files only.
//
//   node tests/pyodide/run.mjs [--scenarios] [--pytest] [--bench] [--out FILE]
//        [--pytest-args JSON-LIST] [--pytest-files "test_a.py test_b.py"]
//
// Pyodide comes from node_modules (`npm ci` in tests/pyodide/), the pure-Python wheels from
// tests/pyodide/wheels/ (tests/setup-env.sh downloads them), our package from the working tree
// (mounted read-only in spirit: no bytecode, no pytest cache is written there). Nothing is
// fetched from the network. Each part prints its results as one JSON object; with --out the
// objects are written to FILE as {"scenarios": ..., "pytest": ..., "bench": ...}.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const args = process.argv.slice(2);
const want = (flag) => args.includes(flag);
const outIndex = args.indexOf("--out");
const outFile = outIndex >= 0 ? args[outIndex + 1] : null;

const { loadPyodide } = await import(join(here, "node_modules", "pyodide", "pyodide.mjs"));
const started = performance.now();
const pyodide = await loadPyodide({ indexURL: join(here, "node_modules", "pyodide") + "/" });
const loadMs = performance.now() - started;

// Pure-Python wheels into site-packages: a wheel is a zip laid out for it.
const site = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
const wheels = readdirSync(join(here, "wheels")).filter((name) => name.endsWith(".whl"));
if (wheels.length === 0) {
  throw new Error("no wheels in tests/pyodide/wheels: run tests/setup-env.sh first");
}
for (const name of wheels) {
  const bytes = new Uint8Array(readFileSync(join(here, "wheels", name)));  // not a Buffer
  pyodide.unpackArchive(bytes, "zip", { extractDir: site });
}
pyodide.mountNodeFS("/repo", repo);
pyodide.runPython(`
import os, sys
sys.dont_write_bytecode = True  # the working tree is mounted: leave no __pycache__ in it
sys.path[:0] = ["/repo", "/repo/tests", "/repo/tests/pyodide"]
os.makedirs("/work", exist_ok=True)
os.chdir("/work")
`);

const results = { pyodide: { version: pyodide.version, load_ms: Math.round(loadMs) } };
const runPart = async (name, code) => {
  const t0 = performance.now();
  const text = await pyodide.runPythonAsync(code);
  results[name] = JSON.parse(text);
  results[name].wall_ms = Math.round(performance.now() - t0);
  console.log(`PYODIDE-RESULT ${name} ${JSON.stringify(results[name])}`);
};
if (want("--scenarios")) {
  await runPart("scenarios", "import scenarios; await scenarios.main()");
}
if (want("--pytest")) {
  // --pytest-args "..." adds pytest options (a JSON list), e.g. '["-v", "-k", "edn"]';
  // --pytest-files "test_a.py test_b.py" runs those files instead of test-files.txt's.
  const extraIndex = args.indexOf("--pytest-args");
  const extra = extraIndex >= 0 ? args[extraIndex + 1] : "[]";
  const filesIndex = args.indexOf("--pytest-files");
  const only = filesIndex >= 0 ? args[filesIndex + 1].split(/\s+/).filter(Boolean) : [];
  pyodide.globals.set("pytest_extra", extra);
  pyodide.globals.set("pytest_only", JSON.stringify(only));
  await runPart(
    "pytest",
    "import inner_pytest, json; inner_pytest.main(json.loads(pytest_extra), json.loads(pytest_only))",
  );
}
if (want("--bench")) {
  await runPart("bench", "import runpy; runpy.run_path('/repo/benchmarks/pyodide.py', run_name='pyodide_bench')['RESULT']");
}
if (outFile) {
  writeFileSync(outFile, JSON.stringify(results, null, 1));
}
