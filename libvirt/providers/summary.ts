// Pure: the facts of a libvirt XML document that the diff names, and a containment test that
// tells whether libvirt already holds everything a rendered document asks for.
import { XMLParser } from "fast-xml-parser";

/** What the diff reports about a domain, derived from its XML (rendered or libvirt's). */
export interface DomainSummary {
  name: string;
  uuid: string;
  type: string;
  memoryMiB: number;
  vcpus: number;
  /** "mac network model", in device order. */
  nics: string[];
  /** "device bus source", in device order (disks and CD-ROMs: the ISOs show here). */
  disks: string[];
  /** e.g. "efi secure-boot enrolled-keys smm" */
  firmware: string;
  /** e.g. "tpm-crb emulator 2.0", or "" when the domain has none. */
  tpm: string;
}

export interface NetworkSummary {
  name: string;
  uuid: string;
  bridge: string;
  mac: string;
  /** forward mode, or "isolated" */
  mode: string;
  /** "address/netmask" of each <ip> */
  ips: string[];
  /** "start-end" ranges and "mac=ip" hosts */
  dhcp: string[];
}

export interface PoolSummary {
  name: string;
  uuid: string;
  type: string;
  path: string;
}

type Node = Record<string, unknown>;

// Arrays everywhere, so a device list of one looks like a device list of three.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  alwaysCreateTextNode: true,
  isArray: (_name, jpath, _leaf, isAttribute) => !isAttribute && String(jpath).includes("."),
});

// Parsed documents by their text: a read parses libvirt's XML for the summary and for the drift,
// and the rendered XML was parsed by check already. The trees are only read, never changed.
const parsed = new Map<string, Node>();
const PARSED_KEPT = 512;

function parse(xml: string): Node {
  let doc = parsed.get(xml);
  if (doc === undefined) {
    doc = parser.parse(xml, true) as Node;
    if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value!);
    parsed.set(xml, doc);
  }
  return doc;
}

function parseRoot(xml: string, root: string): Node {
  let doc: Node;
  try {
    doc = parse(xml);
  } catch (e) {
    throw new Error(`the ${root} XML does not parse: ${(e as Error).message}`);
  }
  const el = doc[root];
  if (!el || typeof el !== "object") throw new Error(`the XML is not a <${root}> document (root: ${Object.keys(doc).join(", ") || "none"})`);
  return el as Node;
}

const children = (n: Node | undefined, name: string): Node[] => {
  const v = n?.[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === "object" && x !== null ? (x as Node) : { "#text": String(x) }));
};
const child = (n: Node | undefined, name: string): Node | undefined => children(n, name)[0];
const text = (n: Node | undefined): string => (n === undefined ? "" : String(n["#text"] ?? "").trim());
const attr = (n: Node | undefined, name: string): string => (n === undefined ? "" : String(n[`@${name}`] ?? ""));

const UNITS: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1e6,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1e9,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1e12,
};

/** A scaled libvirt size (`<memory unit='KiB'>`, `<capacity unit='G'>`) in bytes; libvirt's default unit is `fallback`. */
export function sizeInBytes(value: string, unit: string, fallback = "bytes"): number {
  const factor = UNITS[(unit || fallback).toLowerCase()];
  if (factor === undefined) throw new Error(`unknown size unit ${JSON.stringify(unit)}`);
  return Number(value) * factor;
}

export function domainSummary(xml: string): DomainSummary {
  const d = parseRoot(xml, "domain");
  const mem = child(d, "memory");
  const os = child(d, "os");
  const devices = child(d, "devices");
  const firmwareFeatures = children(child(os, "firmware"), "feature")
    .filter((f) => attr(f, "enabled") === "yes")
    .map((f) => attr(f, "name"));
  const loader = child(os, "loader");
  const smm = child(child(d, "features"), "smm");
  const firmware = [
    attr(os, "firmware") || (loader ? "loader" : "bios"),
    ...firmwareFeatures.sort(),
    ...(attr(loader, "secure") === "yes" ? ["loader-secure"] : []),
    ...(smm && attr(smm, "state") !== "off" ? ["smm"] : []),
  ].join(" ");
  const tpm = child(devices, "tpm");
  const backend = child(tpm, "backend");
  return {
    name: text(child(d, "name")),
    uuid: text(child(d, "uuid")).toLowerCase(),
    type: attr(d, "type"),
    memoryMiB: Math.round(sizeInBytes(text(mem), attr(mem, "unit"), "KiB") / 1024 ** 2),
    vcpus: Number(text(child(d, "vcpu")) || "1"),
    nics: children(devices, "interface").map((i) => {
      const source = child(i, "source");
      return [attr(child(i, "mac"), "address").toLowerCase(), attr(source, "network") || attr(source, "bridge"), attr(child(i, "model"), "type")].join(" ");
    }),
    disks: children(devices, "disk").map((k) => {
      const source = child(k, "source");
      const from =
        attr(source, "file") || (attr(source, "pool") ? `${attr(source, "pool")}/${attr(source, "volume")}` : "") || attr(source, "dev") || "(empty)";
      return [attr(k, "device"), attr(child(k, "target"), "bus"), from].join(" ");
    }),
    firmware,
    tpm: tpm ? [attr(tpm, "model"), attr(backend, "type"), attr(backend, "version")].filter(Boolean).join(" ") : "",
  };
}

