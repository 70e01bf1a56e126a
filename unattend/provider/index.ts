// The unattended install's dynamic providers as Pulumi ships them. Delete and Read run with the
// provider stored at the last create or update, possibly from another checkout, so the serialized
// closure holds no path: it finds ./ops from the folder the provider host runs in (lab/project-module.ts).
import { projectModuleProvider } from "../../lab/project-module";
import type * as Ops from "./ops";

export const installMediaProvider = projectModuleProvider<typeof Ops>("unattend/provider/ops", "install provider", "media");
export const installWaitProvider = projectModuleProvider<typeof Ops>("unattend/provider/ops", "install provider", "wait");
