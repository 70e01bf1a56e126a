import type { LabSpec, VolumeSpec } from "../lab";
import { comment, fileHeader, indentLines } from "./header";
import { NixAttrs, printNix } from "./nix";

const HELPER = `{ nixvirt, ... }:
let
  # A VM's system disk: sparse qcow2, compat 1.1 as the Pulumi path creates it (qemu-img
  # would otherwise write compat 0.10, without lazy refcounts and zero clusters).
  qcow2Volume = name: capacity: {
    inherit name;
    definition = nixvirt.lib.volume.writeXML {
      inherit name capacity;
      allocation = { count = 0; unit = "bytes"; };
      target = { format = { type = "qcow2"; }; compat = "1.1"; };
    };
  };
in`;

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** The largest unit that holds the size exactly, so that a person reads 60 GiB, not 64424509440. */
export function capacity(bytes: number): NixAttrs {
  if (bytes % GiB === 0) return { count: bytes / GiB, unit: "GiB" };
  if (bytes % MiB === 0) return { count: bytes / MiB, unit: "MiB" };
  return { count: bytes, unit: "bytes" };
}

function volumeLine(vol: VolumeSpec): string {
  const size = capacity(vol.capacityBytes);
  return `${comment(`${vol.vm}'s system disk, ${size.count} ${size.unit}`)}\n(qcow2Volume ${printNix(vol.name)} ${printNix(size)})`;
}

export function poolsNix(spec: LabSpec): string {
  const { pool } = spec;
  const definition = printNix({ name: pool.name, uuid: pool.uuid, type: pool.type, target: { path: pool.path } });
  const volumes = spec.volumes
    .filter((v) => v.pool === pool.name)
    .map(volumeLine)
    .join("\n");
  const entry = [
    comment(`${pool.name}: the lab's ${pool.type} pool at ${pool.path}, holding every VM's disk`),
    "{",
    `  definition = nixvirt.lib.pool.writeXML ${indentLines(definition, "  ").trimStart()};`,
    `  active = ${printNix(pool.active)};`,
    "  volumes = [",
    indentLines(volumes, "    "),
    "  ];",
    "}",
  ].join("\n");
  return [fileHeader(spec.stack, "The lab's storage pool and its volumes", "pools"), HELPER, "[", indentLines(entry, "  "), "]", ""].join("\n");
}
