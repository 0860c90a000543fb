import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { MIN_PASSWORD_SCORE, passwordVerdict } from '../../domain/password-strength.js';

describe('passwordVerdict', () => {
  it('refuses passwords that pass a length rule but fall to the first guesses, saying why and what would help', () => {
    const email = 'ops.lead@example.com';
    for (const weak of ['aaaaaaaaaa', ' '.repeat(10), 'password123', 'qwertyuiop', '1234567890', email, 'Ops.Lead@Example.com']) {
      const v = passwordVerdict(weak, [email, 'Ops Lead']);
      expect(v.score, JSON.stringify(weak)).toBeLessThan(MIN_PASSWORD_SCORE);
      expect(v.problem, JSON.stringify(weak)).toMatch(/^this password is too easy to guess \(strength [0-2] of 4, at least 3 needed\)\. \S/);
    }
    expect(passwordVerdict('aaaaaaaaaa').problem).toMatch(/Repeated characters/);
    expect(passwordVerdict('password123').problem).toMatch(/commonly used password/);
    expect(passwordVerdict(email, [email]).problem).toMatch(/personal/);
  });

  it('counts the account\'s own email and name as words an attacker tries first', () => {
    expect(passwordVerdict('liminghao2024', []).problem).toBeNull();
    expect(passwordVerdict('liminghao2024', ['liminghao@shop.example', 'Li Minghao']).problem).toMatch(/personal/);
    expect(passwordVerdict('opslead2024', ['ops.lead@example.com']).problem).toMatch(/personal/);
  });

  it('accepts a passphrase of unrelated words and a random string', () => {
    for (const strong of ['violet kettle orbit lantern', 'mellow-ferry-orbit', 'zQ8rT1vX0bN4']) {
      expect(passwordVerdict(strong, ['ops.lead@example.com']), strong).toEqual({ score: expect.any(Number), problem: null });
    }
  });

  it('estimates a very long password quickly (only its first 64 characters count)', () => {
    const started = performance.now();
    expect(passwordVerdict('4@1!3$0|7+'.repeat(25)).problem).toBeNull();
    expect(passwordVerdict('a'.repeat(256)).problem).not.toBeNull();
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('configuration', () => {
  const env = { NODE_ENV: 'test' };

  it('refuses to start with a weak KAMI_ADMIN_PASSWORD, naming the variable and the reason', () => {
    for (const weak of ['aaaaaaaaaa', ' '.repeat(10), 'password123', 'boss@shop.example']) {
      expect(() => loadConfig({ ...env, KAMI_ADMIN_EMAIL: 'boss@shop.example', KAMI_ADMIN_PASSWORD: weak }), JSON.stringify(weak))
        .toThrow(/KAMI_ADMIN_PASSWORD[\s\S]*too easy to guess|too easy to guess[\s\S]*KAMI_ADMIN_PASSWORD/);
    }
    expect(loadConfig({ ...env, KAMI_ADMIN_EMAIL: 'boss@shop.example', KAMI_ADMIN_PASSWORD: 'violet kettle orbit lantern' }).KAMI_ADMIN_PASSWORD)
      .toBe('violet kettle orbit lantern');
    expect(loadConfig(env).KAMI_ADMIN_PASSWORD).toBeUndefined();
  });

  it('reads KAMI_DEFAULT_PHONE_REGION (CN unless set) and refuses a region libphonenumber does not know', () => {
    expect(loadConfig(env).KAMI_DEFAULT_PHONE_REGION).toBe('CN');
    expect(loadConfig({ ...env, KAMI_DEFAULT_PHONE_REGION: 'us' }).KAMI_DEFAULT_PHONE_REGION).toBe('US');
    expect(() => loadConfig({ ...env, KAMI_DEFAULT_PHONE_REGION: 'XX' })).toThrow(/KAMI_DEFAULT_PHONE_REGION/);
    expect(() => loadConfig({ ...env, KAMI_DEFAULT_PHONE_REGION: 'China' })).toThrow(/KAMI_DEFAULT_PHONE_REGION/);
  });
});
