// The media ISO's dynamic provider as Pulumi ships it. Delete and Read run with the provider stored
// at the last create or update, possibly from another checkout, so the serialized closure holds no
// path: it finds ./ops from the folder the provider host runs in (lab/project-module.ts). ops.ts
// holds the typed operations.
import { projectModuleProvider } from "../../lab/project-module";
import type * as Ops from "./ops";

export const mediaIsoProvider = projectModuleProvider<typeof Ops>("media/provider/ops", "media provider", "mediaIso");
