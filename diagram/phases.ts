import type { LabSpec } from "../lab";

/** The short names of the guest phases that run on each VM. Filled from the phase graph once it exists. */
export function phasesByVm(_spec: LabSpec): Record<string, string[]> {
  return {};
}
