// The NixVirt export without evaluating Nix (fast enough to run per mutant): the dev stack against
// the committed nixvirt/ files, and the cases dev does not reach written out literally.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LabSpec } from "../../../lab";
import { code, exportNixVirt, nixName, nixPath, nixString, NixVirtExportError, nixVirtProblems, printNix } from "../../../nixvirt-export";
import { domainsNix } from "../../../nixvirt-export/domains";
import { comment, fileHeader, indentLines } from "../../../nixvirt-export/header";
import { networksNix } from "../../../nixvirt-export/networks";
import { capacity, poolsNix } from "../../../nixvirt-export/pools";
import { clone, PROJECT_DIR, stackSpec } from "../../support/stacks";

const dev = stackSpec("dev");
const linux = stackSpec("linux");

test("the dev stack's export is the committed nixvirt/, file by file", () => {
  const files = exportNixVirt(dev);
  expect(files.map((f) => f.path)).toEqual(["networks.nix", "pools.nix", "domains.nix", "lib.nix"]);
  for (const f of files) expect(f.content).toBe(readFileSync(join(PROJECT_DIR, "nixvirt", f.path), "utf8"));
});

describe("file header and comments", () => {
  it("names the stack, the command and the NixVirt option", () => {
    expect(fileHeader("t", "The things", "networks")).toBe(
      [
        "# Generated from Pulumi.t.yaml by `npm run export:nixvirt -- --stack t --out nixvirt/`:",
        "# edit the stack config and export again; hand edits here are overwritten.",
        "#",
        "# The things for NixVirt 0.6.0: the list that",
        '# virtualisation.libvirt.connections."qemu:///system".networks takes.',
        "# NixVirt removes every libvirt object of this kind that is not in the list.",
      ].join("\n"),
    );
  });
  it("a line break in a comment's text becomes one space", () => {
    expect(comment("a\r\n\nb\rc")).toBe("# a b c");
  });
  it("empty lines stay empty when indented", () => {
    expect(indentLines("a\n\nb", "  ")).toBe("  a\n\n  b");
  });
});

describe("volumes", () => {
  it("capacity in the largest unit that holds it exactly", () => {
    expect(capacity(64 * 2 ** 30)).toEqual({ count: 64, unit: "GiB" });
    expect(capacity(1536 * 2 ** 20)).toEqual({ count: 1536, unit: "MiB" });
    expect(capacity(2 ** 30 + 512)).toEqual({ count: 1073742336, unit: "bytes" });
  });
  it("only the pool's own volumes, each with its size in the comment", () => {
    const spec = clone(linux);
    spec.volumes = [
      { ...spec.volumes[0], capacityBytes: 1536 * 2 ** 20 },
      { ...spec.volumes[1], pool: "elsewhere" },
    ];
    const text = poolsNix(spec);
    expect(text).toContain(
      [
        "  # homelab-linux: the lab's dir pool at /var/lib/libvirt/images/homelab-linux, holding every VM's disk",
        "  {",
        "    definition = nixvirt.lib.pool.writeXML {",
        '      name = "homelab-linux";',
        `      uuid = "${spec.pool.uuid}";`,
        '      type = "dir";',
        '      target = { path = "/var/lib/libvirt/images/homelab-linux"; };',
        "    };",
        "    active = true;",
        "    volumes = [",
        "      # router01's system disk, 1536 MiB",
        '      (qcow2Volume "router01.qcow2" { count = 1536; unit = "MiB"; })',
        "    ];",
        "  }",
        "]",
        "",
      ].join("\n"),
    );
    expect(text).not.toContain("web01");
  });
});

describe("networks", () => {
  const base = clone(dev.networks[1]);
  const one = (change: (n: LabSpec["networks"][number]) => void): string => {
    const spec = clone(dev);
    const n = clone(base);
    change(n);
    spec.networks = [n];
    return networksNix(spec).split("\n[\n")[1];
  };

  it("isolated, without DHCP, inactive", () => {
    expect(
      one((n) => {
        n.mode = "isolated";
        n.dhcp = undefined;
        n.reservations = [];
        n.active = false;
      }),
    ).toBe(
      [
        "  # default (isolated): 192.168.122.0/24, gateway 192.168.122.1; no DHCP",
        "  (labNetwork {",
        '    name = "default";',
        `    uuid = "${base.uuid}";`,
        '    mode = "isolated";',
        '    bridge = "virbr0";',
        `    mac = "${base.mac}";`,
        '    address = "192.168.122.1";',
        '    netmask = "255.255.255.0";',
        "    active = false;",
        "  })",
        "]",
        "",
      ].join("\n"),
    );
  });

  it("libvirt's DHCP without reservations: an empty host list and no reservation text", () => {
    const text = one((n) => {
      n.reservations = [];
    });
    expect(text).toContain("  # default (nat): 192.168.122.0/24, gateway 192.168.122.1; libvirt answers DHCP 192.168.122.100-192.168.122.254\n");
    expect(text).toContain('    dhcp = {\n      range = { start = "192.168.122.100"; end = "192.168.122.254"; };\n      host = [ ];\n    };\n');
    expect(text).not.toContain("dns = false");
  });
});

