// Drift and convergence against a private libvirtd: what `pulumi refresh` + `pulumi up` see and do
// when libvirt's objects were changed by hand, when a packaged network is adopted, when a guest
// that should run is off, when a disk grows under a running guest, and when the URI is re-spelled.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LabSpec } from "../../lab";
import { renderDomainXml, renderVolumeXml } from "../../libvirt/render";
import type { DomainOutputs, NetworkOutputs, PoolOutputs, VolumeOutputs } from "../../libvirt/providers/inputs";
import { diffDomain } from "../../libvirt/providers/diff";
import * as ops from "../../libvirt/providers/ops";
import { Virsh } from "../../libvirt/virsh";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { checked, devLabUnder, domainInputs, networkInputs, poolInputs, RecordingLog, volumeInputs } from "./lab-fixture";

jest.setTimeout(180_000);

// libvirt's packaged `default` network as Debian ships it (/etc/libvirt/qemu/networks/default.xml):
// no UUID, no MAC (libvirt makes both up), another DHCP range and no reservations.
const PACKAGED_DEFAULT = `<network>
  <name>default</name>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>`;

describe("drift and convergence against a private libvirtd", () => {
  let daemon: PrivateLibvirtd;
  let virsh: Virsh;
  let lab: LabSpec;
  let uri: string;
  let packagedUuid: string;
  let defaultNet: NetworkOutputs;
  let pool: PoolOutputs;
  let disk: VolumeOutputs;
  let dc: DomainOutputs;
  const vsh = (...args: string[]) => execFileSync("virsh", ["-c", uri, "-q", ...args], { encoding: "utf8" });
  const hostsFile = (net: string) => readFileSync(join(daemon.dir, "lib", "dnsmasq", `${net}.hostsfile`), "utf8");
  const dnsmasqPid = (net: string) => readFileSync(join(daemon.dir, "run", "network", `${net}.pid`), "utf8").trim();
  const dcSpec = () => lab.vms.find((vm) => vm.name === "DC01")!;

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    uri = daemon.uri;
    virsh = new Virsh({ uri });
    execFileSync("bash", ["-c", `cat > ${daemon.dir}/packaged-default.xml`], { input: PACKAGED_DEFAULT });
    vsh("net-define", join(daemon.dir, "packaged-default.xml"));
    vsh("net-start", "default");
    packagedUuid = vsh("net-uuid", "default").trim();
    const base = devLabUnder(join(daemon.dir, "lab"));
    // The README's adoption advice: give the lab's `default` network the packaged one's UUID.
    lab = { ...base, networks: base.networks.map((n) => (n.name === "default" ? { ...n, uuid: packagedUuid } : n)) };
    pool = (await ops.pool.create(await checked(ops.pool.check, poolInputs(uri, lab.pool)), new RecordingLog())).outs;
    const labNet = lab.networks.find((n) => n.name === "lab-net")!;
    await ops.network.create(await checked(ops.network.check, networkInputs(uri, labNet)), new RecordingLog());
  });

  afterAll(async () => {
    await daemon?.stop();
  });

  test("adopting the running packaged `default` network applies the lab's range, MAC and reservations to the running network", async () => {
    expect(hostsFile("default")).toBe("");
    const spec = lab.networks.find((n) => n.name === "default")!;
    const log = new RecordingLog();
    defaultNet = (await ops.network.create(await checked(ops.network.check, networkInputs(uri, spec)), log)).outs;
    expect(defaultNet.adopted).toBe(true);
    expect(defaultNet.drift).toBeUndefined();
    // dnsmasq inside the namespace now hands out the reservations.
    expect(hostsFile("default").split("\n").filter(Boolean).sort()).toEqual([
      "52:54:00:24:ee:34,192.168.122.102,CLIENT02",
      "52:54:00:3a:5e:3d,192.168.122.101,CLIENT01",
    ]);
    const running = vsh("net-dumpxml", "default");
    expect(running).toContain("<mac address='52:54:00:4a:51:d7'/>");
    expect(running).toContain("<range start='192.168.122.100' end='192.168.122.254'/>");
    // The MAC differs from the one libvirt made up: only a restart applies it, and the log says so.
    expect(log.messages.some((m) => /^network default: restarted to apply \/network\/mac/.test(m))).toBe(true);
    const read = await ops.network.read(defaultNet.uuid, defaultNet);
    expect(read.props!.drift).toBeUndefined();
    expect(ops.network.diff(defaultNet.uuid, read.props!, await checked(ops.network.check, networkInputs(uri, spec), read.inputs!))).resolves.toMatchObject({
      changes: false,
    });
  });

  test("a new reservation reaches the running dnsmasq through net-update, without restarting the network", async () => {
    const spec = lab.networks.find((n) => n.name === "default")!;
    const olds = networkInputs(uri, spec);
    const xml = olds.xml.replace(/(<host [^>]*CLIENT02[^>]*\/>)/, `$1\n      <host mac="52:54:00:00:00:99" name="EXTRA" ip="192.168.122.150"/>`);
    expect(xml).toContain("EXTRA");
    const news = await checked(ops.network.check, { ...olds, xml }, defaultNet);
    expect(news.note).toBe("network default: DHCP hosts and ranges are applied to the running network (virsh net-update --live --config)");
    const pid = dnsmasqPid("default");
    expect(await ops.network.diff(defaultNet.uuid, defaultNet, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const log = new RecordingLog();
    defaultNet = (await ops.network.update(defaultNet.uuid, defaultNet, news, log)).outs;
    expect(dnsmasqPid("default")).toBe(pid);
    expect(hostsFile("default")).toContain("52:54:00:00:00:99,192.168.122.150,EXTRA");
    expect(vsh("net-dumpxml", "--inactive", "default")).toContain("EXTRA");
    expect(log.messages).toEqual(["network default: applied 1 DHCP change to the running network (net-update --live)"]);
    expect(defaultNet.drift).toBeUndefined();
    // Back to the lab's reservations: the extra host leaves dnsmasq too.
    const back = await checked(ops.network.check, olds, defaultNet);
    defaultNet = (await ops.network.update(defaultNet.uuid, defaultNet, back, new RecordingLog())).outs;
    expect(hostsFile("default")).not.toContain("EXTRA");
    expect(dnsmasqPid("default")).toBe(pid);
  });

  test("the DC's disk and domain are created, and the domain runs", async () => {
    const vol = lab.volumes.find((v) => v.vm === "DC01")!;
    disk = (await ops.volume.create(await checked(ops.volume.check, volumeInputs(uri, vol)), new RecordingLog())).outs;
    dc = (await ops.domain.create(await checked(ops.domain.check, domainInputs(uri, dcSpec(), lab)), new RecordingLog())).outs;
    expect(dc.state).toBe("running");
    expect(dc.drift).toBeUndefined();
    expect(dc.adopted).toBeUndefined();
  });

  // Each edit is made the way a user would: virsh define of an edited XML.
  test.each([
    [
      "VNC listening on every interface",
      (x: string) => x.replace(/127\.0\.0\.1/g, "0.0.0.0"),
      [
        '/domain/devices/graphics/listen/@address = "127.0.0.1" (libvirt has "0.0.0.0")',
        '/domain/devices/graphics/@listen = "127.0.0.1" (libvirt has "0.0.0.0")',
      ],
    ],
    [
      "a virtio balloon",
      (x: string) => x.replace(/<memballoon model='none'\/>/, "<memballoon model='virtio'/>"),
      ['/domain/devices/memballoon/@model = "none" (libvirt has "virtio")'],
    ],
    [
      "HPET on",
      (x: string) => x.replace(/<timer name='hpet' present='no'\/>/, "<timer name='hpet' present='yes'/>"),
      ['/domain/clock/timer[@name="hpet"]/@present = "no" (libvirt has "yes")'],
    ],
    [
      "more memory",
      (x: string) =>
        x
          .replace(/<memory unit='KiB'>2097152<\/memory>/, "<memory unit='KiB'>4194304</memory>")
          .replace(/<currentMemory unit='KiB'>2097152<\/currentMemory>/, "<currentMemory unit='KiB'>4194304</currentMemory>"),
      ["/domain/memory = 2147483648 bytes (libvirt has 4294967296)", "/domain/currentMemory = 2147483648 bytes (libvirt has 4294967296)"],
    ],
    [
      "a virtio NIC instead of e1000e",
      (x: string) => x.replace(/<model type='e1000e'\/>/, "<model type='virtio'/>"),
      ['/domain/devices/interface[0]/model/@type = "e1000e" (libvirt has "virtio")'],
    ],
  ])("drift by hand: %s shows in read and diff, and update undoes it", async (_what, edit, expected) => {
    const edited = edit(vsh("dumpxml", "--inactive", dc.uuid));
    execFileSync("bash", ["-c", `cat > ${daemon.dir}/edited.xml`], { input: edited });
    vsh("define", join(daemon.dir, "edited.xml"));
    const read = await ops.domain.read(dc.uuid, dc);
    expect(read.props!.drift).toEqual(expected);
    // read returns inputs too: a preview after a refresh names the drifted field.
    expect(read.inputs!.drift).toEqual(expected);
    const news = await checked(ops.domain.check, domainInputs(uri, dcSpec(), lab), read.inputs!);
    expect(diffDomain(read.props!, news).updates).toContain("drift");
    expect(await ops.domain.diff(dc.uuid, read.props!, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    dc = (await ops.domain.update(dc.uuid, read.props!, news, new RecordingLog())).outs;
    expect(dc.drift).toBeUndefined();
    expect((await ops.domain.read(dc.uuid, dc)).props!.drift).toBeUndefined();
  });

  test("a console opened on every interface and left running shows as running drift until the guest restarts", async () => {
    const edited = vsh("dumpxml", "--inactive", dc.uuid).replace(/127\.0\.0\.1/g, "0.0.0.0");
    execFileSync("bash", ["-c", `cat > ${daemon.dir}/edited.xml`], { input: edited });
    vsh("define", join(daemon.dir, "edited.xml"));
    vsh("destroy", dc.uuid);
    vsh("start", dc.uuid);
    const read = await ops.domain.read(dc.uuid, dc);
    expect(read.props!.drift).toEqual([
      '/domain/devices/graphics/listen/@address = "127.0.0.1" (libvirt has "0.0.0.0")',
      '/domain/devices/graphics/@listen = "127.0.0.1" (libvirt has "0.0.0.0")',
      'running: /domain/devices/graphics/listen/@address = "127.0.0.1" (libvirt has "0.0.0.0"): the running guest keeps it until it restarts',
      'running: /domain/devices/graphics/@listen = "127.0.0.1" (libvirt has "0.0.0.0"): the running guest keeps it until it restarts',
    ]);
    const news = await checked(ops.domain.check, domainInputs(uri, dcSpec(), lab), read.inputs!);
    const log = new RecordingLog();
    dc = (await ops.domain.update(dc.uuid, read.props!, news, log)).outs;
    // The definition is right again; the running guest still listens everywhere, and says so.
    expect(dc.drift).toEqual(read.props!.drift!.filter((d) => d.startsWith("running: ")));
    expect(log.messages).toEqual([
      "domain DC01: what was changed outside the lab changed in the persistent definition; the running guest picks the change up at its next boot (shut it down and start it)",
    ]);
    vsh("destroy", dc.uuid);
    vsh("start", dc.uuid);
    expect((await ops.domain.read(dc.uuid, dc)).props!.drift).toBeUndefined();
  });

  test("a shut-off domain with start: true is drift, and update starts it", async () => {
    vsh("destroy", dc.uuid);
    const read = await ops.domain.read(dc.uuid, dc);
    expect(read.props!.drift).toEqual(["state: shut off, but start is true"]);
    const news = await checked(ops.domain.check, domainInputs(uri, dcSpec(), lab), read.inputs!);
    expect(await ops.domain.diff(dc.uuid, read.props!, news)).toMatchObject({ changes: true, replaces: [] });
    dc = (await ops.domain.update(dc.uuid, read.props!, news, new RecordingLog())).outs;
    expect(vsh("domstate", dc.uuid).trim()).toBe("running");
    expect(dc.drift).toBeUndefined();
  });

  test("a disk grown while its guest runs grows live (blockresize), and the preview says so", async () => {
    expect(vsh("domstate", dc.uuid).trim()).toBe("running");
    const vol = lab.volumes.find((v) => v.vm === "DC01")!;
    const bigger = vol.capacityBytes + 2 ** 30;
    const news = await checked(
      ops.volume.check,
      { ...volumeInputs(uri, vol), capacityBytes: bigger, xml: renderVolumeXml({ ...vol, capacityBytes: bigger }) },
      volumeInputs(uri, vol),
    );
    expect(news.note).toBe(
      `volume homelab/DC01.qcow2 grows from ${vol.capacityBytes} to ${bigger} bytes in place; if its guest runs, it grows live ` +
        "(virsh blockresize) and the guest sees the new space as unallocated (extend the volume in Disk Management); no shutdown needed",
    );
    const log = new RecordingLog();
    disk = (await ops.volume.update(disk.path, disk, news, log)).outs;
    expect(disk.liveCapacityBytes).toBe(bigger);
    expect(log.messages).toEqual([
      `volume homelab/DC01.qcow2: grown live to ${bigger} bytes through DC01 (virsh blockresize); the guest sees the new space as unallocated`,
    ]);
    expect(vsh("domblkinfo", dc.uuid, "sda")).toMatch(new RegExp(`^Capacity:\\s+${bigger}$`, "m"));
    expect(vsh("domstate", dc.uuid).trim()).toBe("running");
  });

  test("a re-spelled URI that reaches the same daemon is an in-place update, never a replacement", async () => {
    const respelled = uri.replace(/^qemu:\/\//, "qemu+unix://");
    expect(respelled).not.toBe(uri);
    const news = await checked(ops.domain.check, { ...domainInputs(respelled, dcSpec(), lab) }, dc);
    expect(await ops.domain.diff(dc.uuid, dc, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = (await ops.domain.update(dc.uuid, dc, news, new RecordingLog())).outs;
    expect(updated.uri).toBe(respelled);
    expect(updated.uuid).toBe(dc.uuid);
    expect(vsh("domstate", dc.uuid).trim()).toBe("running");
    const poolNews = await checked(ops.pool.check, poolInputs(respelled, lab.pool), pool);
    expect(await ops.pool.diff(pool.uuid, pool, poolNews)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test("a URI that does not reach the same domain is refused with advice, before anything changes", async () => {
    const elsewhere = "test:///default";
    const news = await checked(ops.domain.check, domainInputs(elsewhere, dcSpec(), lab), dc);
    await expect(ops.domain.diff(dc.uuid, dc, news)).rejects.toThrow(
      `domain DC01: homelab:uri changed from ${uri} to test:///default, but test:///default has no domain named DC01, so the new URI does not reach the same host.`,
    );
    await expect(ops.domain.update(dc.uuid, dc, news, new RecordingLog())).rejects.toThrow(/homelab does not move a lab between hosts by replacing it/);
    expect(vsh("domstate", dc.uuid).trim()).toBe("running");
  });

  test("a new pool path is refused in check, naming how to move the disks, and nothing changes", async () => {
    const moved = { ...lab.pool, path: join(daemon.dir, "elsewhere") };
    const before = vsh("pool-dumpxml", "--inactive", lab.pool.name);
    const result = await ops.pool.check(pool, poolInputs(uri, moved));
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0].property).toBe("xml");
    expect(result.failures[0].reason).toContain(
      `pool homelab: homelab:pool changes its path from ${lab.pool.path} to ${moved.path}, which would leave every VM's disk behind`,
    );
    expect(result.failures[0].reason).toContain(`virsh pool-edit homelab (set <path> to ${moved.path})`);
    expect(vsh("pool-dumpxml", "--inactive", lab.pool.name)).toBe(before);
    expect(vsh("vol-list", lab.pool.name)).toContain("DC01.qcow2");
  });

  test("a domain whose name is another domain's ID is addressed by UUID: removing it leaves the other alone", async () => {
    const id = vsh("domid", dc.uuid).trim();
    expect(id).toMatch(/^\d+$/);
    const client = lab.vms.find((vm) => vm.name === "CLIENT01")!;
    const digits = { ...client, name: id, uuid: "7e57c0de-0000-4000-8000-000000000001", nvramPath: join(lab.libvirt.nvramDir, "digits_VARS.fd"), start: false };
    const inputs = { uri, name: id, uuid: digits.uuid, xml: renderDomainXml(digits, lab), start: false };
    const outs = (await ops.domain.create(await checked(ops.domain.check, inputs), new RecordingLog())).outs;
    expect(outs.summary.name).toBe(id);
    expect(outs.state).toBe("shut off");
    await ops.domain.remove(outs.uuid, outs, new RecordingLog());
    expect(
      vsh("list", "--all", "--uuid")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    ).toEqual([dc.uuid]);
    expect(vsh("domstate", dc.uuid).trim()).toBe("running");
  });

  test("destroy releases the adopted `default` network instead of removing it, and says so", async () => {
    const log = new RecordingLog();
    await ops.network.remove(defaultNet.uuid, defaultNet, log);
    expect(log.messages).toEqual([
      "network default: released, not destroyed: it existed before the lab adopted it. " +
        "Remove it by hand if it is no longer needed (virsh net-destroy default; virsh net-undefine default)",
    ]);
    expect(await virsh.networkInfo("default")).toMatchObject({ uuid: packagedUuid, active: true, persistent: true });
  });

  test("an object that already was what the lab makes (a create killed half-way) is the lab's own: destroy removes it", async () => {
    const spec = lab.networks.find((n) => n.name === "lab-net")!;
    const log = new RecordingLog();
    const again = (await ops.network.create(await checked(ops.network.check, networkInputs(uri, spec)), log)).outs;
    expect(again.adopted).toBeUndefined();
    expect(log.messages).toEqual([]);
    await ops.network.remove(again.uuid, again, log);
    expect(await virsh.networkInfo("lab-net")).toBeUndefined();
  });
});
