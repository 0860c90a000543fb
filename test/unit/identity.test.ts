import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizePhone } from '../../domain/identity.js';

describe('normalizeEmail', () => {
  it('folds Gmail variants (case, dots, plus-tags, googlemail.com) onto one identity', () => {
    const variants = ['A.Lice+x@GMail.com', 'alice@gmail.com', 'a.l.i.c.e@googlemail.com', 'ALICE+shop+2@GoogleMail.COM', '  alice@gmail.com '];
    for (const v of variants) expect(normalizeEmail(v)).toBe('alice@gmail.com');
  });

  it('strips plus-tags on other domains but keeps the dots', () => {
    expect(normalizeEmail('bob.smith+shop@example.com')).toBe('bob.smith@example.com');
    expect(normalizeEmail('bob+shop@example.com')).toBe('bob@example.com');
    expect(normalizeEmail('bob.smith@example.com')).not.toBe(normalizeEmail('bobsmith@example.com'));
  });

  it('folds case and trims whitespace on any domain', () => {
    expect(normalizeEmail('  Bob.Smith@Example.COM\n')).toBe('bob.smith@example.com');
  });

  it('does not treat dotted subdomains or lookalikes of gmail.com as Gmail', () => {
    expect(normalizeEmail('a.lice@mail.gmail.com')).toBe('a.lice@mail.gmail.com');
    expect(normalizeEmail('a.lice@gmail.co')).toBe('a.lice@gmail.co');
  });

  it('splits on the last @', () => {
    expect(normalizeEmail('"a@b"+x@Example.com')).toBe('"a@b"@example.com');
  });

  it('leaves something that is not an address merely trimmed and lower-cased', () => {
    expect(normalizeEmail(' NotAnEmail ')).toBe('notanemail');
    expect(normalizeEmail('@Example.com')).toBe('@example.com');
  });

  it('never folds distinct addresses onto an empty local part', () => {
    // A local part that starts with + is valid (and accepted at checkout); it has no tag to strip.
    expect(normalizeEmail('+alice@example.com')).toBe('+alice@example.com');
    expect(normalizeEmail('+alice@example.com')).not.toBe(normalizeEmail('+bob@example.com'));
    expect(normalizeEmail('+alice+x@example.com')).toBe('+alice@example.com');
  });

  it('is idempotent', () => {
    const local = fc.stringMatching(/^[A-Za-z0-9.+_-]{1,16}$/);
    const domain = fc.constantFrom('gmail.com', 'GoogleMail.com', 'example.com', 'Mail.Example.org');
    fc.assert(fc.property(local, domain, (l, d) => {
      const once = normalizeEmail(`${l}@${d}`);
      expect(normalizeEmail(once)).toBe(once);
      expect(once).toBe(once.toLowerCase());
      expect(once.endsWith(`@${d.toLowerCase() === 'googlemail.com' ? 'gmail.com' : d.toLowerCase()}`)).toBe(true);
    }));
  });
});

describe('normalizePhone', () => {
  it('keeps the leading + and the digits', () => {
    expect(normalizePhone('+86 138-0013-8000')).toBe('+8613800138000');
    expect(normalizePhone('  +86 (138) 0013 8000 ')).toBe('+8613800138000');
    expect(normalizePhone('+1 (555) 010-9999')).toBe('+15550109999');
  });

  it('keeps national numbers without a +', () => {
    expect(normalizePhone('138 0013 8000')).toBe('13800138000');
    expect(normalizePhone('138.0013.8000')).toBe('13800138000');
  });

  it('spellings of one number normalise to the same value, idempotently', () => {
    const spellings = ['+86 138-0013-8000', '+86-138-0013-8000', '+86 13800138000', '+8613800138000', ' +86.138.0013.8000 '];
    expect(new Set(spellings.map(normalizePhone))).toEqual(new Set(['+8613800138000']));
    expect(normalizePhone('+8613800138000')).toBe('+8613800138000');
  });
});