describe("domains", () => {
  it("a Linux VM on the Linux helper, without ISOs, with a DHCP NIC described as such", () => {
    const spec = clone(linux);
    const vm = spec.vms[0];
    vm.isos = {};
    vm.nics = [{ network: "lab-net", mac: "52:54:00:00:00:0a", model: "virtio", addressing: "dhcp" }];
    spec.vms = [vm];
    expect(domainsNix(spec).split("\n[\n")[1]).toBe(
      [
        "  # router01: Linux, linux; DHCP on lab-net (DHCP)",
        "  (linuxVm {",
        '    name = "router01";',
        `    uuid = "${vm.uuid}";`,
        "    vcpus = 1;",
        "    memoryMiB = 1024;",
        '    volume = "router01.qcow2";',
        '    diskBus = "virtio";',
        "    installIso = null;",
        "    extraIsos = [ ];",
        "    nics = [",
        '      { network = "lab-net"; mac = "52:54:00:00:00:0a"; model = "virtio"; }',
        "    ];",
        "    uefi = true;",
        '    nvram = "/var/lib/libvirt/qemu/nvram/router01_VARS.fd";',
        "    tpm = false;",
        "    active = true;",
        "  })",
        "]",
        "",
      ].join("\n"),
    );
  });

  it("the lab-wide settings come from the stack", () => {
    const spec = clone(linux);
    spec.libvirt = { ...spec.libvirt, domainType: "qemu", graphics: "spice" };
    expect(domainsNix(spec)).toContain('  domainType = "qemu";\n  pool = "homelab-linux";\n  console = "spice";\n');
  });

  it("SQL Server is named only on the site server that hosts it", () => {
    const spec = clone(dev);
    spec.sccm = { ...spec.sccm!, sqlColocated: false };
    expect(domainsNix(spec)).toContain("  # SCCM01: SCCM site server, windows-server-2022; ");
  });
});

describe("what NixVirt cannot declare, message by message", () => {
  it("a pool that is not a directory, a linked base image, and the error's summary", () => {
    const spec = clone(dev);
    (spec.pool as { type: string }).type = "logical";
    spec.disks = "linked";
    expect(nixVirtProblems(spec)).toEqual([
      { path: "homelab:pool.type", message: 'pool homelab: only dir pools are exported, got "logical"' },
      {
        path: "homelab:disks",
        message:
          "linked: NixVirt's volume XML can name a backing store (backingStore path and format), so a clone of an existing base image is expressible, " +
          "but nothing in NixVirt builds the base image (build VM, install marker, sysprep, read-only): leave homelab:disks unset for the export, or deploy this stack through Pulumi",
      },
    ]);
    expect(() => exportNixVirt(spec)).toThrow(NixVirtExportError);
    expect(() => exportNixVirt(spec)).toThrow(
      'NixVirt 0.6.0 cannot declare this lab (2 problems):\n  homelab:pool.type: pool homelab: only dir pools are exported, got "logical"\n  homelab:disks: linked: ',
    );
    const single = new NixVirtExportError([{ path: "homelab:p", message: "m" }]);
    expect(single.message).toBe("NixVirt 0.6.0 cannot declare this lab (1 problem):\n  homelab:p: m");
    expect(single.name).toBe("NixVirtExportError");
    expect(
      new NixVirtExportError([
        { path: "a", message: "x" },
        { path: "b", message: "y" },
      ]).message,
    ).toBe("NixVirt 0.6.0 cannot declare this lab (2 problems):\n  a: x\n  b: y");
  });

  it("each message in full", () => {
    const spec = clone(dev);
    spec.networks[0].autostart = false;
    spec.pool.active = false;
    spec.pool.name = "my pool";
    spec.vms[0].firmware.secureBoot = false;
    (spec.vms[1] as { diskBus: string }).diskBus = "scsi";
    expect(nixVirtProblems(spec)).toEqual([
      {
        path: "homelab:networks[0].autostart",
        message: "network lab-net: NixVirt sets autostart to match active, so autostart false with active true cannot be declared: make them equal",
      },
      {
        path: "homelab:pool.name",
        message: 'pool "my pool": NixVirt\'s writeXML names a Nix store file after it, and store names allow only letters, digits and + - . _ ? =: rename it',
      },
      {
        path: "homelab:pool.autostart",
        message: "pool my pool: NixVirt sets autostart to match active, so autostart true with active false cannot be declared: make them equal",
      },
      {
        path: "homelab:vms[0].firmware.secureBoot",
        message:
          "VM DC01: NixVirt 0.6.0's Windows template always boots OVMF's Secure Boot build with Microsoft keys, and its domain XML has no <firmware><feature> to ask for another: set secureBoot to true, or uefi to false for BIOS",
      },
      { path: "homelab:vms[1].diskBus", message: 'VM SCCM01: NixVirt\'s templates put the system disk on sata or virtio only (virtio_drive), not "scsi"' },
    ]);
  });

  it("a network name Nix cannot use as a store name", () => {
    const spec = clone(dev);
    spec.networks[1].name = "lab net";
    expect(nixVirtProblems(spec)).toEqual([
      {
        path: "homelab:networks[1].name",
        message:
          'network "lab net": NixVirt\'s writeXML names a Nix store file after it, and store names allow only letters, digits and + - . _ ? =: rename it',
      },
    ]);
  });

  it("Secure Boot only matters with UEFI; store names may start with + or _ but not with a dot", () => {
    const spec = clone(linux);
    spec.vms[0].firmware = { uefi: false, secureBoot: true };
    spec.vms[1].name = "_web+01=?";
    spec.vms[2].name = ".db01";
    const win = clone(dev);
    win.vms[0].firmware = { uefi: false, secureBoot: false };
    expect(nixVirtProblems(win)).toEqual([]);
    expect(nixVirtProblems(spec).map((p) => p.path)).toEqual(["homelab:vms[2].name"]);
  });
});

