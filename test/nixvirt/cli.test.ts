// The command as npm runs it: homelab export nixvirt, from the build.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportNixVirt } from "../../nixvirt-export";
import { PROJECT_DIR, stackSpec } from "../support/stacks";

import { ensureFreshBuild, homelab } from "../cli/built";

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = homelab(["export", "nixvirt", ...args]);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  ensureFreshBuild();
  dir = mkdtempSync(join(tmpdir(), "export-nixvirt-cli-"));
  copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  const dev = readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
  // A config error the lab model finds, and one only NixVirt cannot declare.
  writeFileSync(join(dir, "Pulumi.bad.yaml"), dev.replace("vcpus: 4", "vcpus: 0").replace("memory: 2GiB", "memory: lots"));
  writeFileSync(join(dir, "Pulumi.nosb.yaml"), dev.replace("      os: windows-server-2022\n", "      os: windows-server-2022\n      firmware: { secureBoot: false }\n"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("writes the stack's export to --out", () => {
  const out = join(dir, "out");
  const result = run(["--stack", "dev", "--out", out]);
  expect(result).toMatchObject({ status: 0 });
  for (const file of exportNixVirt(stackSpec("dev"))) {
    expect(readFileSync(join(out, file.path), "utf8")).toBe(file.content);
    expect(result.stdout).toContain(file.path);
  }
});

test("prints each config problem as `path: message` and exits non-zero", () => {
  const result = run(["--stack", "bad", "--out", join(dir, "bad-out"), "--project", dir]);
  expect(result.status).toBe(3);
  expect(result.stderr).toMatch(/^ {2}homelab:vms\[1\]\.vcpus: 0 must be at least 1$/m);
  expect(result.stderr).toMatch(/^ {2}homelab:vms\[0\]\.memory: "lots" is not a size: /m);
});

test("prints what NixVirt cannot declare and exits non-zero, writing nothing", () => {
  const out = join(dir, "nosb-out");
  const result = run(["--stack", "nosb", "--out", out, "--project", dir]);
  expect(result.status).toBe(3);
  expect(result.stderr).toMatch(/homelab:vms\[0\]\.firmware\.secureBoot: VM DC01: /);
  expect(() => readFileSync(join(out, "domains.nix"))).toThrow();
});