export function networkSummary(xml: string): NetworkSummary {
  const n = parseRoot(xml, "network");
  const forward = child(n, "forward");
  const ips = children(n, "ip");
  return {
    name: text(child(n, "name")),
    uuid: text(child(n, "uuid")).toLowerCase(),
    bridge: attr(child(n, "bridge"), "name"),
    mac: attr(child(n, "mac"), "address").toLowerCase(),
    mode: forward ? attr(forward, "mode") || "nat" : "isolated",
    ips: ips.map((ip) => `${attr(ip, "address")}/${attr(ip, "netmask") || attr(ip, "prefix")}`),
    dhcp: ips.flatMap((ip) => {
      const dhcp = child(ip, "dhcp");
      return [
        ...children(dhcp, "range").map((r) => `${attr(r, "start")}-${attr(r, "end")}`),
        ...children(dhcp, "host").map((h) => `${attr(h, "mac").toLowerCase()}=${attr(h, "ip")}`),
      ];
    }),
  };
}

export function poolSummary(xml: string): PoolSummary {
  const p = parseRoot(xml, "pool");
  return {
    name: text(child(p, "name")),
    uuid: text(child(p, "uuid")).toLowerCase(),
    type: attr(p, "type"),
    path: text(child(child(p, "target"), "path")).replace(/\/+$/, ""),
  };
}

export interface VolumeSummary {
  name: string;
  capacityBytes: number;
  format: string;
}

export function volumeSummary(xml: string): VolumeSummary {
  const v = parseRoot(xml, "volume");
  const cap = child(v, "capacity");
  return {
    name: text(child(v, "name")),
    capacityBytes: sizeInBytes(text(cap), attr(cap, "unit")),
    format: attr(child(child(v, "target"), "format"), "type"),
  };
}

// ---- containment -------------------------------------------------------------------------------

/** libvirt writes some values its own way; these compare a rendered value with libvirt's. */
function sameValue(key: string, wanted: string, live: string): boolean {
  if (wanted === live) return true;
  if (key === "@machine") return live.startsWith(`pc-${wanted}-`) || wanted.startsWith(`pc-${live}-`);
  if (/^(@address|@mac)$/.test(key) || /^[0-9a-f:]+$/i.test(wanted)) return wanted.toLowerCase() === live.toLowerCase();
  return false;
}

function sizeOf(n: Node): number | undefined {
  const unit = n["@unit"];
  const t = n["#text"];
  if (typeof unit !== "string" || t === undefined) return undefined;
  try {
    return sizeInBytes(String(t), unit);
  } catch {
    return undefined;
  }
}

/** The first thing in `wanted` that `live` lacks, as a path; undefined when none. */
function missing(wanted: Node, live: Node, path: string): string | undefined {
  const wSize = sizeOf(wanted);
  const lSize = sizeOf(live);
  const sized = wSize !== undefined && lSize !== undefined;
  if (sized && wSize !== lSize) return `${path} (${wSize} bytes, libvirt has ${lSize})`;
  for (const [key, value] of Object.entries(wanted)) {
    if (sized && (key === "@unit" || key === "#text")) continue;
    // An empty element asks for no text: libvirt may fill it with children instead.
    if (key === "#text" && String(value) === "") continue;
    if (key.startsWith("@") || key === "#text") {
      const lv = live[key];
      if (lv === undefined || !sameValue(key, String(value), String(lv))) return `${path}${key === "#text" ? "" : `/${key}`} = ${JSON.stringify(value)}`;
      continue;
    }
    const liveKids = children(live, key);
    const used = new Set<number>();
    const wantedKids = children(wanted, key);
    for (const [i, w] of wantedKids.entries()) {
      const at = liveKids.findIndex((l, j) => !used.has(j) && missing(w, l, "") === undefined);
      if (at < 0) {
        const label = wantedKids.length > 1 ? `${key}[${i}]` : key;
        // Say what differs in the closest candidate, not only that none matched.
        const closest = liveKids.length === 1 ? missing(w, liveKids[0], `${path}/${label}`) : undefined;
        return closest ?? `${path}/${label}`;
      }
      used.add(at);
    }
  }
  return undefined;
}

