// Which phases get an automatic checkpoint, and of which VMs. The phase graph marks them
// (`Phase.checkpoint`: SQL setup and the ConfigMgr site install, phases/graph.ts). Pure.
import type { LabSpec } from "../lab";
import type { Phase } from "../phases/types";

export const isRiskyPhase = (phase: Pick<Phase, "checkpoint">): boolean => phase.checkpoint;

/**
 * The VMs a risky phase changes: its own, and for the ConfigMgr site install also the SQL host,
 * where setup creates the site database (both must go back together, or the site server finds a
 * database from a setup it no longer remembers).
 */
export function phaseVms(phase: Pick<Phase, "id" | "vm">, spec: Pick<LabSpec, "sccm">): string[] {
  const vms = [phase.vm];
  const sccm = spec.sccm;
  if (sccm && phase.vm === sccm.siteServer && phase.id.endsWith("-sccm-site-install") && !vms.includes(sccm.sqlServer)) vms.push(sccm.sqlServer);
  return vms;
}

/** The checkpoint name a phase's automatic checkpoint uses. */
export const autoCheckpointName = (phaseId: string): string => `auto-${phaseId}`;
