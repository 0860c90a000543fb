export interface Percentiles { p50: number; p95: number; p99: number; max: number }

/** Nearest-rank percentiles of a list of milliseconds. */
export function percentiles(values: number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99), max: s[s.length - 1] ?? NaN };
}

export const fmtMs = (p: Percentiles) => `${p.p50.toFixed(0)}/${p.p95.toFixed(0)}/${p.p99.toFixed(0)}`;
export const fmtRate = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

/** A plain-text table: the first column (and those in `left`) left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][], left: number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Median of a list (mean of the two middle values for an even count); NaN for none. */
export function median(values: number[]): number {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Per-percentile medians over rounds. */
export function medianPercentiles(list: Percentiles[]): Percentiles {
  return { p50: median(list.map((p) => p.p50)), p95: median(list.map((p) => p.p95)), p99: median(list.map((p) => p.p99)), max: median(list.map((p) => p.max)) };
}
