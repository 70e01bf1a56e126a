// Pure renderers: a part of the LabSpec in, libvirt XML out. No I/O, no virsh.
export { renderNetworkXml } from "./network";
export { renderPoolXml } from "./pool";
export { renderVolumeXml } from "./volume";
export { renderDomainXml, DomainContext } from "./domain";
export { renderLab, RenderedKind, RenderedObject } from "./lab";
