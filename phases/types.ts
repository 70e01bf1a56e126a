// The phase graph as plain data: which script runs on which VM, with what, after what.

export type ParamValue = string | number | boolean | string[];

export interface Phase {
  /** Unique, lower-case, safe as a Pulumi resource name and a file name, e.g. dc01-ad-forest. */
  id: string;
  /** The VM's name in the LabSpec. */
  vm: string;
  /** Where the host reaches the VM's WinRM listener: vm.managementIp. */
  host: string;
  /** The account the host logs on with there: vm.winrmUser (vms[].winrmUser, else homelab:winrmUser). */
  user: string;
  title: string;
  /** Repo-relative path of the script, e.g. scripts/dc/Install-AdForest.ps1. */
  script: string;
  /** PowerShell parameter name -> value, all taken from the LabSpec. Never a secret. */
  params: Record<string, ParamValue>;
  /** PowerShell parameter name -> secret config key (homelab:<key>), e.g. DsrmPassword -> dsrmPassword. */
  secretParams: Record<string, string>;
  /** Phase ids that must have finished first. */
  after: string[];
  /** The script may exit 3010 (the WinRM client reboots the guest and waits for it). */
  expectsReboot: boolean;
  /**
   * How often the phase may run in a row: a run that exits 3010 means "reboot, then run me
   * again", so after the reboot the phase runs again (it is idempotent: a finished phase says
   * "already done" and exits 0) until a run exits 0, at most this many runs. 1 for phases that
   * never reboot.
   */
  maxRuns: number;
  /** Upper bound for one run of the phase in seconds, reboot included, already scaled for the hypervisor (x10 under TCG). */
  timeoutSeconds: number;
  /** The phase is expensive and known to fail: worth a checkpoint of its VMs before it, to revert to and retry. */
  checkpoint: boolean;
  /** PowerShell parameter name -> generated file content (an ini) passed to the script as a parameter. */
  files?: Record<string, string>;
}

export interface PhaseGraph {
  phases: Phase[];
}
