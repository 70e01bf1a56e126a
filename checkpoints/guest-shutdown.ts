// A clean shutdown asked of Windows itself over WinRM. ACPI alone is unreliable for Windows
// guests: with the display powered off or at a locked logon screen the first power-button event
// only wakes the screen, and servers refuse a shutdown without logon by default
// ("Shutdown: Allow system to be shut down without having to log on", Microsoft Learn: disabled
// on servers). The host still sends ACPI as well and waits for libvirt to report "shut off".
import type { LabSpec, VmSpec } from "../lab";
import type { ClientOptions } from "../winrm";
import { captureScript } from "./licence";

/** Stop-Computer -Force: shuts the local computer down without waiting for logged-on users (Microsoft Learn, Stop-Computer). */
export const STOP_SCRIPT = "Stop-Computer -Force";

/**
 * Asks the guest to shut down. Never throws: the guest tearing the connection down mid-command
 * is the expected answer, and a guest that cannot be reached still gets ACPI from the host.
 */
export async function requestGuestShutdown(client: ClientOptions, timeoutMs = 30_000): Promise<string> {
  try {
    await captureScript(client, STOP_SCRIPT, timeoutMs);
    return "Windows accepted Stop-Computer";
  } catch (e) {
    return `Stop-Computer over WinRM: ${(e as Error).message.split("\n")[0]} (the ACPI request follows)`;
  }
}

/** How the host logs on to a VM over WinRM: its own user, the stack's transport; homelab:winrmTransport basic is the stack's explicit choice of plain HTTP. */
export function guestLogon(guest: LabSpec["guest"], vm: VmSpec, password: string): Pick<ClientOptions, "user" | "password" | "kind" | "allowUnencrypted"> {
  return { user: vm.winrmUser, password, kind: guest.transport, allowUnencrypted: guest.transport === "basic" };
}

/** The WinRM connection to a Windows VM, from the spec and WINRM_PASSWORD; undefined when there is none. */
export function guestShutdownFor(
  spec: Pick<LabSpec, "vms" | "guest">,
  env: NodeJS.ProcessEnv = process.env,
): ((vm: string) => Promise<string | undefined>) | undefined {
  const password = env.WINRM_PASSWORD;
  if (!password) return undefined;
  return async (name) => {
    const vm: VmSpec | undefined = spec.vms.find((v) => v.name === name);
    if (!vm || vm.template !== "windows" || !vm.managementIp) return undefined;
    return requestGuestShutdown({
      host: vm.managementIp,
      port: spec.guest.port,
      ...guestLogon(spec.guest, vm, password),
    });
  };
}
