/**
 * The public face of winrm/: what the rest of the project (components, phases, CLIs, benches)
 * imports. The modules behind it are free to change shape.
 */
export { inlineScriptModules } from "./bundle";
export { WsmanClient } from "./client";
export type { ClientOptions } from "./client";
export { AuthenticationError, ConfigurationError, TimeoutError, TransportError, WinRmError, errorMessage } from "./errors";
export * from "./exit-codes";
export { POWERSHELL_ARGS, POWERSHELL_COMMAND, buildStdin, parseParamsJson, stripBom } from "./powershell-stdin";
export type { ParamValue } from "./powershell-stdin";
export { DEFAULT_AUTH_GRACE_MS, PROGRESS_INTERVAL_MS, readBootTime, waitForReady } from "./readiness";
export type { WaitOptions } from "./readiness";
export { REBOOT_EXIT_CODES, nextStep, runScript, runScriptUntilDone } from "./run";
export type { NextStep, RunScriptOptions, RunScriptResult, RunUntilDoneOptions, RunUntilDoneResult } from "./run";
export { runPowerShell } from "./shell";
export { identify } from "./transport";
export type { TransportKind } from "./transport";
