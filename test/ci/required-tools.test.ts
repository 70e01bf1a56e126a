// The suite's fail-fast check (test/support/required-tools.js) and the package list it shares
// with .ci/run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tools = require("../support/required-tools.js") as {
  parsePackages(text: string): { pkg: string; probe: string }[];
  problems(args: {
    packages: { pkg: string; probe: string }[];
    nodeVersion: string;
    uid: number;
    env: Record<string, string>;
    exists(p: string): boolean;
  }): string | undefined;
  PACKAGES_FILE: string;
  isPresent(path: string): boolean;
};

const ROOT = join(__dirname, "..", "..");
const all = () => true;

describe("the package list", () => {
  const packages = tools.parsePackages(readFileSync(join(ROOT, ".ci", "debian-packages.txt"), "utf8"));

  it("names every tool the real-part tests call", () => {
    const probes = packages.map((p) => p.probe);
    for (const probe of [
      "cmd:virsh",
      "cmd:virt-xml-validate",
      "file:/usr/sbin/libvirtd",
      "cmd:qemu-system-x86_64",
      "cmd:qemu-img",
      "file:/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
      "cmd:swtpm",
      "cmd:swtpm_setup",
      "file:/usr/sbin/dnsmasq",
      "cmd:xmllint",
      "cmd:nix-instantiate",
      "cmd:xorriso",
      "file:/usr/sbin/ip",
      "cmd:unshare",
      "cmd:openssl",
    ]) {
      expect(probes).toContain(probe);
    }
  });

  it("is what .ci/run installs (it reads the same file)", () => {
    const run = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    expect(run).toContain(".ci/debian-packages.txt");
    expect(run).not.toMatch(/^APT_PACKAGES=\(/m);
  });

  it("refuses a line without a probe", () => {
    expect(() => tools.parsePackages("xorriso\n")).toThrow('"xorriso" needs a probe (cmd:NAME or file:/path)');
  });

  it("finds every probe on this machine (CI installs them all)", () => {
    expect(
      tools.problems({ packages, nodeVersion: process.version, uid: 0, env: process.env as Record<string, string>, exists: tools.isPresent }),
    ).toBeUndefined();
  });
});

describe("problems", () => {
  const packages = [
    { pkg: "xorriso", probe: "cmd:xorriso" },
    { pkg: "ovmf", probe: "file:/usr/share/OVMF/OVMF_CODE_4M.ms.fd" },
    { pkg: "libvirt-clients", probe: "cmd:virsh" },
    { pkg: "libvirt-clients", probe: "cmd:virt-xml-validate" },
  ];

  it("names each missing package once, with the apt-get line", () => {
    const present = new Set(["/usr/bin/xorriso"]);
    const message = tools.problems({ packages, nodeVersion: "v24.22.3", uid: 0, env: { PATH: "/usr/local/bin:/usr/bin" }, exists: (p) => present.has(p) });
    expect(message).toBe(
      "the tests cannot run on this machine:\n" +
        "- missing Debian packages: ovmf libvirt-clients\n" +
        "  install them with: sudo apt-get install -y --no-install-recommends ovmf libvirt-clients\n" +
        "  (or run sudo bash .ci/run, which installs every package the tests use and runs them)",
    );
  });

  it("looks for commands on PATH, files at their path", () => {
    const seen: string[] = [];
    tools.problems({ packages: packages.slice(0, 2), nodeVersion: "v24.22.3", uid: 0, env: { PATH: "/a:/b" }, exists: (p) => (seen.push(p), false) });
    expect(seen).toEqual(["/a/xorriso", "/b/xorriso", "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"]);
  });

  it.each([
    ["v20.20.2", "Node.js v20.20.2 is not supported: use a maintained LTS line, 22 or 24 (sudo bash .ci/run installs the pinned one)"],
    ["v18.19.0", "Node.js v18.19.0 is not supported: use a maintained LTS line, 22 or 24 (sudo bash .ci/run installs the pinned one)"],
  ])("refuses Node %s", (nodeVersion, line) => {
    expect(tools.problems({ packages: [], nodeVersion, uid: 0, env: {}, exists: all })).toBe(`the tests cannot run on this machine:\n- ${line}`);
  });

  it.each(["v22.23.5", "v24.22.3", "v26.12.1"])("accepts Node %s", (nodeVersion) => {
    expect(tools.problems({ packages: [], nodeVersion, uid: 0, env: {}, exists: all })).toBeUndefined();
  });

  it("says why root is needed", () => {
    expect(tools.problems({ packages: [], nodeVersion: "v24.22.3", uid: 1000, env: {}, exists: all })).toBe(
      "the tests cannot run on this machine:\n- the tests start a private libvirtd in its own network, mount and pid namespaces (unshare), which needs root: run them as root (sudo bash .ci/run, or sudo npm test)",
    );
  });
});

describe("npm test on a machine without a package", () => {
  it("stops before any test runs, with the install line", () => {
    const dir = mkdtempSync(join(tmpdir(), "homelab-tools-"));
    const file = join(dir, "packages.txt");
    writeFileSync(file, "xorriso cmd:xorriso\nhomelab-no-such-package cmd:homelab-no-such-tool\n");
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--runInBand", "test/ci/required-tools.test.ts"], {
      cwd: ROOT,
      env: { ...process.env, HOMELAB_TEST_PACKAGES_FILE: file },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "- missing Debian packages: homelab-no-such-package\n  install them with: sudo apt-get install -y --no-install-recommends homelab-no-such-package",
    );
    expect(r.stdout + r.stderr).not.toMatch(/Tests:\s+\d+ passed/);
  });
});
