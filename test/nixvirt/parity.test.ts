// The Nix path and the Pulumi path declare the same lab: what the Nix files hand NixVirt equals
// what libvirt/render writes for virsh, compared as facts parsed from the XML.
import type { LabSpec } from "../../lab";
import { renderLab } from "../../libvirt/render";
import { exportNixVirt } from "../../nixvirt-export";
import { STACKS, stackSpec } from "../support/stacks";
import { factsFromNix, factsFromXml, LabFacts } from "./facts";
import { evalExport } from "./nix-tools";

// The reference is always libvirt/render: if it cannot be loaded this file fails at import,
// instead of quietly comparing the Nix files with the LabSpec they were made from.
// The Nix path installs Windows by hand (no answer CD, the installer ISO as given): compare it with the manual flavour.
const manual = (spec: LabSpec): LabSpec => ({ ...spec, guest: { ...spec.guest, install: "manual" } });
const reference = (spec: LabSpec): LabFacts => factsFromXml(renderLab(manual(spec)), spec.pool.name);
const against = "the libvirt XML libvirt/render writes";

describe.each(STACKS)("stack %s", (stack) => {
  test(`the Nix files declare ${against}`, () => {
    const spec = stackSpec(stack);
    const nix = factsFromNix(evalExport(exportNixVirt(spec)));
    const ref = reference(spec);
    // Per kind, so that a failure names the object that differs.
    expect(nix.networks).toEqual(ref.networks);
    expect(nix.pool).toEqual(ref.pool);
    expect(nix.volumes).toEqual(ref.volumes);
    for (const [i, domain] of nix.domains.entries()) expect(domain).toEqual(ref.domains[i]);
    expect(nix.domains.length).toBe(ref.domains.length);
  });
});

test("the parity check sees a difference: a changed MAC in the XML fails it", () => {
  const spec = stackSpec("dev");
  const nix = factsFromNix(evalExport(exportNixVirt(spec)));
  const changed = structuredClone(spec);
  changed.vms[0].nics[1].mac = "52:54:00:00:00:01";
  expect(nix.domains[0]).not.toEqual(reference(changed).domains[0]);
  expect(nix.domains[0]).toEqual(reference(spec).domains[0]);
});