/**
 * Whether libvirt's (normalized, expanded) XML already holds everything the rendered XML asks
 * for: returns the first missing element or value as a path, or undefined when nothing is
 * missing. libvirt adds addresses, controllers and defaults, so containment, not equality.
 */
export function xmlMissing(wanted: string, live: string): string | undefined {
  const w = parse(wanted);
  const l = parse(live);
  const root = Object.keys(w).find((k) => !k.startsWith("?"));
  if (!root) return "(empty document)";
  const lr = l[root];
  if (!lr || typeof lr !== "object") return `/${root}`;
  return missing(w[root] as Node, lr as Node, `/${root}`);
}

const shown = (v: unknown) => JSON.stringify(String(v));

/** Like missing(), but collects every difference, each with libvirt's value where it has one. */
function collectDrift(wanted: Node, live: Node, path: string, out: string[]): void {
  const wSize = sizeOf(wanted);
  const lSize = sizeOf(live);
  const sized = wSize !== undefined && lSize !== undefined;
  if (sized && wSize !== lSize) out.push(`${path} = ${wSize} bytes (libvirt has ${lSize})`);
  for (const [key, value] of Object.entries(wanted)) {
    if (sized && (key === "@unit" || key === "#text")) continue;
    if (key === "#text" && String(value) === "") continue;
    if (key.startsWith("@") || key === "#text") {
      const lv = live[key];
      const where = `${path}${key === "#text" ? "" : `/${key}`}`;
      if (lv === undefined) out.push(`${where} = ${shown(value)} (libvirt has none)`);
      else if (!sameValue(key, String(value), String(lv))) out.push(`${where} = ${shown(value)} (libvirt has ${shown(lv)})`);
      continue;
    }
    const liveKids = children(live, key);
    const wantedKids = children(wanted, key);
    const used = new Set<number>();
    const unmatched: number[] = [];
    for (const [i, w] of wantedKids.entries()) {
      const at = liveKids.findIndex((l, j) => !used.has(j) && missing(w, l, "") === undefined);
      if (at < 0) unmatched.push(i);
      else used.add(at);
    }
    const spare = liveKids.map((_, j) => j).filter((j) => !used.has(j));
    for (const i of unmatched) {
      const named = attr(wantedKids[i], "name");
      const label = wantedKids.length > 1 ? (named ? `${key}[@name=${JSON.stringify(named)}]` : `${key}[${i}]`) : key;
      // The closest candidate: the same position among the unmatched, so one changed NIC of two
      // names its own field rather than "interface[1]" alone.
      const j = spare.length === unmatched.length ? spare[unmatched.indexOf(i)] : spare.length === 1 ? spare[0] : undefined;
      if (j === undefined) out.push(`${path}/${label} (libvirt has no such element)`);
      else collectDrift(wantedKids[i], liveKids[j], `${path}/${label}`, out);
    }
  }
}

/**
 * Every element or value the rendered XML asks for that libvirt's XML lacks or contradicts, as
 * paths with both values (`/domain/devices/graphics/@listen = "127.0.0.1" (libvirt has "0.0.0.0")`).
 * Empty when libvirt's XML contains the rendered one. Used by read and diff, so drift made by hand
 * (a `virsh define` of an edited XML) shows as an update naming the field.
 */
export function xmlDrift(wanted: string, live: string): string[] {
  const w = parse(wanted);
  const l = parse(live);
  const root = Object.keys(w).find((k) => !k.startsWith("?"));
  if (!root) return ["(empty document)"];
  const lr = l[root];
  if (!lr || typeof lr !== "object") return [`/${root} (libvirt has no such element)`];
  const out: string[] = [];
  collectDrift(w[root] as Node, lr as Node, `/${root}`, out);
  return out;
}
