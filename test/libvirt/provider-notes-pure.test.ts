// Issue 17, defect 3, the pure halves: which note a volume's check foresees (a preview shows it
// against the disk), and when a provider knows it runs inside Pulumi's dynamic provider host.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check as checkDomain } from "../../libvirt/providers/domain";
import { hostEngineAddress } from "../../libvirt/providers/engine-log";
import { check } from "../../libvirt/providers/volume";
import { renderVolumeXml } from "../../libvirt/render";
import { checked, devLabUnder, domainInputs } from "./lab-fixture";

const GiB = 2 ** 30;
const spec = (capacityBytes: number, deleteOnDestroy: boolean) => ({
  uri: "qemu:///system",
  pool: "homelab",
  name: "DC01.qcow2",
  xml: renderVolumeXml({ pool: "homelab", name: "DC01.qcow2", vm: "DC01", capacityBytes, format: "qcow2", deleteOnDestroy }),
  capacityBytes,
  format: "qcow2",
  deleteOnDestroy,
});

describe("a volume's check note", () => {
  test("a created disk that deleteOnDestroy does not remove says that a destroy keeps it", async () => {
    const r = await check({}, spec(40 * GiB, false));
    expect(r.failures).toEqual([]);
    expect(r.inputs.note).toBe(
      "volume homelab/DC01.qcow2: kept with its data when the lab is destroyed or the disk leaves it (deleteOnDestroy is off); " +
        "delete it by hand with virsh vol-delete --pool homelab DC01.qcow2",
    );
  });

  test("a created disk that a destroy deletes, and an unchanged one, have no note", async () => {
    expect((await check({}, spec(40 * GiB, true))).inputs.note).toBeUndefined();
    expect((await check(spec(40 * GiB, false), spec(40 * GiB, false))).inputs.note).toBeUndefined();
  });

  test("a kept disk that grows says how it grows, not again that it is kept", async () => {
    expect((await check(spec(40 * GiB, false), spec(48 * GiB, false))).inputs.note).toBe(
      "volume homelab/DC01.qcow2 grows from 42949672960 to 51539607552 bytes in place; if its guest runs, it grows live (virsh blockresize) " +
        "and the guest sees the new space as unallocated (extend the volume in Disk Management); no shutdown needed",
    );
  });
});

describe("a domain's check note", () => {
  const lab = devLabUnder(mkdtempSync(join(tmpdir(), "homelab-notes-")));
  const dc = lab.vms.find((vm) => vm.name === "DC01")!;
  const uri = "qemu:///system";

  test("more memory says it applies at the guest's next boot", async () => {
    const created = await checked(checkDomain, domainInputs(uri, dc, lab));
    expect(created.note).toBeUndefined();
    const more = await checked(checkDomain, domainInputs(uri, { ...dc, memoryBytes: dc.memoryBytes + GiB }, lab), created);
    expect(more.note).toBe(
      "domain DC01: memoryMiB change in the persistent definition: if the guest runs, it picks the change up at its next boot (shut it down and start it)",
    );
  });

  test("no change, or only a re-spelled URI, has no note", async () => {
    const created = await checked(checkDomain, domainInputs(uri, dc, lab));
    expect((await checked(checkDomain, domainInputs(uri, dc, lab), created)).note).toBeUndefined();
    expect((await checked(checkDomain, domainInputs("qemu+unix:///system", dc, lab), created)).note).toBeUndefined();
  });
});

describe("hostEngineAddress", () => {
  const node = "/usr/local/bin/node";
  test("is the engine's address when this process is the SDK's dynamic provider host, as Pulumi's plugin script starts it", () => {
    expect(hostEngineAddress([node, "/lab/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "127.0.0.1:41235"])).toBe("127.0.0.1:41235");
    expect(hostEngineAddress([node, "/lab/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "localhost:5000"])).toBe("localhost:5000");
    expect(hostEngineAddress([node, "/lab/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "[::1]:5000"])).toBe("[::1]:5000");
  });

  test("is undefined in any other process: the language host's program, jest, a host started without an address", () => {
    expect(hostEngineAddress([node, "/lab/node_modules/@pulumi/pulumi/cmd/run/index.js", "127.0.0.1:41235"])).toBeUndefined();
    expect(hostEngineAddress([node, "/lab/node_modules/jest/bin/jest.js", "--runInBand"])).toBeUndefined();
    expect(hostEngineAddress([node, "/lab/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"])).toBeUndefined();
    expect(hostEngineAddress([node, "/lab/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "--help"])).toBeUndefined();
  });
});
