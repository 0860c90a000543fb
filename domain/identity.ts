import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';

/**
 * A buyer is more than a literal email. These normalisations make variants of one identity compare
 * equal, so purchase limits, velocity and blacklists count the person rather than the spelling.
 * They fold only what the provider itself treats as one mailbox: folding two real people into one
 * would refuse an honest buyer as if they had hit someone else's limit.
 */

interface MailProvider {
  /** Every domain of one mailbox namespace: a name taken on one is the same person on all of them. */
  domains: readonly string[];
  /** How the provider compares local parts (after lower-casing and dropping a +tag). */
  local?: (local: string) => string;
}

const MAIL_PROVIDERS: readonly MailProvider[] = [
  // Gmail ignores dots: a.lice@ and alice@ are one mailbox; googlemail.com is the same service.
  { domains: ['gmail.com', 'googlemail.com'], local: (l) => l.replace(/\./g, '') },
  // iCloud: accounts from before 2012 receive at @me.com (and @mac.com before 2008) as well as @icloud.com,
  // one name across the three; dots are significant there.
  { domains: ['icloud.com', 'me.com', 'mac.com'] },
  // Proton: a username is one address at each of its domains, and Proton treats ".", "_" and "-" in it
  // as transparent (user.name = user_name = username), so no one else can take such a variant.
  { domains: ['proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me'], local: (l) => l.replace(/[._-]/g, '') },
  // Yandex: every mailbox has aliases at these six domains, and a login's dot and hyphen are the same
  // character. Not folded: narod.ru and yandex.com.tr, which Yandex does not list among the aliases.
  { domains: ['yandex.ru', 'yandex.com', 'yandex.by', 'yandex.kz', 'yandex.ua', 'ya.ru'], local: (l) => l.replace(/\./g, '-') },
];
const PROVIDER_OF = new Map(MAIL_PROVIDERS.flatMap((p) => p.domains.map((d) => [d, p] as const)));

/**
 * `A.Lice+x@GMail.com` → `alice@gmail.com`; `bob+shop@me.com` → `bob@icloud.com`;
 * `jane.doe@protonmail.ch` → `janedoe@proton.me`; `ivan.petrov@ya.ru` → `ivan-petrov@yandex.ru`;
 * `bob.smith+shop@example.com` → `bob.smith@example.com` (other domains keep their dots).
 */
export function normalizeEmail(email: string): string {
  const raw = email.trim().toLowerCase();
  const at = raw.lastIndexOf('@');
  if (at < 1) return raw;
  let local = raw.slice(0, at);
  let domain = raw.slice(at + 1);
  // A leading + is part of the name, not a tag: stripping it would fold `+a@x` and `+b@x` onto `@x`.
  const plus = local.indexOf('+', 1);
  if (plus > 0) local = local.slice(0, plus);
  const provider = PROVIDER_OF.get(domain);
  if (provider) {
    domain = provider.domains[0]!;
    // a local part made only of folded characters stays as it is rather than becoming empty
    local = provider.local?.(local) || local;
  }
  return `${local}@${domain}`;
}

/** An ISO 3166-1 region code libphonenumber has numbering plans for (`CN`, `US`, `GB`…). */
export type PhoneRegion = CountryCode;
/** Where a number written without a country code is read when nothing else is configured: a card shop's usual market. */
export const DEFAULT_PHONE_REGION: PhoneRegion = 'CN';
export const isPhoneRegion = (code: string): code is PhoneRegion => isSupportedCountry(code);

/**
 * The E.164 form (`+8613800138000`) of a phone number, or null when it is not a valid number.
 * `+86 138 0013 8000`, `008613800138000` and, in region CN, `13800138000` are one number;
 * `(415) 555-2671` in region US is `+14155552671`. Uses libphonenumber's full ("max") metadata, so
 * "valid" means the digits match a range the region actually allocates, not merely a plausible length.
 */
export function parsePhone(phone: string, defaultRegion: PhoneRegion = DEFAULT_PHONE_REGION): string | null {
  const text = phone.trim();
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: defaultRegion, extract: false });
  if (parsed?.isValid()) return parsed.number;
  // 00 is the international call prefix of most of the world (China, Europe): `0044…` is +44 even where
  // the default region dials out otherwise (011 in the US, which the parse above understands itself)
  const digits = text.replace(/[\s().-]/g, '');
  if (/^00[1-9]\d+$/.test(digits)) {
    const international = parsePhoneNumberFromString(`+${digits.slice(2)}`, { extract: false });
    if (international?.isValid()) return international.number;
  }
  return null;
}

/**
 * The phone identity of a buyer: its E.164 form. A number that does not parse is refused as invalid
 * input (a ZodError on `phone`, which the API answers with 400), never stored half-normalised.
 */
export function normalizePhone(phone: string, defaultRegion: PhoneRegion = DEFAULT_PHONE_REGION): string {
  const e164 = parsePhone(phone, defaultRegion);
  if (e164) return e164;
  throw new z.ZodError([{
    code: 'custom', path: ['phone'], input: phone,
    message: `not a valid phone number: write it with its country code, such as +86 138 0013 8000 (a number without one is read as a ${defaultRegion} number)`,
  }]);
}

export const IDENTITY_KINDS = ['email', 'phone', 'ip', 'device', 'payment_account'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];
export type Identities = Partial<Record<IdentityKind, string>>;
