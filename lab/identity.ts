// Identities derived from the stack name and an object's own name, so that every run,
// and both the Pulumi and the Nix path, name the same machines.
import { createHash } from "node:crypto";
import { v5 as uuidv5 } from "uuid";

/** The namespace of every UUID homelab-sccm derives (itself a v5 UUID of the project's name in the URL namespace). */
export const HOMELAB_NAMESPACE = uuidv5("https://github.com/homelab-sccm/homelab-sccm", uuidv5.URL);

export type IdentityKind = "vm" | "network" | "pool";

export function deriveUuid(stack: string, kind: IdentityKind, name: string): string {
  return uuidv5(`${stack}/${kind}/${name}`, HOMELAB_NAMESPACE);
}

/** A MAC under QEMU's locally administered prefix 52:54:00. */
export function deriveMac(stack: string, ...parts: string[]): string {
  const digest = createHash("sha256")
    .update([stack, ...parts].join("/"))
    .digest();
  const tail = [digest[0], digest[1], digest[2]].map((b) => b.toString(16).padStart(2, "0"));
  return ["52", "54", "00", ...tail].join(":");
}

export const normalizeMac = (mac: string): string => mac.toLowerCase();
export const normalizeUuid = (uuid: string): string => uuid.toLowerCase();
