// loadProjectModule, as Pulumi ships it inside every dynamic provider: the closure's text, run in a
// plain node process started in a project folder. It loads dist/ when the build is current, the
// TypeScript source through the project's ts-node when the source is newer, and names the folder
// when neither is there; the closure holds no path (issue 17, defect 1: a moved checkout).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadProjectModule } from "../../lab/project-module";
import { PROJECT_DIR } from "../support/stacks";

jest.setTimeout(60_000);

const HOST = `
const load = require(require.resolve("require-from-string", { paths: [process.argv[1]] }));
const call = load(require("fs").readFileSync(process.argv[2], "utf8")).handler();
try { console.log(JSON.stringify({ from: call() })); } catch (e) { console.log(JSON.stringify({ error: e.message })); }
`;

let work: string;
let closureFile: string;
let closureText: string;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "project-module-"));
  const closure = await pulumi.runtime.serializeFunction(() => () => loadProjectModule<{ from: string }>("mod/answer", "test module").from);
  closureText = closure.text;
  closureFile = join(work, "closure.js");
  writeFileSync(closureFile, closureText);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A project folder with node_modules and a tsconfig (for ts-node) and whichever of the source and the build the case gives. */
function project(name: string, files: { source?: number; built?: number }): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "mod"), { recursive: true });
  symlinkSync(join(PROJECT_DIR, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", target: "es2022" } }));
  if (files.source !== undefined) {
    writeFileSync(join(dir, "mod", "answer.ts"), 'export const from: string = "source";\n');
    utimesSync(join(dir, "mod", "answer.ts"), files.source, files.source);
  }
  if (files.built !== undefined) {
    mkdirSync(join(dir, "dist", "mod"), { recursive: true });
    writeFileSync(join(dir, "dist", "mod", "answer.js"), 'exports.from = "dist";\n');
    utimesSync(join(dir, "dist", "mod", "answer.js"), files.built, files.built);
  }
  return dir;
}

function runIn(cwd: string): Promise<{ from?: string; error?: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", HOST, PROJECT_DIR, closureFile], { cwd, timeout: 50_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").pop()!));
    });
  });
}

test("the closure carries the loader, not a path", () => {
  expect(closureText).toContain('"mod/answer"');
  expect(closureText).not.toContain(PROJECT_DIR);
  expect(closureText).not.toContain(work);
});

test("a current build in dist/ is loaded", async () => {
  expect(await runIn(project("built", { source: 1_000_000, built: 2_000_000 }))).toEqual({ from: "dist" });
});

test("a source edited after the build is loaded through the project's ts-node", async () => {
  expect(await runIn(project("edited", { source: 3_000_000, built: 2_000_000 }))).toEqual({ from: "source" });
});

test("a checkout without a build loads the source", async () => {
  expect(await runIn(project("unbuilt", { source: 1_000_000 }))).toEqual({ from: "source" });
});

test("a shipped build without sources is loaded", async () => {
  expect(await runIn(project("shipped", { built: 1_000_000 }))).toEqual({ from: "dist" });
});

test("a folder with neither says where it looked and what to do", async () => {
  const dir = project("empty", {});
  const result = await runIn(dir);
  expect(result.error).toMatch(
    new RegExp(
      `^the homelab test module code was not found under ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(looked for mod/answer and ts-node there\\): run pulumi from the project folder, the one with Pulumi.yaml and node_modules \\(Cannot find module`,
    ),
  );
});
