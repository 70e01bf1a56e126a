// Property values as they travel over the Pulumi resource protocol: google.protobuf.Struct with two
// special forms, written here from the protocol's documentation (pulumi/pulumi, sdk/proto and
// developer docs "Property values": a secret is an object whose signature key maps to the secret
// signature and whose `value` holds the plain value; an unknown (a preview's value not yet computed)
// is the string sentinel below).

/** The signature key of a special object. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature of a secret. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** An unknown value (computed only during an update). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type PropertyMap = Record<string, Value>;

export const isSecret = (v: unknown): v is { [SIG_KEY]: string; value: Value } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;

export const secret = (value: Value): Value => ({ [SIG_KEY]: SECRET_SIG, value });

export function containsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsSecret);
  return false;
}

export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsUnknown);
  return false;
}

/** The plain value, every secret unwrapped: what a provider that does not accept secrets receives. */
export function reveal(v: Value): Value {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  return v;
}

export const revealMap = (m: PropertyMap): PropertyMap => reveal(m) as PropertyMap;

/**
 * The engine's rule for a provider that does not accept secrets: an output property whose input
 * property held a secret is a secret again.
 */
export function resecret(outputs: PropertyMap, inputs: PropertyMap): PropertyMap {
  const out: PropertyMap = {};
  for (const [k, v] of Object.entries(outputs)) out[k] = containsSecret(inputs[k]) && !isSecret(v) ? secret(v) : v;
  return out;
}

/** Deep equality of two property values, secrets compared by what they hold. */
export const sameValue = (a: Value | undefined, b: Value | undefined): boolean => JSON.stringify(reveal(a ?? null)) === JSON.stringify(reveal(b ?? null));

/** Top-level keys whose values differ (the engine's own diff when a provider gives no detail). */
export function changedKeys(olds: PropertyMap, news: PropertyMap, ignore: string[] = []): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !ignore.includes(k) && !sameValue(olds[k], news[k])).sort();
}

/** Nested paths whose values differ, e.g. summary.memoryMiB or triggers[3] (what `pulumi preview --diff` walks). */
export function changedPaths(olds: Value | undefined, news: Value | undefined, prefix = ""): string[] {
  return changes(olds, news, prefix).map((c) => c.path);
}

/** Each changed path with its old and new value as `pulumi preview --diff` prints them; a secret shows as [secret]. */
export function describeChanges(olds: Value | undefined, news: Value | undefined, prefix = ""): string[] {
  const show = (v: Value | undefined, secret: boolean) =>
    secret ? "[secret]" : v === undefined ? "(none)" : JSON.stringify(v).length > 120 ? "(long value)" : JSON.stringify(v);
  return changes(olds, news, prefix).map((c) => `${c.path}: ${show(c.old, c.secret)} => ${show(c.new, c.secret)}`);
}

interface Change {
  path: string;
  old: Value | undefined;
  new: Value | undefined;
  secret: boolean;
}

function changes(olds: Value | undefined, news: Value | undefined, prefix: string, secret = false): Change[] {
  const hidden = secret || isSecret(olds) || isSecret(news);
  const o = isSecret(olds) ? olds.value : olds;
  const n = isSecret(news) ? news.value : news;
  const isObj = (x: Value | undefined): x is PropertyMap => typeof x === "object" && x !== null && !Array.isArray(x);
  if (isObj(o) && isObj(n)) {
    const keys = [...new Set([...Object.keys(o), ...Object.keys(n)])].sort();
    return keys.flatMap((k) => changes(o[k], n[k], prefix ? `${prefix}.${k}` : k, hidden));
  }
  if (Array.isArray(o) && Array.isArray(n) && o.length === n.length) return o.flatMap((x, i) => changes(x, n[i], `${prefix}[${i}]`, hidden));
  return sameValue(o, n) ? [] : [{ path: prefix, old: o, new: n, secret: hidden }];
}
