export * from "./types";
export { loadLabSpec, requireLabSpec, LabConfigError, StackConfig } from "./load";
export { readStackConfig, projectDefaults } from "./stack-file";
export { formatProblems } from "./problems";
export { deriveMac, deriveUuid, HOMELAB_NAMESPACE } from "./identity";
