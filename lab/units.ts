// Sizes in stack configs are strings with a unit, so that "8" never means bytes to one reader and GiB to another.

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

export const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/;

export const SIZE_HINT = 'write a number and a unit, e.g. "8GiB", "512MiB" or "64GB" (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)';

/** Bytes for a size string, or undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_PATTERN.exec(text);
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNITS[m[2]];
  return Number.isFinite(bytes) ? Math.round(bytes) : undefined;
}

export const GiB = 2 ** 30;
export const MiB = 2 ** 20;

export function formatBytes(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${bytes} B`;
}
