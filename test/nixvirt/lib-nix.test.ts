// The Nix helpers live in a real .nix file (nixvirt-export/lib.nix), parsed and evaluated here on
// their own against the NixVirt double, not only through a generated domains.nix.
import { join } from "node:path";
import { exportNixVirt } from "../../nixvirt-export";
import { PROJECT_DIR, stackSpec } from "../support/stacks";
import { DOUBLE, evalJson, parseNixFile } from "./nix-tools";

const LIB = join(PROJECT_DIR, "nixvirt-export", "lib.nix");

test("nix-instantiate parses nixvirt-export/lib.nix", () => {
  expect(parseNixFile(LIB)).toMatchObject({ ok: true, stderr: "" });
});

test("the export carries lib.nix byte for byte", () => {
  const lib = exportNixVirt(stackSpec("dev")).find((f) => f.path === "lib.nix");
  expect(lib?.content).toBe(require("node:fs").readFileSync(LIB, "utf8"));
});

test("windowsVm and linuxVm evaluate to NixVirt domain entries (the double's writeXML keeps its args) with the arguments they were given", () => {
  const vm = (name: string) => `{
    name = "${name}"; uuid = "00000000-0000-4000-8000-00000000000${name.length}"; vcpus = 3; memoryMiB = 3072; volume = "${name}.qcow2";
    diskBus = "sata"; installIso = "/iso/install.iso"; extraIsos = [ "/iso/virtio.iso" ];
    nics = [ { network = "lab-net"; mac = "52:54:00:00:00:0${name.length}"; model = "e1000e"; } ];
    uefi = true; nvram = "/nvram/${name}_VARS.fd"; tpm = true; active = false;
  }`;
  const result = evalJson<Array<{ active: boolean; definition: { args: { name: string; type: string; vcpu: { count: number }; memory: { count: number; unit: string } } } }>>(`
    let lib = import ${LIB} { nixvirt = import ${DOUBLE}; domainType = "qemu"; pool = "homelab"; console = "vnc"; };
    in [ (lib.windowsVm ${vm("WIN")}) (lib.linuxVm ${vm("LINUX")}) ]`);
  expect(result.map((r) => r.active)).toEqual([false, false]);
  expect(result.map((r) => [r.definition.args.name, r.definition.args.type, r.definition.args.vcpu.count, r.definition.args.memory])).toEqual([
    ["WIN", "qemu", 3, { count: 3072, unit: "MiB" }],
    ["LINUX", "qemu", 3, { count: 3072, unit: "MiB" }],
  ]);
});
