import type { LabSpec } from "../../lab";
import { renderDomainXml } from "./domain";
import { renderNetworkXml } from "./network";
import { renderPoolXml } from "./pool";
import { renderVolumeXml } from "./volume";

export type RenderedKind = "network" | "pool" | "volume" | "domain";

export interface RenderedObject {
  kind: RenderedKind;
  name: string;
  xml: string;
}

/** Every object of the lab, in apply order, for the render command and the golden tests. */
export function renderLab(spec: LabSpec): RenderedObject[] {
  return [
    ...spec.networks.map((net) => ({ kind: "network" as const, name: net.name, xml: renderNetworkXml(net) })),
    { kind: "pool" as const, name: spec.pool.name, xml: renderPoolXml(spec.pool) },
    ...spec.volumes.map((vol) => ({ kind: "volume" as const, name: vol.name, xml: renderVolumeXml(vol) })),
    ...spec.vms.map((vm) => ({ kind: "domain" as const, name: vm.name, xml: renderDomainXml(vm, spec) })),
  ];
}
