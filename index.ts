// The Pulumi program: stack config -> LabSpec -> the lab's resources and outputs.
import * as pulumi from "@pulumi/pulumi";
import { Lab, readPulumiConfig } from "./components";
import { LabConfigError, loadLabSpec, missingPhaseSecrets, NAMESPACE } from "./lab";
import { loadMediaManifest } from "./media/manifest-schema";
import { buildPhaseGraph } from "./phases/graph";
import { formatPreflight, preflight } from "./preflight";
import { guestPhasesSummary } from "./components/summary";

const input = readPulumiConfig();
const result = loadLabSpec(input);
for (const w of result.warnings) pulumi.log.warn(`${w.path}: ${w.message}`);
// A config error stops the program before any resource is registered.
if (!result.ok) throw new LabConfigError(result.errors);
const spec = result.spec;
// Every unset password at once, each with its `pulumi config set --secret` command, before anything is created.
const unset = missingPhaseSecrets(input, spec);
if (unset.length > 0) throw new LabConfigError(unset);

const checked = preflight(spec);
if (checked.skipped) pulumi.log.info(`preflight skipped: ${checked.skipped}`);
if (checked.problems.length > 0) throw new Error(formatPreflight(checked.problems));

const config = new pulumi.Config(NAMESPACE);
// Secrets are read only when the guest phases need them, and stay Pulumi secrets throughout.
const secrets: Record<string, pulumi.Output<string>> = spec.guest.phases
  ? Object.fromEntries(spec.secrets.map((s) => [s.key, config.requireSecret(s.key)]))
  : {};
// The unattended install writes homelab:adminPassword into each answer file; when it is missing,
// the InstallMedia check names the key before anything is created.
const adminPassword = spec.guest.install === "unattended" ? config.getSecret("adminPassword") : undefined;
if (adminPassword && !secrets.adminPassword) secrets.adminPassword = adminPassword;

const graph = buildPhaseGraph(spec, loadMediaManifest());
const lab = new Lab(spec.stack, { spec, graph, secrets, projectDir: __dirname });

export const vms = lab.vmSummaries;
export const summary = {
  stack: spec.stack,
  uri: spec.libvirt.uri,
  domainType: spec.libvirt.domainType,
  networks: spec.networks.map((n) => `${n.name} ${n.subnet} on ${n.bridge} (${n.mode})`),
  pool: `${spec.pool.name} at ${spec.pool.path}`,
  domain: spec.domain?.fqdn ?? null,
  site: spec.sccm ? `${spec.sccm.siteCode} on ${spec.sccm.siteServer}, SQL on ${spec.sccm.sqlServer}` : null,
  guestPhases: guestPhasesSummary(spec),
};
