{
  description = "homelab-sccm: an SCCM lab on libvirt/QEMU, as Pulumi code and as a NixOS module through NixVirt";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    NixVirt = {
      url = "https://flakehub.com/f/AshleyYakeley/NixVirt/0.6.*.tar.gz";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, NixVirt }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
      # The files `npm run export:nixvirt -- --stack dev --out nixvirt/` writes are functions of this.
      lab = { nixvirt = NixVirt; };
    in
    {
      # The lab's networks, storage pool, disks and VMs, applied by NixVirt at `nixos-rebuild switch`.
      # Off until enabled: NixVirt removes every libvirt network, pool and domain on qemu:///system
      # that its lists do not name, so importing the module alone must not touch the host.
      nixosModules.default = { config, lib, ... }: {
        imports = [ NixVirt.nixosModules.default ];
        options.virtualisation.homelab-sccm.enable =
          lib.mkEnableOption "the homelab-sccm lab on qemu:///system (replaces every other libvirt network, pool and domain there)";
        config = lib.mkIf config.virtualisation.homelab-sccm.enable {
          virtualisation.libvirt = {
            enable = true;
            # The Windows VMs have a TPM 2.0, emulated by swtpm.
            swtpm.enable = true;
            connections."qemu:///system" = {
              networks = import ./nixvirt/networks.nix lab;
              pools = import ./nixvirt/pools.nix lab;
              domains = import ./nixvirt/domains.nix lab;
            };
          };
        };
      };

      # Everything the Pulumi path and the tests use: `nix develop`, then `npm ci && npm test`.
      # Node.js 24 is the LTS line CI runs; the CLI must satisfy Pulumi.yaml's requiredPulumiVersion,
      # so a nixpkgs with an older pulumi-bin fails here rather than at `pulumi up`.
      devShells.${system}.default =
        assert nixpkgs.lib.versionAtLeast pkgs.pulumi-bin.version "3.228.0";
        pkgs.mkShell {
          packages = with pkgs; [ nodejs_24 pulumi-bin libvirt qemu OVMF swtpm xorriso libxml2 ];
        };
    };
}
