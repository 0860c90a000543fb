/**
 * A buyer is more than a literal email. These normalisations make variants of one identity compare
 * equal, so purchase limits, velocity and blacklists count the person rather than the spelling.
 */

/** Providers known to ignore dots in the local part; their aliases fold onto one canonical domain. */
const DOTLESS_DOMAINS: Record<string, string> = { 'gmail.com': 'gmail.com', 'googlemail.com': 'gmail.com' };

/** `A.Lice+x@GMail.com` → `alice@gmail.com`; `bob+shop@example.com` → `bob@example.com`. */
export function normalizeEmail(email: string): string {
  const at = email.trim().toLowerCase().lastIndexOf('@');
  if (at < 1) return email.trim().toLowerCase();
  const raw = email.trim().toLowerCase();
  let local = raw.slice(0, at);
  let domain = raw.slice(at + 1);
  // A leading + is part of the name, not a tag: stripping it would fold `+a@x` and `+b@x` onto `@x`.
  const plus = local.indexOf('+', 1);
  if (plus > 0) local = local.slice(0, plus);
  const canonical = DOTLESS_DOMAINS[domain];
  if (canonical) {
    domain = canonical;
    local = local.replace(/\./g, '');
  }
  return `${local}@${domain}`;
}

/** Keeps digits and a leading +: `+86 138-0013-8000` → `+8613800138000`. */
export function normalizePhone(phone: string): string {
  const trimmed = phone.trim();
  return (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/\D/g, '');
}

export const IDENTITY_KINDS = ['email', 'phone', 'ip', 'device', 'payment_account'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];
export type Identities = Partial<Record<IdentityKind, string>>;
