// The virsh client: error translation (from stderr virsh really prints), and calls against the
// real virsh with libvirt's built-in test driver (test:///default needs no daemon).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classifyFailure, formatVirshError, libvirtDetail, parseInfo, Virsh, VirshError, xmlIdentity } from "../../libvirt/virsh";

// stderr as virsh 9.0 prints it, captured against a private libvirtd.
const STDERR = {
  bridgeTaken: "error: Failed to define network from /tmp/homelab-virsh-x/network.xml\nerror: internal error: bridge name 'virbr56' already in use.\n",
  isoMissing: "error: Failed to start domain 'DC01'\nerror: Cannot access storage file '/x.iso': No such file or directory\n",
  noDaemon: "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/nonexistent/sock': No such file or directory\n",
  noNetwork: "error: failed to get network 'nosuch'\nerror: Network not found: no network with matching name 'nosuch'\n",
  noDomain: "error: failed to get domain 'nosuch'\n",
  volumeMissingAtStart: "error: Failed to start domain 'GHOST01'\nerror: Storage volume not found: no storage vol with matching name 'GHOST01.qcow2'\n",
  uuidTaken:
    "error: Failed to define network from /tmp/n1b.xml\nerror: operation failed: network 'n1' already exists with uuid 11111111-1111-1111-1111-111111111111\n",
  notEmpty: "error: Failed to delete pool p1\nerror: failed to remove pool '/srv/pool': Directory not empty\n",
};

describe("libvirt's error text, restated", () => {
  test.each([
    ["bridgeTaken", "failed", "internal error: bridge name 'virbr56' already in use."],
    ["isoMissing", "failed", "Cannot access storage file '/x.iso': No such file or directory"],
    ["noDaemon", "not-connected", "Failed to connect socket to '/nonexistent/sock': No such file or directory"],
    ["noNetwork", "not-found", "Network not found: no network with matching name 'nosuch'"],
    ["noDomain", "not-found", "failed to get domain 'nosuch'"],
    ["volumeMissingAtStart", "failed", "Storage volume not found: no storage vol with matching name 'GHOST01.qcow2'"],
    ["uuidTaken", "failed", "operation failed: network 'n1' already exists with uuid 11111111-1111-1111-1111-111111111111"],
    ["notEmpty", "failed", "failed to remove pool '/srv/pool': Directory not empty"],
  ] as const)("%s: %s, %s", (key, failure, detail) => {
    expect(classifyFailure(STDERR[key])).toBe(failure);
    expect(libvirtDetail(STDERR[key])).toBe(detail);
  });

  test("the message names the operation, the object, the connection and libvirt's reason", () => {
    expect(formatVirshError({ kind: "domain", name: "DC01", operation: "start" }, "qemu:///system", libvirtDetail(STDERR.isoMissing), "failed")).toBe(
      "libvirt could not start domain DC01 on qemu:///system: Cannot access storage file '/x.iso': No such file or directory",
    );
  });

  test("a daemon that does not answer gets the hint to check libvirtd and the URI", () => {
    const message = formatVirshError(
      { kind: "network", name: "lab-net", operation: "define" },
      "qemu+ssh://lab@host/system",
      libvirtDetail(STDERR.noDaemon),
      "not-connected",
    );
    expect(message).toBe(
      "libvirt could not define network lab-net: no connection to qemu+ssh://lab@host/system: " +
        "Failed to connect socket to '/nonexistent/sock': No such file or directory. Is libvirtd (or virtqemud) running on that host, and is the URI right (homelab:uri)?",
    );
  });

  test("parseInfo reads virsh's key: value tables", () => {
    expect(parseInfo("Name:           n1\nUUID:           1111\nActive:         yes\nBridge:         virbr77\n")).toEqual({
      Name: "n1",
      UUID: "1111",
      Active: "yes",
      Bridge: "virbr77",
    });
  });

  test("xmlIdentity finds the name and UUID that error messages use", () => {
    expect(xmlIdentity("<domain type='qemu'><name>DC01</name><uuid>abc</uuid></domain>")).toEqual({ root: "domain", name: "DC01", uuid: "abc" });
    expect(xmlIdentity("<volume><name>d.qcow2</name></volume>")).toEqual({ root: "volume", name: "d.qcow2", uuid: undefined });
  });
});

describe("the real virsh", () => {
  const test_ = new Virsh({ uri: "test:///default" });

  test("passes the URI on every call and reads the version", async () => {
    const v = await test_.version();
    expect(v.library).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("a lookup of something absent is undefined, not an error", async () => {
    expect(await test_.domainUuid("nosuch")).toBeUndefined();
    expect(await test_.networkInfo("nosuch")).toBeUndefined();
    expect(await test_.poolInfo("nosuch")).toBeUndefined();
    expect(await test_.domainUuid("test")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("define --validate refuses XML that breaks the schema, naming the domain", async () => {
    await expect(test_.defineDomain("<domain type='test'><name>BAD01</name><memory>x</memory></domain>")).rejects.toThrow(
      /^libvirt could not define domain BAD01 on test:\/\/\/default: .*(validate|schema)/i,
    );
  });

  test("a daemon that is not there: not-connected, with the hint", async () => {
    const gone = new Virsh({ uri: "qemu:///system?socket=/nonexistent/libvirt-sock" });
    const err = await gone.domainUuid("DC01").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VirshError);
    expect((err as VirshError).failure).toBe("not-connected");
    expect((err as Error).message).toMatch(/Is libvirtd .* running on that host, and is the URI right/);
  });
});

describe("process handling", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "virsh-test-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Stand-ins for virsh that only record what they were given: they test our side of the call.
  const script = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  test("a call that hangs is killed after the timeout and says so", async () => {
    const slow = new Virsh({ binary: script("slow", "sleep 10"), timeoutMs: 300 });
    const started = Date.now();
    await expect(slow.version()).rejects.toThrow(
      "libvirt could not ask the version of hypervisor qemu:///system on qemu:///system: virsh did not answer within 300 ms",
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test("XML goes through a private temp file (mode 600) that is gone afterwards; argv has -c URI", async () => {
    const log = join(dir, "calls.log");
    const rec = new Virsh({
      uri: "qemu+ssh://lab@host/system",
      binary: script("rec", `echo "$@" >> ${log}; for a; do f="$a"; done; stat -c '%a' "$f" >> ${log}; cat "$f" >> ${log}`),
    });
    await rec.defineDomain("<domain><name>DC01</name></domain>");
    const [argv, mode, xml] = readFileSync(log, "utf8").split("\n");
    expect(argv).toMatch(/^-c qemu\+ssh:\/\/lab@host\/system -q define --validate \/.*\/domain\.xml$/);
    expect(mode).toBe("600");
    expect(xml).toBe("<domain><name>DC01</name></domain>");
    const file = argv.split(" ").pop()!;
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  test("no virsh on PATH: says which package to install", async () => {
    await expect(new Virsh({ binary: join(dir, "no-virsh") }).version()).rejects.toThrow(/is not installed \(install libvirt-clients\)/);
  });
});
