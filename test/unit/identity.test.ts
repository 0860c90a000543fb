import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { isPhoneRegion, normalizeEmail, normalizePhone, parsePhone } from '../../domain/identity.js';

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

  it('folds the alias domains of Apple, Proton and Yandex onto one canonical domain each', () => {
    for (const v of ['bob@icloud.com', 'Bob@Me.com', 'bob+shop@mac.com', 'BOB@ICLOUD.COM']) expect(normalizeEmail(v)).toBe('bob@icloud.com');
    for (const v of ['jane.doe@proton.me', 'janedoe@protonmail.com', 'Jane_Doe@ProtonMail.ch', 'jane-doe+x@pm.me']) expect(normalizeEmail(v)).toBe('janedoe@proton.me');
    for (const v of ['ivan.petrov@yandex.ru', 'ivan-petrov@ya.ru', 'Ivan.Petrov@Yandex.com', 'ivan.petrov+1@yandex.by', 'ivan-petrov@yandex.kz', 'ivan.petrov@yandex.ua']) {
      expect(normalizeEmail(v)).toBe('ivan-petrov@yandex.ru');
    }
  });

  it('folds only what each provider treats as one mailbox: two real people stay two buyers', () => {
    // iCloud keeps dots significant; Yandex's dot is its hyphen, not nothing
    expect(normalizeEmail('bob.smith@me.com')).not.toBe(normalizeEmail('bobsmith@icloud.com'));
    expect(normalizeEmail('ivan.petrov@yandex.ru')).not.toBe(normalizeEmail('ivanpetrov@yandex.ru'));
    // different providers, lookalikes, subdomains and domains Yandex does not list as aliases are not folded
    expect(normalizeEmail('bob@icloud.com')).not.toBe(normalizeEmail('bob@gmail.com'));
    expect(normalizeEmail('jane@protonmail.net')).toBe('jane@protonmail.net');
    expect(normalizeEmail('jane@mail.proton.me')).toBe('jane@mail.proton.me');
    expect(normalizeEmail('ivan@narod.ru')).toBe('ivan@narod.ru');
    expect(normalizeEmail('ivan@yandex.com.tr')).toBe('ivan@yandex.com.tr');
    expect(normalizeEmail('bob@hotmail.com')).not.toBe(normalizeEmail('bob@outlook.com'));
    // a local part made only of folded characters does not collapse onto an empty one
    expect(normalizeEmail('._@proton.me')).toBe('._@proton.me');
    expect(normalizeEmail('..@gmail.com')).toBe('..@gmail.com');
  });

  it('is idempotent', () => {
    const local = fc.stringMatching(/^[A-Za-z0-9.+_-]{1,16}$/);
    const domain = fc.constantFrom('gmail.com', 'GoogleMail.com', 'example.com', 'Mail.Example.org', 'me.com', 'pm.me', 'ya.ru');
    const canonical: Record<string, string> = { 'googlemail.com': 'gmail.com', 'me.com': 'icloud.com', 'pm.me': 'proton.me', 'ya.ru': 'yandex.ru' };
    fc.assert(fc.property(local, domain, (l, d) => {
      const once = normalizeEmail(`${l}@${d}`);
      expect(normalizeEmail(once)).toBe(once);
      expect(once).toBe(once.toLowerCase());
      expect(once.endsWith(`@${canonical[d.toLowerCase()] ?? d.toLowerCase()}`)).toBe(true);
    }));
  });
});

describe('normalizePhone', () => {
  it('parses every spelling of one number to E.164', () => {
    const spellings = ['+86 138 0013 8000', '+86-138-0013-8000', '+86 (138) 0013 8000', '008613800138000', '0086 138 0013 8000', '13800138000', '138.0013.8000', ' +8613800138000 '];
    for (const s of spellings) expect(normalizePhone(s, 'CN'), s).toBe('+8613800138000');
    expect(normalizePhone('+8613800138000')).toBe('+8613800138000');
  });

  it('reads a number without a country code in the default region (CN unless configured)', () => {
    expect(normalizePhone('13800138000')).toBe('+8613800138000');
    expect(normalizePhone('010 1234 5678')).toBe('+861012345678');
    expect(normalizePhone('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(normalizePhone('415.555.2671', 'US')).toBe('+14155552671');
    // a country code wins over the default region; 00 works as the international prefix anywhere
    expect(normalizePhone('+86 138 0013 8000', 'US')).toBe('+8613800138000');
    expect(normalizePhone('0044 20 7946 0958', 'US')).toBe('+442079460958');
    expect(normalizePhone('011 86 138 0013 8000', 'US')).toBe('+8613800138000');
  });

  it('is idempotent', () => {
    for (const s of ['+86 138 0013 8000', '(415) 555-2671']) {
      const once = normalizePhone(s, 'US');
      expect(normalizePhone(once, 'CN')).toBe(once);
    }
  });

  it('refuses what is not a valid number with a ZodError on phone (a 400 at checkout)', () => {
    for (const bad of ['12345', '+1 (555) 010-9999', '+86 100 0000 0000', '138 0013 8000 0000', '0000000000', '+999 1234 5678']) {
      expect(parsePhone(bad, 'CN'), bad).toBeNull();
      const err = (() => { try { normalizePhone(bad, 'CN'); } catch (e) { return e; } })();
      expect(err, bad).toBeInstanceOf(ZodError);
      expect((err as ZodError).issues[0]).toMatchObject({ path: ['phone'], message: expect.stringMatching(/not a valid phone number.*country code.*CN/) });
    }
    // a national number is only as valid as the region it is read in
    expect(parsePhone('13800138000', 'US')).toBeNull();
  });

  it('knows the regions libphonenumber has plans for', () => {
    expect(isPhoneRegion('CN')).toBe(true);
    expect(isPhoneRegion('US')).toBe(true);
    expect(isPhoneRegion('XX')).toBe(false);
    expect(isPhoneRegion('cn')).toBe(false);
  });
});
