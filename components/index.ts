export { Lab, LabArgs, VmSummary } from "./lab";
export { LabNetwork, LabNetworkArgs } from "./network";
export { LabStorage, LabStorageArgs } from "./storage";
export { WindowsVm, LinuxVm, VmArgs } from "./vm";
export { GuestPhases, GuestPhasesArgs } from "./phases";
export { readPulumiConfig } from "./config";
