import { describe, expect, it } from 'vitest';
import englishMessages from 'ra-language-english';
import { en } from '../../admin/src/i18n/en.js';
import { zh } from '../../admin/src/i18n/zh.js';
import { analyseKeyText } from '../../admin/src/keys/import/analyse.js';
import { formatDuration } from '../../admin/src/common/format.js';

/** Every message of a messages object with its path (keys may contain dots, e.g. 'stock.available'). */
const leaves = (o: object, path: string[] = []): [string[], string][] => Object.entries(o).flatMap(([k, v]) =>
  typeof v === 'object' && v !== null ? leaves(v as object, [...path, k]) : [[[...path, k], v as string] as [string[], string]]);
const keys = (o: object) => leaves(o).map(([path]) => path.join(' › '));

describe('panel translations', () => {
  it('zh-CN has exactly the keys of English, react-admin\'s own ra.* included', () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort());
    expect(keys(zh).filter((k) => k.startsWith('ra › ')).sort()).toEqual(keys(englishMessages).sort());
  });

  it('keeps the placeholders of each English message in its translation', () => {
    const placeholders = (s: string) => [...new Set(s.match(/%\{\w+\}/g) ?? [])].filter((p) => p !== '%{smart_count}').sort();
    const chinese = new Map(leaves(zh).map(([path, text]) => [path.join(' › '), text]));
    for (const [path, english] of leaves(en)) {
      const key = path.join(' › ');
      expect(placeholders(chinese.get(key) ?? ''), key).toEqual(placeholders(english));
    }
  });
});

describe('key file analysis', () => {
  it('numbers lines as the file does, blank lines, CRLF and a BOM included', () => {
    const a = analyseKeyText('\uFEFFAAA\r\n\r\n  BBB  \r\nAAA\r\nCCC\n');
    expect(a.lines).toEqual(['AAA', '', '  BBB  ', 'AAA', 'CCC']);
    expect(a.total).toBe(4);
    expect(a.issues).toEqual([{ line: 4, kind: 'duplicate_in_file', detail: 1 }]);
  });

  it('flags lines the server would refuse, with its reason', () => {
    const a = analyseKeyText(`ok-1\n${'x'.repeat(501)}\nbad\u0007bell\ncard,pass\tword`);
    expect(a.issues.map((i) => [i.line, i.kind])).toEqual([[2, 'invalid'], [3, 'invalid']]);
    expect(a.total).toBe(4);
  });

  it('handles 100,000 lines in well under a second', () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `K-${i % 99_999}`).join('\n');
    const started = performance.now();
    const a = analyseKeyText(text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(a.issues).toEqual([{ line: 100_000, kind: 'duplicate_in_file', detail: 1 }]);
  });
});

describe('wait durations', () => {
  it('shows the two largest units, in the operator\'s language', () => {
    expect(formatDuration(3 * 3600 + 12 * 60 + 5, 'en')).toBe('3h 12m');
    expect(formatDuration(45, 'en')).toBe('45s');
    expect(formatDuration(2 * 86_400 + 3600, 'zh-CN')).toBe('2天 1小时');
  });
});
