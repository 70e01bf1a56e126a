// The dev lab through the four providers, against a real libvirtd in its own namespaces.
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { LabSpec } from "../../lab";
import { renderVolumeXml } from "../../libvirt/render";
import type { DomainOutputs, NetworkOutputs, PoolOutputs, VolumeOutputs } from "../../libvirt/providers/inputs";
import * as ops from "../../libvirt/providers/ops";
import { Virsh, VirshError } from "../../libvirt/virsh";
import { XMLParser } from "fast-xml-parser";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { checked, devLabUnder, domainInputs, networkInputs, poolInputs, RecordingLog, volumeInputs } from "./lab-fixture";

jest.setTimeout(120_000);

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name) => ["interface", "disk", "feature"].includes(name) });
// <os firmware='efi'> also has a <firmware> child: attributes need a prefix there.
const osParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => name === "feature" });
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed libvirt XML, read in assertions only

/** mtime of every persistent config file libvirt keeps (domains, networks, pools). */
function configMtimes(etc: string): Record<string, string> {
  const out: Record<string, bigint> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".xml")) out[p] = lstatSync(p, { bigint: true }).mtimeNs;
    }
  };
  walk(join(etc, "qemu"));
  walk(join(etc, "storage"));
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.toString()]));
}

describe("the dev lab through the providers, against a private libvirtd", () => {
  let daemon: PrivateLibvirtd;
  let virsh: Virsh;
  let lab: LabSpec;
  let uri: string;
  const state = {
    networks: new Map<string, NetworkOutputs>(),
    pool: undefined as PoolOutputs | undefined,
    volumes: new Map<string, VolumeOutputs>(),
    domains: new Map<string, DomainOutputs>(),
  };
  const vsh = (...args: string[]) => execFileSync("virsh", ["-c", uri, "-q", ...args], { encoding: "utf8" });

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    uri = daemon.uri;
    virsh = new Virsh({ uri });
    lab = devLabUnder(join(daemon.dir, "lab"));
  });

  afterAll(async () => {
    await daemon?.stop();
  });

  test("creates both networks, the pool, four volumes and four running Secure Boot + TPM domains", async () => {
    for (const n of lab.networks)
      state.networks.set(n.name, (await ops.network.create(await checked(ops.network.check, networkInputs(uri, n)), new RecordingLog())).outs);
    state.pool = (await ops.pool.create(await checked(ops.pool.check, poolInputs(uri, lab.pool)), new RecordingLog())).outs;
    for (const v of lab.volumes)
      state.volumes.set(v.name, (await ops.volume.create(await checked(ops.volume.check, volumeInputs(uri, v)), new RecordingLog())).outs);
    for (const vm of lab.vms)
      state.domains.set(vm.name, (await ops.domain.create(await checked(ops.domain.check, domainInputs(uri, vm, lab)), new RecordingLog())).outs);

    for (const n of lab.networks) {
      const info = await virsh.networkInfo(n.name);
      expect(info).toMatchObject({ uuid: n.uuid, active: true, autostart: n.autostart, bridge: n.bridge });
      const xml: Json = parser.parse(vsh("net-dumpxml", n.name)).network;
      expect(xml.mac.address).toBe(n.mac);
    }
    expect(await virsh.poolInfo(lab.pool.name)).toMatchObject({ uuid: lab.pool.uuid, state: "running" });
    expect(existsSync(lab.pool.path)).toBe(true);
    for (const v of lab.volumes) {
      expect(await virsh.volumeInfo(v.pool, v.name)).toMatchObject({ capacityBytes: v.capacityBytes });
      expect(state.volumes.get(v.name)!.path).toBe(join(lab.pool.path, v.name));
    }
    expect(lab.vms).toHaveLength(4);
    for (const vm of lab.vms) {
      expect(await virsh.domainState(vm.name)).toBe("running");
      const d: Json = parser.parse(vsh("dumpxml", "--inactive", vm.name)).domain;
      expect(d.type).toBe("qemu");
      expect(d.uuid).toBe(vm.uuid);
      const nics = (d.devices.interface as Json[]).map((i) => [i.mac.address, i.source.network, i.model.type]);
      expect(nics).toEqual(vm.nics.map((nic) => [nic.mac, nic.network, nic.model]));
      const disks = (d.devices.disk as Json[]).map((k) => [k.device, k.target.bus, k.source.file ?? `${k.source.pool}/${k.source.volume}`]);
      expect(disks[0]).toEqual(["disk", "sata", `${lab.pool.name}/${vm.volume}`]);
      expect(disks.filter((k) => k[0] === "cdrom").map((k) => k[2])).toEqual([vm.isos.install, vm.isos.virtio, vm.isos.media].filter(Boolean));
      const os: Json = osParser.parse(vsh("dumpxml", "--inactive", vm.name)).domain.os;
      expect(os["@firmware"]).toBe("efi");
      expect(Object.fromEntries((os.firmware.feature as Json[]).map((f) => [f["@name"], f["@enabled"]]))).toEqual({
        "secure-boot": "yes",
        "enrolled-keys": "yes",
      });
      expect(d.os.loader.secure).toBe("yes");
      expect(d.os.nvram).toBe(vm.nvramPath);
      expect(d.features.smm.state).toBe("on");
      expect(d.devices.tpm).toMatchObject({ model: "tpm-crb", backend: { type: "emulator", version: "2.0" } });
      // The firmware libvirt chose for the running guest is a Secure Boot build with SMM.
      const live: Json = parser.parse(vsh("dumpxml", vm.name)).domain;
      expect(live.os.loader.secure).toBe("yes");
      expect(String(live.os.loader["#text"])).toMatch(/OVMF_CODE.*\.(ms|secboot)\.fd$|OVMF_CODE_4M\.ms\.fd$/);
    }
  });

  test("the same spec again: no changes in any diff, and adopting writes nothing", async () => {
    const before = configMtimes(join(daemon.dir, "etc"));
    const xmlBefore = lab.vms.map((vm) => vsh("dumpxml", "--inactive", vm.name));
    for (const n of lab.networks) {
      const news = await checked(ops.network.check, networkInputs(uri, n), state.networks.get(n.name));
      expect(await ops.network.diff(n.uuid, state.networks.get(n.name)!, news)).toMatchObject({ changes: false, replaces: [] });
      const read = await ops.network.read(n.uuid, state.networks.get(n.name)!);
      expect(await ops.network.diff(n.uuid, read.props!, news)).toMatchObject({ changes: false });
      await ops.network.create(news, new RecordingLog());
    }
    const poolNews = await checked(ops.pool.check, poolInputs(uri, lab.pool));
    expect(await ops.pool.diff(lab.pool.uuid, (await ops.pool.read(lab.pool.uuid, state.pool!)).props!, poolNews)).toMatchObject({ changes: false });
    await ops.pool.create(poolNews, new RecordingLog());
    for (const v of lab.volumes) {
      const news = await checked(ops.volume.check, volumeInputs(uri, v), state.volumes.get(v.name));
      expect(await ops.volume.diff(v.name, (await ops.volume.read(v.name, state.volumes.get(v.name)!)).props!, news)).toMatchObject({ changes: false });
      await ops.volume.create(news, new RecordingLog());
    }
    for (const vm of lab.vms) {
      const news = await checked(ops.domain.check, domainInputs(uri, vm, lab));
      const read = await ops.domain.read(vm.uuid, state.domains.get(vm.name)!);
      expect(read.props!.state).toBe("running");
      expect(await ops.domain.diff(vm.uuid, read.props!, news)).toMatchObject({ changes: false, replaces: [] });
      const log = new RecordingLog();
      await ops.domain.create(news, log);
      expect(log.messages).toEqual([]);
    }
    expect(configMtimes(join(daemon.dir, "etc"))).toEqual(before);
    expect(lab.vms.map((vm) => vsh("dumpxml", "--inactive", vm.name))).toEqual(xmlBefore);
  });

  test("more memory for DC01 is an in-place update that applies at the next boot", async () => {
    const dc = lab.vms.find((vm) => vm.name === "DC01")!;
    const bigger = { ...dc, memoryBytes: dc.memoryBytes + 1024 * 2 ** 20 };
    const news = await checked(ops.domain.check, domainInputs(uri, bigger, lab));
    const diff = await ops.domain.diff(dc.uuid, state.domains.get("DC01")!, news);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const log = new RecordingLog();
    const { outs } = await ops.domain.update(dc.uuid, state.domains.get("DC01")!, news, log);
    expect(outs.summary.memoryMiB).toBe(bigger.memoryBytes / 2 ** 20);
    const d: Json = parser.parse(vsh("dumpxml", "--inactive", "DC01")).domain;
    expect(d.memory).toEqual({ unit: "KiB", "#text": bigger.memoryBytes / 1024 });
    expect(log.messages.join("\n")).toMatch(/domain DC01: memoryMiB changed .* next boot/);
    // The running guest keeps its memory until it boots again.
    expect(parser.parse(vsh("dumpxml", "DC01")).domain.memory["#text"]).toBe(dc.memoryBytes / 1024);
    state.domains.set("DC01", outs);
  });

  test("a new UUID replaces the domain (delete first), and a name taken by another UUID is a clear error", async () => {
    const client = lab.vms.find((vm) => vm.name === "CLIENT02")!;
    const renamed = { ...client, uuid: "0f0e0d0c-0b0a-4909-8807-060504030201" };
    const news = await checked(ops.domain.check, domainInputs(uri, renamed, lab));
    expect(await ops.domain.diff(client.uuid, state.domains.get("CLIENT02")!, news)).toEqual({ changes: true, replaces: ["uuid"], deleteBeforeReplace: true });
    await expect(ops.domain.create(news)).rejects.toThrow(
      `domain CLIENT02 already exists on ${uri} with UUID ${client.uuid}, but the lab asks for UUID ${renamed.uuid}`,
    );
    // What the engine does for deleteBeforeReplace:
    await ops.domain.remove(client.uuid, state.domains.get("CLIENT02")!);
    const { id, outs } = await ops.domain.create(news);
    expect(id).toBe(renamed.uuid);
    expect(await virsh.domainUuid("CLIENT02")).toBe(renamed.uuid);
    expect(outs.state).toBe("running");
    state.domains.set("CLIENT02", outs);
  });

  test("shrinking a volume is refused in check and in diff, naming the volume and both sizes", async () => {
    const vol = lab.volumes.find((v) => v.name === "DC01.qcow2")!;
    const smaller = { ...vol, capacityBytes: vol.capacityBytes / 2 };
    const check = await ops.volume.check(volumeInputs(uri, vol), volumeInputs(uri, smaller));
    expect(check.failures.map((f) => f.reason).join()).toMatch(
      `volume homelab/DC01.qcow2 would shrink from ${vol.capacityBytes} to ${smaller.capacityBytes} bytes (60 GiB -> 30 GiB)`,
    );
    await expect(ops.volume.diff(vol.name, state.volumes.get(vol.name)!, volumeInputs(uri, smaller))).rejects.toThrow(/DC01\.qcow2 would shrink/);
    expect((await virsh.volumeInfo(vol.pool, vol.name))!.capacityBytes).toBe(vol.capacityBytes);
    // Growth is an update: vol-resize in place.
    const bigger = await checked(
      ops.volume.check,
      { ...volumeInputs(uri, vol), capacityBytes: vol.capacityBytes + 2 ** 30, xml: renderVolumeXml({ ...vol, capacityBytes: vol.capacityBytes + 2 ** 30 }) },
      volumeInputs(uri, vol),
    );
    expect(await ops.volume.diff(vol.name, state.volumes.get(vol.name)!, bigger)).toMatchObject({ changes: true, replaces: [] });
    // qemu-img cannot grow an image a running guest holds open: it grows through the guest instead.
    const log = new RecordingLog();
    const live = await ops.volume.update(vol.name, state.volumes.get(vol.name)!, bigger, log);
    expect(live.outs.liveCapacityBytes).toBe(vol.capacityBytes + 2 ** 30);
    expect(log.messages).toEqual([
      `volume homelab/DC01.qcow2: grown live to ${vol.capacityBytes + 2 ** 30} bytes through DC01 (virsh blockresize); the guest sees the new space as unallocated`,
    ]);
    // With the guest off, qemu-img grows the image (vol-resize).
    await virsh.destroyDomain("DC01");
    const twice = vol.capacityBytes + 2 * 2 ** 30;
    const again = await checked(
      ops.volume.check,
      { ...volumeInputs(uri, vol), capacityBytes: twice, xml: renderVolumeXml({ ...vol, capacityBytes: twice }) },
      bigger,
    );
    const quiet = new RecordingLog();
    const { outs } = await ops.volume.update(vol.name, live.outs, again, quiet);
    expect(outs.liveCapacityBytes).toBe(twice);
    expect(quiet.messages).toEqual([]);
    state.volumes.set(vol.name, outs);
  });

  describe("bad inputs come back naming the object", () => {
    test("an install ISO that does not exist", async () => {
      const dc = lab.vms.find((vm) => vm.name === "DC01")!;
      const ghost = {
        ...dc,
        name: "GHOST01",
        uuid: "11111111-2222-4333-8444-555555555555",
        volume: "GHOST01.qcow2",
        nvramPath: join(lab.libvirt.nvramDir, "GHOST01_VARS.fd"),
        nics: [],
        isos: { install: "/nonexistent/windows.iso" },
      };
      const disk = await ops.volume.create(
        await checked(
          ops.volume.check,
          volumeInputs(uri, { ...lab.volumes[0], name: "GHOST01.qcow2", vm: "GHOST01", capacityBytes: 2 ** 30, deleteOnDestroy: true }),
        ),
      );
      const news = await checked(ops.domain.check, domainInputs(uri, ghost, lab));
      const err = await ops.domain.create(news).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(VirshError);
      expect((err as Error).message).toMatch(
        /^libvirt could not start domain GHOST01 on qemu:\/\/\/system\S*: Cannot access storage file '\/nonexistent\/windows\.iso': No such file or directory$/,
      );
      await ops.domain.remove(ghost.uuid, news);
      await ops.volume.remove(disk.id, disk.outs);
      expect(await virsh.domainUuid("GHOST01")).toBeUndefined();
      expect(await virsh.volumeInfo(lab.pool.name, "GHOST01.qcow2")).toBeUndefined();
    });

    test("a bridge name another network already uses", async () => {
      const taken = { ...lab.networks[0], name: "lab-net-copy", uuid: "22222222-3333-4444-8555-666666666666", mac: "52:54:00:00:00:99" };
      const news = await checked(ops.network.check, networkInputs(uri, taken));
      await expect(ops.network.create(news)).rejects.toThrow(
        `libvirt could not define network lab-net-copy on ${uri}: internal error: bridge name '${taken.bridge}' already in use.`,
      );
      expect(await virsh.networkInfo("lab-net-copy")).toBeUndefined();
    });

    test("a daemon that is not running", async () => {
      const gone = "qemu:///system?socket=/nonexistent/libvirt-sock";
      const news = await checked(ops.network.check, networkInputs(gone, lab.networks[0]));
      await expect(ops.network.create(news)).rejects.toThrow(
        /^libvirt could not read the state of network lab-net: no connection to qemu:\/\/\/system\?socket=\/nonexistent\/libvirt-sock: .*No such file or directory\. Is libvirtd .* running on that host, and is the URI right/,
      );
    });
  });

  test("deleting everything leaves nothing defined, and keeps the disk images", async () => {
    const logs = new RecordingLog();
    for (const [name, outs] of state.domains) await ops.domain.remove(name, outs);
    for (const [name, outs] of state.volumes) await ops.volume.remove(name, outs, logs);
    await ops.pool.remove(lab.pool.uuid, state.pool!, logs);
    for (const [name, outs] of state.networks) await ops.network.remove(name, outs);

    expect(vsh("list", "--all", "--name").trim()).toBe("");
    expect(vsh("net-list", "--all", "--name").trim()).toBe("");
    expect(vsh("pool-list", "--all", "--name").trim()).toBe("");
    for (const v of lab.volumes) expect(existsSync(join(lab.pool.path, v.name))).toBe(true);
    for (const vm of lab.vms) expect(existsSync(vm.nvramPath)).toBe(false);
    expect(logs.messages.join("\n")).toMatch(/volume homelab\/DC01\.qcow2: kept with its data/);
    expect(logs.messages.join("\n")).toMatch(new RegExp(`pool homelab: left its directory ${lab.pool.path} in place: it still holds .*DC01\\.qcow2`));
    // Deleting twice is a no-op, as Pulumi may retry.
    await ops.domain.remove("DC01", state.domains.get("DC01")!);
    await ops.network.remove("lab-net", state.networks.get("lab-net")!);
  });
});
