// The stack output's one-line account of the guest phases: what this `pulumi up` does after the
// VMs exist, and where to watch it (pure, so a test pins each case).
import type { LabSpec } from "../lab";

export function guestPhasesSummary(spec: Pick<LabSpec, "stack" | "guest">): string {
  const watch = `watch the serial logs (/var/log/libvirt/qemu/<VM>-serial.log), .homelab/phase-logs/ and \`npm run lab -- status --stack ${spec.stack}\``;
  if (spec.guest.phases && spec.guest.install === "unattended") {
    return `on: one pulumi up installs Windows unattended, then runs the phases (domain, SQL, SCCM site, clients; about 2 to 4 hours on KVM); ${watch}`;
  }
  if (spec.guest.phases) return `on: the phases run over WinRM against the Windows you installed by hand; ${watch}`;
  if (spec.guest.install === "unattended") {
    return "off: pulumi up stops once Windows is installed; `pulumi config set homelab:guestPhases true` and `pulumi up` run the phases";
  }
  return "off: install Windows in each VM, run scripts/common/Enable-LabWinRM.ps1, then `pulumi config set homelab:guestPhases true` and `pulumi up`";
}
