export interface Percentiles { p50: number; p95: number; p99: number; max: number }

/** Nearest-rank percentiles of a list of milliseconds. */
export function percentiles(values: number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99), max: s[s.length - 1] ?? NaN };
}

export const fmtMs = (p: Percentiles) => `${p.p50.toFixed(0)}/${p.p95.toFixed(0)}/${p.p99.toFixed(0)}`;
export const fmtRate = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