describe("the Nix printer", () => {
  it("escapes each special sequence one way", () => {
    expect(nixString('a\\b"c${d}$e\nf\rg\th')).toBe('"a\\\\b\\"c\\${d}$e\\nf\\rg\\th"');
    expect(nixString("${a}${b}")).toBe('"\\${a}\\${b}"');
    expect(nixString("x\n\ny")).toBe('"x\\n\\ny"');
  });
  it("quotes attribute names that are not identifiers, or are keywords", () => {
    expect(nixName("_a1'-b")).toBe("_a1'-b");
    expect(nixName("1a")).toBe('"1a"');
    expect(nixName("a b")).toBe('"a b"');
    expect(nixName("ab!")).toBe('"ab!"');
    for (const k of ["if", "then", "else", "let", "in", "with", "rec", "inherit", "assert", "or"]) expect(nixName(k)).toBe(`"${k}"`);
  });
  it("path literals: absolute, no trailing slash, no empty segment, plain characters", () => {
    expect(nixPath("/a/b-c_d.e+f").text).toBe("/a/b-c_d.e+f");
    for (const bad of ["a/b", "/a/", "/a//b", "/a b", "x/a", "/a$"])
      expect(() => nixPath(bad)).toThrow(`${JSON.stringify(bad)} cannot be written as a Nix path literal`);
  });
  it("scalars, empty containers, and when a line is too long", () => {
    expect(printNix(null)).toBe("null");
    expect(printNix(true)).toBe("true");
    expect(printNix(false)).toBe("false");
    expect(printNix([])).toBe("[ ]");
    expect(printNix({})).toBe("{ }");
    expect(printNix([code("a.b"), code("f x"), code('"s"'), -1, 0, "t"])).toBe('[ a.b (f x) "s" (-1) 0 "t" ]');
    // 100 characters fit on one line; 101 do not.
    const fits = ["x".repeat(94)];
    expect(printNix(fits)).toBe(`[ "${"x".repeat(94)}" ]`);
    expect(printNix(["x".repeat(95)])).toBe(`[\n  "${"x".repeat(95)}"\n]`);
    expect(printNix({ a: "x".repeat(89) })).toBe(`{ a = "${"x".repeat(89)}"; }`);
    expect(printNix({ a: "x".repeat(90) })).toBe(`{\n  a = "${"x".repeat(90)}";\n}`);
    expect(printNix([[1]])).toBe("[\n  [ 1 ]\n]");
  });
  it("nested sets of two scalars stay on one line; three, or a nested list, do not", () => {
    expect(printNix({ a: { b: 1, c: 2 } })).toBe("{ a = { b = 1; c = 2; }; }");
    expect(printNix({ a: { b: 1, c: 2, d: 3 } })).toBe("{\n  a = { b = 1; c = 2; d = 3; };\n}");
    expect(printNix({ a: [1] })).toBe("{\n  a = [ 1 ];\n}");
    expect(printNix({ a: { b: { c: 1 } } })).toBe("{\n  a = { b = { c = 1; }; };\n}");
    // Two values, one of them not a scalar: not small, even when the inner set fits on one line.
    expect(printNix({ a: { b: 1, c: { d: 1 } } })).toBe("{\n  a = { b = 1; c = { d = 1; }; };\n}");
    // A short list that mixes scalars and sets still takes a line per element.
    expect(printNix([1, { a: 1 }])).toBe("[\n  1\n  { a = 1; }\n]");
  });
  it("refuses numbers Nix cannot hold, naming them", () => {
    expect(() => printNix(0.5)).toThrow(new Error("0.5 is not an integer Nix can hold"));
  });
});
