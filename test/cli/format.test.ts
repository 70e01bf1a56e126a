// `npm run format:check` is part of the test run, so CI fails on unformatted code like on a failing test.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

jest.setTimeout(300_000);
const ROOT = join(__dirname, "..", "..");

test("Prettier finds every file formatted (npm run format:check)", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "prettier", "bin", "prettier.cjs"), "--list-different", "."], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 16 * 2 ** 20,
  });
  expect(r.stderr).toBe("");
  // --list-different names each file Prettier would change: `npx prettier --write <file>` formats it.
  expect(r.stdout.split("\n").filter(Boolean)).toEqual([]);
  expect(r.status).toBe(0);
});
