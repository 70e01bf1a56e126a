// The lab as NixVirt 0.6.0 Nix files: LabSpec in, file contents out. No I/O here.
import type { LabSpec } from "../lab";
import { assertNixVirtExpressible } from "./check";
import { domainsNix, LIB_NIX } from "./domains";
import { networksNix } from "./networks";
import { poolsNix } from "./pools";

export { NixVirtExportError, nixVirtProblems } from "./check";
export { printNix, nixString, nixName, nixPath, code, NixCode, NixValue, NixAttrs } from "./nix";

export interface ExportedFile {
  /** Relative to the export folder, e.g. "domains.nix". */
  path: string;
  content: string;
}

/** The files flake.nix imports, or a NixVirtExportError listing everything NixVirt cannot declare. */
export function exportNixVirt(spec: LabSpec): ExportedFile[] {
  assertNixVirtExpressible(spec);
  return [
    { path: "networks.nix", content: networksNix(spec) },
    { path: "pools.nix", content: poolsNix(spec) },
    { path: "domains.nix", content: domainsNix(spec) },
    { path: "lib.nix", content: LIB_NIX },
  ];
}
