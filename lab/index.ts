export * from "./types";
export { loadLabSpec, requireLabSpec, missingPhaseSecrets, LabConfigError, StackConfig } from "./load";
export { PROJECT_DIR } from "./project-dir";
export { readStackConfig, projectDefaults, parseConfigValue, pulumiConfigValue, StackFileError } from "./stack-file";
export { formatProblems, NAMESPACE, configPath } from "./problems";
export { deriveMac, deriveUuid, HOMELAB_NAMESPACE } from "./identity";
