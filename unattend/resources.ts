// The per-VM resources of the unattended install. Order in a lab: volume -> InstallMedia ->
// domain (starts) -> InstallWait -> the VM's first guest phase.
import * as pulumi from "@pulumi/pulumi";
import type { LabSpec, VmSpec } from "../lab";
import { renderAnswerFile } from "./answer-file";
import type { WindowsOs } from "./images";
import { installMediaProvider, installWaitProvider } from "./provider";
import { answerIsoPath, serialLogPath } from "./paths";
import { installTimeoutMinutes } from "./wait";

export interface InstallMediaArgs {
  uri: pulumi.Input<string>;
  name: pulumi.Input<string>;
  hostname: pulumi.Input<string>;
  os: pulumi.Input<WindowsOs>;
  configPath: pulumi.Input<string>;
  sourceIso: pulumi.Input<string>;
  pool: pulumi.Input<string>;
  volume: pulumi.Input<string>;
  answerIso: pulumi.Input<string>;
  serialLog: pulumi.Input<string>;
  readableXml: pulumi.Input<string>;
  /** homelab:adminPassword as a Pulumi secret. */
  adminPassword: pulumi.Input<string>;
}

/** The no-prompt installer ISO and the VM's answer ISO, ready before its domain starts. */
export class InstallMedia extends pulumi.dynamic.Resource {
  /** Why the VM counted as installed already ("" when it installs in this run). */
  declare public readonly adopted: pulumi.Output<string>;
  declare public readonly installIso: pulumi.Output<string>;
  declare public readonly installIsoSha256: pulumi.Output<string>;
  declare public readonly answerIso: pulumi.Output<string>;

  constructor(name: string, args: InstallMediaArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      installMediaProvider,
      name,
      { ...args, adminPassword: pulumi.secret(args.adminPassword), adopted: undefined, installIso: undefined, installIsoSha256: undefined },
      { ...opts, additionalSecretOutputs: ["adminPassword"] },
      "homelab",
      "InstallMedia",
    );
  }
}

export interface InstallWaitArgs {
  uri: pulumi.Input<string>;
  name: pulumi.Input<string>;
  hostname: pulumi.Input<string>;
  serialLog: pulumi.Input<string>;
  answerIso: pulumi.Input<string>;
  adopted: pulumi.Input<string>;
  timeoutMs: pulumi.Input<number>;
  domainUuid: pulumi.Input<string>;
}

/** Done when the VM's bootstrap wrote its marker on the serial log (or the VM was installed before). */
export class InstallWait extends pulumi.dynamic.Resource {
  declare public readonly installed: pulumi.Output<boolean>;
  declare public readonly marker: pulumi.Output<string>;
  declare public readonly waitedSeconds: pulumi.Output<number>;

  constructor(name: string, args: InstallWaitArgs, opts?: pulumi.CustomResourceOptions) {
    super(installWaitProvider, name, { ...args, installed: undefined, marker: undefined, waitedSeconds: undefined }, opts, "homelab", "InstallWait");
  }
}

/** The InstallMedia arguments of one VM, from the spec (pure). */
export function installMediaArgs(spec: LabSpec, vm: VmSpec, adminPassword: pulumi.Input<string>): InstallMediaArgs {
  return {
    uri: spec.libvirt.uri,
    name: vm.name,
    hostname: vm.hostname,
    os: vm.os as WindowsOs,
    configPath: `homelab:vms[${spec.vms.indexOf(vm)}].iso`,
    sourceIso: vm.isos.install!,
    pool: spec.pool.name,
    volume: vm.volume,
    answerIso: answerIsoPath(spec.pool, vm),
    serialLog: serialLogPath(vm),
    readableXml: renderAnswerFile(spec, vm, "placeholder"),
    adminPassword,
  };
}

/** The InstallWait arguments of one VM, from the spec and its media resource. */
export function installWaitArgs(spec: LabSpec, vm: VmSpec, media: InstallMedia): InstallWaitArgs {
  return {
    uri: spec.libvirt.uri,
    name: vm.name,
    hostname: vm.hostname,
    serialLog: serialLogPath(vm),
    answerIso: answerIsoPath(spec.pool, vm),
    adopted: media.adopted,
    timeoutMs: installTimeoutMinutes(spec) * 60_000,
    domainUuid: vm.uuid,
  };
}
