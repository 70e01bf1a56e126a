import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PROJECT_DIR } from "./support/stacks";

// ts-jest checks only what the tests import; the commands, benches and providers must type-check too.
it("the whole project type-checks under strict TypeScript", async () => {
  const result = await promisify(execFile)("npx", ["tsc", "--noEmit", "-p", "."], { cwd: PROJECT_DIR }).then(
    () => "",
    (err: { stdout?: string; message: string }) => err.stdout || err.message,
  );
  expect(result).toBe("");
}, 120_000);
