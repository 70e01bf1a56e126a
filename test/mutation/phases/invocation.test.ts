// How a phase becomes a homelab-winrm call, with every argument written out (mutation testing of phases/invocation.ts).
import { PHASE_PARAMS_ENV, PhaseInvocationError, phaseParams, secretEnvVar, winrmInvocation } from "../../../phases/invocation";
import type { Phase } from "../../../phases";

const phase = (over: Partial<Phase> = {}): Phase => ({
  id: "dc01-ad-forest",
  vm: "DC01",
  host: "192.168.56.10",
  user: "Administrator",
  title: "t",
  script: "scripts/dc/Install-AdForest.ps1",
  params: { DomainName: "corp.homelab.test" },
  secretParams: { DsrmPassword: "dsrmPassword" },
  after: [],
  expectsReboot: true,
  maxRuns: 3,
  timeoutSeconds: 36000,
  checkpoint: false,
  ...over,
});

test("the parameters travel in HOMELAB_PHASE_PARAMS, the script path loses every trailing slash of the project folder", () => {
  expect(PHASE_PARAMS_ENV).toBe("HOMELAB_PHASE_PARAMS");
  expect(winrmInvocation(phase(), { projectDir: "/repo//", transport: "ntlm", port: 5985 })).toEqual({
    args: [
      "run",
      "--host",
      "192.168.56.10",
      "--port",
      "5985",
      "--transport",
      "ntlm",
      "--user",
      "Administrator",
      "--name",
      "DC01",
      "--script",
      "/repo/scripts/dc/Install-AdForest.ps1",
      "--params-env",
      "HOMELAB_PHASE_PARAMS",
      "--timeout",
      "36000",
      "--max-runs",
      "3",
      "--secret-param",
      "DsrmPassword=HOMELAB_DSRM_PASSWORD",
    ],
    env: { HOMELAB_PHASE_PARAMS: '{"DomainName":"corp.homelab.test"}' },
    secretEnv: { HOMELAB_DSRM_PASSWORD: "dsrmPassword" },
  });
});

test("a name that is both a parameter and a secret, or a parameter and a file, is refused with the exact message", () => {
  const secret = phase({ params: { DsrmPassword: "x" } });
  expect(() => phaseParams(secret)).toThrow(new PhaseInvocationError("phase dc01-ad-forest: DsrmPassword is both a parameter and a secret"));
  expect(() => phaseParams(phase({ files: { DomainName: "ini" } }))).toThrow(
    new PhaseInvocationError("phase dc01-ad-forest: DomainName is both a parameter and a file"),
  );
  try {
    phaseParams(secret);
  } catch (e) {
    expect((e as Error).name).toBe("PhaseInvocationError");
  }
  expect(phaseParams(phase({ files: { SetupIni: "[A]" } }))).toEqual({ DomainName: "corp.homelab.test", SetupIni: "[A]" });
});

test.each([
  ["adminPassword", "HOMELAB_ADMIN_PASSWORD"],
  ["sqlServicePassword", "HOMELAB_SQL_SERVICE_PASSWORD"],
  ["x9Y", "HOMELAB_X9_Y"],
  ["plain", "HOMELAB_PLAIN"],
])("secretEnvVar(%s)", (key, variable) => {
  expect(secretEnvVar(key)).toBe(variable);
});
