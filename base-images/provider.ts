// The BaseImage dynamic provider as Pulumi ships it. Delete and Read run with the provider stored at
// the last create or update, possibly from another checkout, so the serialized closure holds no path:
// it finds ./build from the folder the provider host runs in (lab/project-module.ts). build.ts holds
// the typed operations (and logs through Pulumi by default).
import { projectModuleProvider } from "../lab/project-module";
import type * as Build from "./build";

export const baseImageProvider = projectModuleProvider<typeof Build>("base-images/build", "base image provider", "baseImageOps");
export const cloneDiskProvider = projectModuleProvider<typeof Build>("base-images/build", "clone disk provider", "cloneDiskOps");
