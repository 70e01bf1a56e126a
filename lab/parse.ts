// Shape-checks each config key on its own, and each list element on its own, so that
// one malformed VM does not hide the problems of the others.
import type { z } from "zod";
import { Problems } from "./problems";
import {
  domainSchema,
  mediaSchema,
  networkSchema,
  poolSchema,
  sccmSchema,
  scalarSchemas,
  vmSchema,
  RawDomain,
  RawMedia,
  RawNetwork,
  RawPool,
  RawSccm,
  RawVm,
  ScalarKey,
  Scalars,
  TOP_LEVEL_KEYS,
} from "./schema";

export interface Indexed<T> {
  index: number;
  value: T;
}

export interface ParsedConfig {
  scalars: Scalars;
  networks: Indexed<RawNetwork>[];
  pool?: RawPool;
  vms: Indexed<RawVm>[];
  domain?: RawDomain;
  sccm?: RawSccm;
  media?: RawMedia;
  /** Keys present but malformed, and "<list>/<name>" for each list element that failed its shape check. */
  malformed: Set<string>;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

/** "a string", "a number", ... as the user's YAML holds it. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "empty (null)";
  if (typeof value === "boolean") return "a boolean";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The value as the user wrote it, for messages: strings quoted, lists and objects left out. */
function quoted(value: unknown): string {
  return value !== null && typeof value === "object" ? "" : `${JSON.stringify(value)} `;
}

// The fix for a value of the wrong type, by the type the schema expected.
const TYPE_FIX: Record<string, string> = {
  boolean: "write true or false",
  number: "write a whole number like 4",
};

function parseWith<T>(schema: z.ZodType<T>, value: unknown, path: PropertyKey[], problems: Problems): T | undefined {
  // zod leaves the offending value out of its issues unless asked; messages quote it.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const where = [...path, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.error([...where, key], "is not a known setting: check its spelling, or remove it");
    } else if (issue.code === "invalid_type" && issue.input === undefined) {
      problems.error(where, `is required: ${issue.message}`);
    } else if (issue.code === "invalid_type") {
      const fix = TYPE_FIX[issue.expected] ?? issue.message;
      problems.error(where, `${quoted(issue.input)}is ${kindOf(issue.input)}: ${fix}`);
    } else {
      problems.error(where, `${issue.input === undefined ? "" : quoted(issue.input)}${issue.message}`);
    }
  }
  return undefined;
}

/** Parses each element on its own; an element that fails and has a name is recorded as "<key>/<name>" in `malformed`. */
function parseList<T>(schema: z.ZodType<T>, value: unknown, key: string, problems: Problems, malformed: Set<string>): Indexed<T>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.error([key], `must be a list, found ${describe(value)}`);
    return [];
  }
  const out: Indexed<T>[] = [];
  value.forEach((item, index) => {
    const parsed = parseWith(schema, item, [key, index], problems);
    if (parsed !== undefined) out.push({ index, value: parsed });
    else {
      const name = (item as { name?: unknown } | null)?.name;
      if (typeof name === "string") malformed.add(`${key}/${name}`);
    }
  });
  return out;
}

export function parseConfig(config: Record<string, unknown>, problems: Problems): ParsedConfig {
  for (const key of Object.keys(config)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
      problems.error([key], `is not a known config key: the keys are ${TOP_LEVEL_KEYS.join(", ")}`);
    }
  }
  if (config.vms === undefined) problems.error(["vms"], "is required: list the lab's VMs");
  if (config.pool === undefined) problems.error(["pool"], "is required: give the storage pool's name and absolute path");
  if (config.networks === undefined) problems.error(["networks"], "is required: list at least one network");
  const malformed = new Set<string>();
  const optional = <T>(schema: z.ZodType<T>, key: string): T | undefined => {
    if (config[key] === undefined) return undefined;
    const parsed = parseWith(schema, config[key], [key], problems);
    if (parsed === undefined) malformed.add(key);
    return parsed;
  };
  const scalars: Record<string, unknown> = {};
  for (const key of Object.keys(scalarSchemas) as ScalarKey[]) {
    const schema = scalarSchemas[key] as z.ZodType<unknown>;
    // A bad value still yields the default, so the checks that follow can run.
    scalars[key] = parseWith(schema, config[key], [key], problems) ?? schema.parse(undefined);
  }
  return {
    scalars: scalars as Scalars,
    networks: parseList(networkSchema, config.networks, "networks", problems, malformed),
    pool: optional(poolSchema, "pool"),
    vms: parseList(vmSchema, config.vms, "vms", problems, malformed),
    domain: optional(domainSchema, "domain"),
    sccm: optional(sccmSchema, "sccm"),
    media: optional(mediaSchema, "media"),
    malformed,
  };
}
