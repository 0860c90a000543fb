import { keyLineProblem } from '../../../../domain/admin-schemas.js';

export interface LineIssue {
  line: number;
  kind: 'invalid' | 'duplicate_in_file' | 'duplicate_in_stock';
  /** The reason (invalid) or the line it repeats (duplicate_in_file). */
  detail?: string | number;
}

/** A key file read locally: every line (blank ones keep line numbers right), and what is wrong before asking the server. */
export interface KeyFileAnalysis {
  lines: string[];
  /** Non-blank lines. */
  total: number;
  issues: LineIssue[];
}

/**
 * Splits a TXT or CSV file into lines and finds invalid lines and repeats inside the file. A CSV line
 * (`cardNo,password`) is one key as a whole, like the server stores it. Repeats are judged on the trimmed
 * text, as the server's fingerprint is; the server's chunked preview cannot see repeats across chunks.
 */
export function analyseKeyText(text: string): KeyFileAnalysis {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  if (lines.at(-1) === '') lines.pop();
  const firstSeen = new Map<string, number>();
  const issues: LineIssue[] = [];
  let total = 0;
  lines.forEach((raw, i) => {
    const key = raw.trim();
    if (!key) return;
    total++;
    const line = i + 1;
    const problem = keyLineProblem(key);
    if (problem) return void issues.push({ line, kind: 'invalid', detail: problem });
    const first = firstSeen.get(key);
    if (first) issues.push({ line, kind: 'duplicate_in_file', detail: first });
    else firstSeen.set(key, line);
  });
  return { lines, total, issues };
}
