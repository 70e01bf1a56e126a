// `homelab render` (npm run render) writes each Windows VM's answer file with placeholder passwords: the same text
// as the reviewed goldens, so a user reads exactly what Setup will be told, minus the secrets.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkAnswerFile, PASSWORD_PLACEHOLDER } from "../../unattend";
import { PROJECT_DIR } from "../support/stacks";

jest.setTimeout(180_000);
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "homelab-unattend-render-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const render = (args: string[]) =>
  run(process.execPath, [join(PROJECT_DIR, "bin", "homelab.js"), "render", ...args], { cwd: PROJECT_DIR, env: { ...process.env, NODE_NO_WARNINGS: "1" } });

test("dev: D/unattend/<VM>.xml for the four Windows VMs, equal to the reviewed goldens, placeholders for passwords", async () => {
  const out = join(tmp, "dev");
  const { stdout } = await render(["--stack", "dev", "--out", out]);
  expect(readdirSync(join(out, "unattend")).sort()).toEqual(["CLIENT01.xml", "CLIENT02.xml", "DC01.xml", "SCCM01.xml"]);
  expect(stdout).toContain("  unattend/DC01.xml");
  for (const vm of ["DC01", "SCCM01", "CLIENT01", "CLIENT02"]) {
    const xml = readFileSync(join(out, "unattend", `${vm}.xml`), "utf8");
    expect(xml).toBe(readFileSync(join(__dirname, "golden", "dev", `${vm}.xml`), "utf8"));
    expect(xml.split(`<Value>${PASSWORD_PLACEHOLDER}</Value>`)).toHaveLength(4);
    expect(checkAnswerFile(xml, { placeholder: PASSWORD_PLACEHOLDER })).toEqual([]);
  }
});

test("a lab without Windows VMs gets no unattend folder", async () => {
  const out = join(tmp, "linux");
  await render(["--stack", "linux", "--out", out]);
  expect(existsSync(join(out, "unattend"))).toBe(false);
});

test("homelab:install: manual writes no answer files", async () => {
  const project = join(tmp, "manual-project");
  mkdirSync(project);
  copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
  writeFileSync(
    join(project, "Pulumi.manual.yaml"),
    readFileSync(join(PROJECT_DIR, "Pulumi.minimal.yaml"), "utf8").replace("config:\n", "config:\n  homelab:install: manual\n"),
  );
  const out = join(tmp, "manual-out");
  await render(["--stack", "manual", "--out", out, "--project", project]);
  expect(readdirSync(out)).toContain("domain-DC01.xml");
  expect(existsSync(join(out, "unattend"))).toBe(false);
});
