export * from "./types";
export { loadLabSpec, requireLabSpec, LabConfigError, StackConfig } from "./load";
export { readStackConfig, projectDefaults, parseConfigValue, pulumiConfigValue, StackFileError } from "./stack-file";
export { formatProblems } from "./problems";
export { deriveMac, deriveUuid, HOMELAB_NAMESPACE } from "./identity";
