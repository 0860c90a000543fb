/** Durations as Kami writes them (`500ms`, `30s`, `15m`, `24h`, `7d`), in milliseconds; pure, so workflows use it too. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION = /^(\d{1,12})(ms|s|m|h|d)$/;

/** The duration in milliseconds, or NaN when it is not one. */
export function durationToMs(text: string): number {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : Number.NaN;
}
