import { guestPhasesSummary } from "../../components/summary";

const guest = (phases: boolean, install: "unattended" | "manual") =>
  ({ phases, install, transport: "ntlm", port: 5985, user: "Administrator", checkpoints: "auto" }) as const;

describe("the stack output's guestPhases line", () => {
  test("on, unattended (the defaults): the one-command path, its duration and where to watch", () => {
    expect(guestPhasesSummary({ stack: "dev", guest: guest(true, "unattended") })).toBe(
      "on: one pulumi up installs Windows unattended, then runs the phases (domain, SQL, SCCM site, clients; about 2 to 4 hours on KVM); " +
        "watch the serial logs (/var/log/libvirt/qemu/<VM>-serial.log), .homelab/phase-logs/ and `npm run lab -- status --stack dev`",
    );
  });

  test("on, manual install", () => {
    expect(guestPhasesSummary({ stack: "minimal", guest: guest(true, "manual") })).toBe(
      "on: the phases run over WinRM against the Windows you installed by hand; " +
        "watch the serial logs (/var/log/libvirt/qemu/<VM>-serial.log), .homelab/phase-logs/ and `npm run lab -- status --stack minimal`",
    );
  });

  test("off, unattended: where up stops and how to go on", () => {
    expect(guestPhasesSummary({ stack: "nokvm", guest: guest(false, "unattended") })).toBe(
      "off: pulumi up stops once Windows is installed; `pulumi config set homelab:guestPhases true` and `pulumi up` run the phases",
    );
  });

  test("off, manual: the hand steps", () => {
    expect(guestPhasesSummary({ stack: "dev", guest: guest(false, "manual") })).toBe(
      "off: install Windows in each VM, run scripts/common/Enable-LabWinRM.ps1, then `pulumi config set homelab:guestPhases true` and `pulumi up`",
    );
  });
});
