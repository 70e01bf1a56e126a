// What a base image is: one per Windows edition, named by the edition and a short hash of everything
// that shapes its content. Pure.
import { createHash } from "node:crypto";
import { isWindows } from "../lab";
import type { LabSpec, VmSpec } from "../lab";
import type { WindowsOs } from "../unattend/images";

/** Bump when the build flow changes what ends up in a base image: every base image is then rebuilt. */
// 2: no lab admin account and no lab password in the base (a throwaway build password).
export const BASE_IMAGE_GENERATOR_VERSION = 2;

export interface BaseImageInputsForName {
  os: WindowsOs;
  /** SHA-256 of the source install ISO (a new ISO is a new base image). */
  installIsoSha256: string;
  /** The base answer file with placeholder passwords: a changed answer file is a new base image. */
  baseAnswerXml: string;
  generatorVersion?: number;
}

/** The 12 hex digits that change whenever the ISO, the base answer file or the generator changes. */
export function baseImageHash(i: BaseImageInputsForName): string {
  const h = createHash("sha256");
  for (const part of [`generator ${i.generatorVersion ?? BASE_IMAGE_GENERATOR_VERSION}`, `os ${i.os}`, `iso ${i.installIsoSha256}`, i.baseAnswerXml])
    h.update(`${part}\n\0`);
  return h.digest("hex").slice(0, 12);
}

/** base-<edition>-<hash>.qcow2: unique per content, readable in `virsh vol-list`. */
export function baseImageName(i: BaseImageInputsForName): string {
  return `base-${i.os}-${baseImageHash(i)}.qcow2`;
}

/** The lab's Windows VMs grouped by edition: each group shares one base image. */
export function vmsByEdition(spec: Pick<LabSpec, "vms">): Map<WindowsOs, VmSpec[]> {
  const groups = new Map<WindowsOs, VmSpec[]>();
  for (const vm of spec.vms.filter(isWindows)) {
    const os = vm.os as WindowsOs;
    groups.set(os, [...(groups.get(os) ?? []), vm]);
  }
  return groups;
}
