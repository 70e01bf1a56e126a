// `npm run lint` is part of the test run, so CI fails on a lint error like on a failing test.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

jest.setTimeout(300_000);
const ROOT = join(__dirname, "..", "..");

test("typescript-eslint finds no errors (npm run lint)", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "eslint", "bin", "eslint.js"), "--format", "json", "."], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  const results = JSON.parse(r.stdout) as Array<{ filePath: string; messages: Array<{ severity: number; line: number; ruleId: string; message: string }> }>;
  expect(results.length).toBeGreaterThan(100);
  const errors = results.flatMap((f) => f.messages.filter((m) => m.severity === 2).map((m) => `${f.filePath}:${m.line} ${m.ruleId}: ${m.message}`));
  expect(errors).toEqual([]);
  expect(r.status).toBe(0);
});
