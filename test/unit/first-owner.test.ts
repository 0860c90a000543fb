import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_OWNER_PASSWORD_FILE, firstOwnerNotice } from '../../infra/operators.js';

const generated = { email: 'admin@kami.local', created: true, generatedPassword: 'Gen3rated-Secret-xyz' };
const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kami-owner-'));
  dirs.push(dir);
  return join(dir, 'data');
};
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('firstOwnerNotice', () => {
  it('on a terminal shows the generated password once and writes no file', () => {
    const dir = dataDir();
    const notice = firstOwnerNotice(generated, { tty: true, dataDir: dir })!;
    expect(notice).toContain('admin@kami.local');
    expect(notice).toContain(generated.generatedPassword);
    expect(existsSync(join(dir, FIRST_OWNER_PASSWORD_FILE))).toBe(false);
  });

  it('when stdout is not a terminal never prints the password: it goes to a 0600 file in the data folder, and the notice says where', () => {
    const dir = dataDir();
    const notice = firstOwnerNotice(generated, { tty: false, dataDir: dir })!;
    const file = join(dir, FIRST_OWNER_PASSWORD_FILE);
    expect(notice).not.toContain(generated.generatedPassword);
    expect(notice).toContain(file);
    expect(notice).toContain('admin@kami.local');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(generated.generatedPassword);
    expect(text).toContain('admin@kami.local');
  });

  it('replaces a file left by an earlier start instead of writing into it with its old mode', () => {
    const dir = dataDir();
    firstOwnerNotice(generated, { tty: false, dataDir: dir });
    const file = join(dir, FIRST_OWNER_PASSWORD_FILE);
    rmSync(file);
    writeFileSync(file, 'old', { mode: 0o644 });
    firstOwnerNotice({ ...generated, generatedPassword: 'Another-Generated-1' }, { tty: false, dataDir: dir });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('Another-Generated-1');
    expect(readFileSync(file, 'utf8')).not.toContain('old');
  });

  it('says nothing secret when the owner existed or its password came from KAMI_ADMIN_PASSWORD', () => {
    const dir = dataDir();
    expect(firstOwnerNotice({ email: 'a@b.c', created: false }, { tty: false, dataDir: dir })).toBeNull();
    expect(firstOwnerNotice({ email: 'a@b.c', created: true }, { tty: false, dataDir: dir })).toMatch(/KAMI_ADMIN_PASSWORD/);
    expect(existsSync(join(dir, FIRST_OWNER_PASSWORD_FILE))).toBe(false);
  });

  it('refuses loudly, without printing the password, when the file cannot be written', () => {
    const dir = dataDir();
    writeFileSync(join(dir, '..', 'blocker'), '');
    const err = (() => { try { firstOwnerNotice(generated, { tty: false, dataDir: join(dir, '..', 'blocker', 'data') }); } catch (e) { return e as Error; } })();
    expect(err?.message).toMatch(/could not write its generated password/);
    expect(err?.message).not.toContain(generated.generatedPassword);
  });
});
