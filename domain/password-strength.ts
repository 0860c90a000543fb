import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';

/**
 * How hard a password is to guess, estimated by zxcvbn (common passwords, dictionary words, names,
 * keyboard walks, repeats, sequences, dates, l33t) rather than by counting character classes: a long
 * `aaaaaaaaaa` or ten spaces pass any length rule and fall to the first guesses of an attacker.
 * Pure computation over dictionaries shipped in the packages, shared by the server (the judge) and the
 * operator panel (which loads this module on demand: the dictionaries are about 1.6 MB).
 */

/** zxcvbn's scale: 0 too guessable … 4 very unguessable. 3 = "safely unguessable" (about 10^10 guesses). */
export const MIN_PASSWORD_SCORE = 3;
/**
 * Only this many leading characters are estimated. The cost grows steeply with length (a 256-character
 * l33t-heavy string takes seconds); a password whose first 64 characters are strong is strong.
 */
const ESTIMATED_LENGTH = 64;

let estimator: ZxcvbnFactory | undefined;
// built on first use: ranking the dictionaries takes a few hundred milliseconds
const zxcvbn = () => estimator ??= new ZxcvbnFactory({
  dictionary: { ...commonDictionary, ...englishDictionary },
  graphs: adjacencyGraphs,
  translations,
  maxLength: ESTIMATED_LENGTH,
});

/** The account's own words: the whole email, its pieces and the person's name, plus the shop's name. */
function personalWords(inputs: readonly (string | null | undefined)[]): string[] {
  const words = new Set<string>(['kami']);
  for (const input of inputs) {
    const value = input?.trim().toLowerCase();
    if (!value) continue;
    words.add(value);
    // `ops.lead@example.com` also gives `opslead`, `ops`, `lead`, `example`
    const local = value.split('@')[0]!;
    words.add(local.replace(/[.+_\-\s]/g, ''));
    for (const piece of value.split(/[@.+_\-\s]+/)) if (piece.length >= 3) words.add(piece);
  }
  return [...words];
}

export interface PasswordVerdict {
  score: 0 | 1 | 2 | 3 | 4;
  /** Why the password is refused and what would help, or null when it is strong enough. */
  problem: string | null;
}

/** Scores `password`, counting the operator's email and name (`personal`) as words an attacker tries first. */
export function passwordVerdict(password: string, personal: readonly (string | null | undefined)[] = []): PasswordVerdict {
  const { score, feedback } = zxcvbn().check(password, personalWords(personal));
  if (score >= MIN_PASSWORD_SCORE) return { score, problem: null };
  const advice = [feedback.warning, ...feedback.suggestions].filter((s): s is string => Boolean(s));
  if (!advice.length) advice.push('Add more words that are less common.');
  return { score, problem: `this password is too easy to guess (strength ${score} of 4, at least ${MIN_PASSWORD_SCORE} needed). ${advice.join(' ')}` };
}
