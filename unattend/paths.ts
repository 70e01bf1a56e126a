// Where the unattended install keeps its files on the hypervisor host. Pure: the domain renderer
// and the resources agree on every path through these functions.
import { basename, dirname, join } from "node:path";
import type { LabSpec, VmSpec } from "../lab";

/** The folder of the answer ISOs: beside the pool's folder (inside it, libvirt would list them as volumes). Mode 0711, files 0600. */
export const answerDir = (pool: Pick<LabSpec["pool"], "path">): string => `${pool.path.replace(/\/+$/, "")}-answers`;

/** One VM's answer ISO; it exists only between the first `pulumi up` and the install marker. */
export const answerIsoPath = (pool: Pick<LabSpec["pool"], "path">, vm: Pick<VmSpec, "name">): string => join(answerDir(pool), `${vm.name}-autounattend.iso`);

/** The file libvirt logs the guest's first serial port to (OVMF's console and the install marker). */
export const serialLogPath = (vm: Pick<VmSpec, "name">): string => `/var/log/libvirt/qemu/${vm.name}-serial.log`;

/** The installer ISO rebuilt without the "Press any key to boot from CD or DVD" prompt, beside its source. */
export const noPromptIsoPath = (sourceIso: string): string => join(dirname(sourceIso), "homelab-noprompt", basename(sourceIso));

/** True when this VM installs Windows from an answer file. */
export const installsUnattended = (lab: { guest?: Pick<LabSpec["guest"], "install"> }, vm: Pick<VmSpec, "template" | "isos">): boolean =>
  lab.guest?.install === "unattended" && vm.template === "windows" && vm.isos.install !== undefined;
