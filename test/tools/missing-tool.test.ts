// A missing tool fails the test that needs it, naming the tool: no test passes or returns early without it.
import { nixInstantiate } from "../nixvirt/nix-tools";
import { requireTools } from "../support/require-tools";
import { validateLibvirtXml } from "../support/xml-validate";

test("every tool the suite runs is installed here (CI installs them all)", () => {
  expect(() =>
    requireTools({
      virsh: "libvirt-clients",
      "virt-xml-validate": "libvirt-clients",
      "nix-instantiate": "nix-bin",
      xorriso: "xorriso",
      libvirtd: "libvirt-daemon-system",
      swtpm: "swtpm",
      "qemu-system-x86_64": "qemu-system-x86",
    }),
  ).not.toThrow();
});

test("requireTools names each missing tool and its package", () => {
  expect(() => requireTools({ "homelab-no-such-tool": "no-such-package", virsh: "libvirt-clients" })).toThrow(
    "missing tools: homelab-no-such-tool (apt-get install no-such-package)",
  );
});

// jest gives each test file its own copy of process.env, which child processes do not see: a
// binary name that is on no PATH stands in for the missing tool.
test("nix-instantiate missing: the Nix tests fail with the tool named, not as a failed parse", () => {
  expect(() => nixInstantiate(["--version"], "homelab-missing-nix-instantiate")).toThrow(
    "homelab-missing-nix-instantiate is not installed: apt-get install nix-bin",
  );
});

test("virt-xml-validate missing: validation fails with the tool named, not as invalid XML", async () => {
  await expect(validateLibvirtXml("<pool type='dir'/>", "storagepool", "homelab-missing-virt-xml-validate")).rejects.toThrow(
    "homelab-missing-virt-xml-validate is not installed: apt-get install libvirt-clients libxml2-utils",
  );
});
