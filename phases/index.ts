export type { Phase, PhaseGraph, ParamValue } from "./types";
export { buildPhaseGraph, checkPhaseGraph, topologicalLevels, PhaseGraphError } from "./graph";
export { bundleScript, phaseParamStrings, secretEnvVar, winrmArgs, BundleError } from "./bundle";
export { sqlConfigurationIni, sccmSetupIni, dhcpScopes, dnsSettings, boundaryRanges, sqlMaxMemoryMiB } from "./generated";
export { writeIni, parseIni } from "./ini";
export { LAB_DIRECTORY, GUEST_PATHS } from "./lab-facts";
