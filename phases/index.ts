export type { Phase, PhaseGraph, ParamValue } from "./types";
export { buildPhaseGraph, checkPhaseGraph, topologicalLevels, PhaseGraphError } from "./graph";
export { phaseParams, secretEnvVar, winrmInvocation, PHASE_PARAMS_ENV, PhaseInvocationError } from "./invocation";
export type { WinrmInvocation } from "./invocation";
export { sqlConfigurationIni, sccmSetupIni, dhcpScopes, dnsSettings, boundaryRanges, sqlMaxMemoryMiB } from "./generated";
export { writeIni, parseIni } from "./ini";
export { LAB_DIRECTORY, GUEST_PATHS } from "./lab-facts";
