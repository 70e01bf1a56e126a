// Which phases get an automatic checkpoint, and of which VMs. The phase graph marks them with
// `checkpoint: true` (the guest-phases work adds the mark); until that mark exists, the steps
// below stand in for it. Pure.
import type { LabSpec } from "../lab";
import type { Phase } from "../phases/types";

/**
 * PROVISIONAL, until every phase carries its own `checkpoint` mark: the steps that are long to
 * redo and known to fail half-way (SQL setup; ConfigMgr setup, whose failed run leaves
 * HKLM\SOFTWARE\Microsoft\SMS and a CM_<site> database behind, see scripts/sccm/Install-SccmSite.ps1).
 */
export const RISKY_STEPS: readonly string[] = ["sql-install", "sccm-site-install"];

type MaybeMarked = Phase & { checkpoint?: boolean };

export function isRiskyPhase(phase: MaybeMarked): boolean {
  if (typeof phase.checkpoint === "boolean") return phase.checkpoint;
  return RISKY_STEPS.some((step) => phase.id === `${phase.vm.toLowerCase()}-${step}`);
}

/**
 * The VMs a risky phase changes: its own, and for the ConfigMgr site install also the SQL host,
 * where setup creates the site database (both must go back together, or the site server finds a
 * database from a setup it no longer remembers).
 */
export function phaseVms(phase: Phase, spec: Pick<LabSpec, "sccm">): string[] {
  const vms = [phase.vm];
  const sccm = spec.sccm;
  if (sccm && phase.vm === sccm.siteServer && phase.id.endsWith("-sccm-site-install") && !vms.includes(sccm.sqlServer)) vms.push(sccm.sqlServer);
  return vms;
}

/** The checkpoint name a phase's automatic checkpoint uses. */
export const autoCheckpointName = (phaseId: string): string => `auto-${phaseId}`;
