import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ChaosResult } from '../../scripts/chaos/checks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run chaos -- --quick` as a child process, exactly as a person runs it: ~120 orders while the
 * worker is SIGKILLed once, Temporal and the API are killed and restarted, SMTP is down ~10 s and
 * PostgreSQL is cut ~5 s. Asserts the invariants, never the timings (the figures are printed).
 */
describe('npm run chaos -- --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kami-chaos-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no order, sells no key twice, answers no 500 and expires every unpaid order', async () => {
    const json = join(dir, 'chaos.json');
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos/index.ts', '--quick', '--json', json], {
      cwd: ROOT, env: { ...process.env, TEMPORAL_CLI_PATH: inject('temporalCli') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (b: Buffer) => { output += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { output += b.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    console.log(output);

    expect(code, output.slice(-3000)).toBe(0);
    const r = JSON.parse(readFileSync(json, 'utf8')) as ChaosResult;
    expect(r.orders.paid).toBeGreaterThan(50);
    expect(r.orders.lost).toBe(0);
    expect(r.keys.soldTwice).toBe(0);
    expect(r.http.other5xx).toBe(0);
    expect(r.orders.unpaid.notExpired).toBe(0);
    expect(r.orders.unpaid.expired).toBeGreaterThan(0);
    expect(r.invariants.filter((i) => !i.ok)).toEqual([]);
    // every fault of the compressed schedule happened
    expect(new Set(r.faults.map((f) => f.kind))).toEqual(new Set(['worker', 'temporal', 'api', 'smtp', 'pg']));
    expect(r.faults.filter((f) => f.error)).toEqual([]);
  }, 360_000);
});
