// Open the Pyodide demo page in real headless Chromium (Debian's) and report what it shows.
//
//   node tests/pyodide/browser.mjs URL SCREENSHOT [CHROMIUM]
//
// Driven with playwright-core (no browser download: the system's chromium). Prints one JSON
// object: the records rendered per column (and whether every JSON line parses), the page's
// stats, our developer-console messages by type (and the others), page errors, timings.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, screenshot, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "lite-logging-chromium-"));  // a fresh profile
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 1400 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
// console: our records (BrowserConsoleHandler's "%c%s..." calls) by type; others: the rest.
// dev_console: the same for the records logged after the demo under ll.setup("dev").
const result = {
  console: {}, console_samples: [], others: [], page_errors: [], dev_console: {}, dev_texts: [],
};
const DEV_DONE = "lite-logging: dev records sent";
let devDone = null;  // resolved when the page logs DEV_DONE (console events come in order)
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("console", (msg) => {
    if (msg.text() === DEV_DONE && devDone) {
      devDone();
      return;
    }
    if (!msg.text().startsWith("%c%s")) {
      result.others.push([msg.type(), msg.text()]);
      return;
    }
    const counts = devDone ? result.dev_console : result.console;
    counts[msg.type()] = (counts[msg.type()] || 0) + 1;
    if (devDone) result.dev_texts.push(msg.text().slice(0, 400));
    if (result.console_samples.length < 3) result.console_samples.push([msg.type(), msg.text()]);
  });
  page.on("pageerror", (err) => result.page_errors.push(String(err)));
  const started = Date.now();
  await page.goto(url);
  await page.waitForFunction(
    () => ["done"].includes(document.getElementById("status").textContent)
      || document.getElementById("status").className === "error",
    null, { timeout: 120000 },
  );
  result.ms = Date.now() - started;
  Object.assign(result, await page.evaluate(() => {
    const texts = (id) => [...document.querySelectorAll(`#${id} .rec`)].map((e) => e.textContent);
    const json = texts("json");
    let parsed = 0;
    for (const line of json) { try { JSON.parse(line); parsed += 1; } catch {} }
    return {
      status: document.getElementById("status").textContent,
      timing: document.getElementById("timing").textContent,
      json: json.length, json_parsed: parsed, edn: texts("edn").length,
      pretty: texts("pretty").length, first_json: json[0], first_edn: texts("edn")[0],
      first_pretty: texts("pretty")[0],
      stats: JSON.parse(document.getElementById("stats").textContent || "null"),
    };
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  // ll.setup("dev") in the page: its console target is the developer console.
  const sent = new Promise((resolve) => { devDone = resolve; });
  result.dev_handlers = JSON.parse(await page.evaluate(async (done) => window.pyodide.runPythonAsync(`
import json, logging, js
import lite_logging as ll
ll.setup("dev")
log = logging.getLogger("shop.dev")
log.info("dev info %d", 1)
log.warning("dev warning")
log.error("dev error")
ll.flush()
js.console.log(${JSON.stringify(done)})
json.dumps([type(h).__name__ for h in logging.getLogger().handlers[0].listener.handlers])
`), DEV_DONE));
  const late = new Promise((_, fail) => setTimeout(() => fail(new Error("no " + DEV_DONE)), 30000));
  await Promise.race([sent, late]);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
