// flake.nix cannot be evaluated with its inputs here (no network): its outputs function is
// called with stand-ins for nixpkgs and NixVirt instead, and the module it returns is read.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../support/stacks";
import { DOUBLE, evalJson, NixVirtLists, parseNixFile } from "./nix-tools";

const FLAKE = join(PROJECT_DIR, "flake.nix");

interface FlakeView {
  inputs: { nixpkgs: { url: string }; NixVirt: { url: string; inputs: { nixpkgs: { follows: string } } } };
  imports: { nixvirtDouble?: boolean }[];
  option: { _type: string; description: string };
  config: { _type: string; condition: boolean; content: { virtualisation: { libvirt: { enable: boolean; swtpm: { enable: boolean }; connections: Record<string, NixVirtLists> } } } };
  shell: { packages: string[] };
  files: NixVirtLists;
}

const view = (enabled: boolean, pulumiVersion = "3.270.0"): FlakeView => evalJson<FlakeView>(`
  let
    flake = import ${FLAKE};
    NixVirt = import ${DOUBLE};
    pkgNames = [ "nodejs_24" "libvirt" "qemu" "OVMF" "swtpm" "xorriso" "libxml2" ];
    nixpkgs.legacyPackages.x86_64-linux = builtins.listToAttrs (map (name: { inherit name; value = name; }) pkgNames) // {
      mkShell = args: args // { packages = map (p: if builtins.isAttrs p then p.pname else p) args.packages; };
      pulumi-bin = { pname = "pulumi-bin"; version = "${pulumiVersion}"; };
    };
    nixpkgs.lib.versionAtLeast = v: min: builtins.compareVersions v min >= 0;
    lib = {
      mkIf = condition: content: { _type = "if"; inherit condition content; };
      mkEnableOption = description: { _type = "option"; inherit description; };
    };
    outputs = flake.outputs { self = { }; inherit nixpkgs NixVirt; };
    module = outputs.nixosModules.default { inherit lib; config.virtualisation.homelab-sccm.enable = ${enabled}; };
    lab = { nixvirt = NixVirt; };
  in {
    inherit (flake) inputs;
    inherit (module) imports config;
    option = module.options.virtualisation.homelab-sccm.enable;
    shell = outputs.devShells.x86_64-linux.default;
    files = {
      networks = import ${PROJECT_DIR}/nixvirt/networks.nix lab;
      pools = import ${PROJECT_DIR}/nixvirt/pools.nix lab;
      domains = import ${PROJECT_DIR}/nixvirt/domains.nix lab;
    };
  }`);

test("flake.nix parses", () => {
  expect(parseNixFile(FLAKE)).toMatchObject({ ok: true, stderr: "" });
});

test("pins NixVirt to FlakeHub 0.6.* and makes it follow the flake's nixpkgs", () => {
  const { inputs } = view(true);
  expect(inputs.NixVirt).toEqual({ url: "https://flakehub.com/f/AshleyYakeley/NixVirt/0.6.*.tar.gz", inputs: { nixpkgs: { follows: "nixpkgs" } } });
  expect(inputs.nixpkgs.url).toMatch(/^github:NixOS\/nixpkgs\/nixos-\d\d\.\d\d$/);
});

test("the module imports NixVirt's, and once enabled declares the exported lab on qemu:///system with swtpm", () => {
  const flake = view(true);
  expect(flake.imports).toEqual([expect.objectContaining({ nixvirtDouble: true })]);
  expect(flake.option._type).toBe("option");
  expect(flake.config.condition).toBe(true);
  const { libvirt } = flake.config.content.virtualisation;
  expect(libvirt.enable).toBe(true);
  expect(libvirt.swtpm.enable).toBe(true);
  expect(Object.keys(libvirt.connections)).toEqual(["qemu:///system"]);
  expect(libvirt.connections["qemu:///system"]).toEqual(flake.files);
  expect(flake.files.domains.length).toBeGreaterThan(0);
});

test("the module does nothing until enabled (NixVirt would remove the host's other libvirt objects)", () => {
  expect(view(false).config.condition).toBe(false);
});

test("the devShell has Node.js, the Pulumi CLI, libvirt, QEMU, OVMF, swtpm, xorriso and libxml2", () => {
  expect(view(true).shell.packages).toEqual(["nodejs_24", "pulumi-bin", "libvirt", "qemu", "OVMF", "swtpm", "xorriso", "libxml2"]);
});

test("the devShell's Pulumi CLI satisfies Pulumi.yaml's requiredPulumiVersion, and an older one fails evaluation", () => {
  const project = readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8");
  expect(project).toMatch(/^requiredPulumiVersion: ">=3\.228\.0"$/m);
  expect(readFileSync(FLAKE, "utf8")).toContain('versionAtLeast pkgs.pulumi-bin.version "3.228.0"');
  expect(view(true, "3.228.0").shell.packages).toContain("pulumi-bin");
  expect(() => view(true, "3.227.9")).toThrow(/assertion .* failed/);
});
