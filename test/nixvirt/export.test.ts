import { readFileSync } from "node:fs";
import { join } from "node:path";
import { exportNixVirt } from "../../nixvirt-export";
import { PROJECT_DIR, STACKS, stackSpec } from "../support/stacks";
import { factsFromNix, factsFromSpec } from "./facts";
import { evalExport, NixVirtLists, parseNixFile, withFiles } from "./nix-tools";

describe.each(STACKS)("NixVirt export of stack %s", (stack) => {
  const spec = stackSpec(stack);
  const files = exportNixVirt(spec);
  let lists: NixVirtLists;
  beforeAll(() => {
    lists = evalExport(files);
  });

  test("writes networks.nix, pools.nix, domains.nix and the helpers lib.nix, and nix-instantiate parses each", () => {
    expect(files.map((f) => f.path)).toEqual(["networks.nix", "pools.nix", "domains.nix", "lib.nix"]);
    withFiles(files, (dir) => {
      for (const f of files) expect(parseNixFile(join(dir, f.path))).toMatchObject({ ok: true, stderr: "" });
    });
  });

  test("declares the spec's names, UUIDs, MACs, memory, vCPUs, disks, ISOs and networks", () => {
    expect(factsFromNix(lists)).toEqual(factsFromSpec(spec));
  });

  test("calls the NixVirt function for each kind of object", () => {
    expect(lists.networks.map((n) => n.definition.nixvirt)).toEqual(spec.networks.map(() => "network.writeXML"));
    expect(lists.pools.map((p) => p.definition.nixvirt)).toEqual(["pool.writeXML"]);
    expect(lists.pools[0].volumes.map((v) => [v.name, v.definition.nixvirt])).toEqual(spec.volumes.map((v) => [v.name, "volume.writeXML"]));
    expect(lists.domains.map((d) => [d.definition.nixvirt, d.definition.args.template.nixvirt]))
      .toEqual(spec.vms.map((vm) => ["domain.writeXML", `domain.templates.${vm.template}`]));
  });

  test("sets active per object as the spec says", () => {
    expect(lists.networks.map((n) => n.active)).toEqual(spec.networks.map((n) => n.active));
    expect(lists.pools[0].active).toBe(spec.pool.active);
    expect(lists.domains.map((d) => d.active)).toEqual(spec.vms.map((vm) => vm.start));
  });

  test("calls the templates with the arguments of a first install", () => {
    spec.vms.forEach((vm, i) => {
      const common = {
        name: vm.name,
        uuid: vm.uuid,
        memory: { count: vm.memoryBytes / 2 ** 20, unit: "MiB" },
        storage_vol: { pool: spec.pool.name, volume: vm.volume },
        install_vol: vm.isos.install ?? null,
        virtio_drive: vm.diskBus === "virtio",
      };
      const expected = vm.template === "windows"
        ? { ...common, vcpu: { count: vm.vcpus }, nvram_path: vm.nvramPath, virtio_net: false, virtio_video: false, install_virtio: false }
        : common;
      expect(lists.domains[i].definition.args.template.args).toEqual(expected);
    });
  });

  test("networks: explicit MAC, STP bridge, and libvirt's DNS off where the DC answers DHCP", () => {
    spec.networks.forEach((net, i) => {
      const args = lists.networks[i].definition.args;
      expect(args.bridge).toEqual({ name: net.bridge, stp: true, delay: 0 });
      expect(args.mac.address).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
      expect(args.dns).toEqual(net.dhcp?.server === "dc" ? { enable: false } : undefined);
      if (net.dhcp?.server !== "libvirt") expect(args.ip.dhcp).toBeUndefined();
    });
  });

  test("volumes: sparse qcow2 with compat 1.1", () => {
    for (const { definition: { args } } of lists.pools[0].volumes) {
      expect(args.allocation).toEqual({ count: 0, unit: "bytes" });
      expect(args.target).toEqual({ format: { type: "qcow2" }, compat: "1.1" });
    }
  });

  test("domains: the stack's domain type and console, disk before CD-ROM, every NIC on its lab network", () => {
    spec.vms.forEach((vm, i) => {
      const d = lists.domains[i].definition.args;
      expect(d.type).toBe(spec.libvirt.domainType);
      expect(d.os.boot).toEqual([{ dev: "hd" }, { dev: "cdrom" }]);
      expect(d.devices.graphics).toEqual({ type: spec.libvirt.graphics, autoport: true, listen: { type: "address" } });
      // TCG can neither pass the host CPU through nor offer Hyper-V enlightenments.
      const kvm = spec.libvirt.domainType === "kvm";
      expect(d.cpu).toEqual({ mode: kvm ? "host-passthrough" : "maximum", check: "none", topology: { sockets: 1, dies: 1, cores: vm.vcpus, threads: 1 } });
      expect(d.features.hyperv !== undefined).toBe(kvm && vm.template === "windows");
      expect(d.clock.timer.some((t) => t.name === "hypervclock")).toBe(kvm && vm.template === "windows");
      const interfaces = Array.isArray(d.devices.interface) ? d.devices.interface : [d.devices.interface];
      expect(interfaces.map((n) => n.type)).toEqual(vm.nics.map(() => "network"));
      if (vm.firmware.uefi) expect(d.os.nvram?.path).toBe(vm.nvramPath);
      else expect(d.os.loader ?? d.os.nvram ?? d.os.firmware).toBeUndefined();
    });
  });
});

test("the committed nixvirt/ is the dev stack's export, byte for byte", () => {
  const stale = exportNixVirt(stackSpec("dev")).filter((f) => {
    let committed: string | undefined;
    try {
      committed = readFileSync(join(PROJECT_DIR, "nixvirt", f.path), "utf8");
    } catch {
      committed = undefined;
    }
    return committed !== f.content;
  });
  if (stale.length > 0) {
    throw new Error(`nixvirt/${stale.map((f) => f.path).join(", nixvirt/")} differ from the dev stack's export: run npm run export:nixvirt -- --stack dev --out nixvirt/`);
  }
});
