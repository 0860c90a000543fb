import { z } from 'zod';

/**
 * A product's SMS to its buyer: the placeholders a template may use, what a template may not do, and
 * how a message is filled in. The one rule for the panel's form, the API's check and the delivery
 * activity, so what the panel accepts is what is sent, and nothing else is.
 */

export const SMS_PROVIDERS = ['aliyun', 'twilio'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];

/**
 * What Kami fills in: the order number, the product's name, the keys (one a line), and the order
 * page's link, which opens the keys with the buyer's token.
 */
export const SMS_PLACEHOLDERS = ['order', 'product', 'keys', 'link'] as const;
export type SmsPlaceholder = (typeof SMS_PLACEHOLDERS)[number];

/** Twilio sends at most 1600 characters in one message (its error 21617); the typed template is held to it too. */
export const SMS_TEXT_MAX = 1600;
/** An Aliyun parameter's value as typed, before it is filled in (Aliyun limits the filled value per variable type). */
export const SMS_PARAM_VALUE_MAX = 200;
export const SMS_PARAMS_MAX = 10;

/** One variable of an Aliyun template (`${code}` in the template Aliyun approved) and what Kami puts in it. */
export interface SmsParam { name: string; value: string }

/** A product's SMS settings, as stored (prisma `product.sms*`). */
export interface SmsSettings {
  smsEnabled: boolean;
  /** Keys may travel in the SMS; off, only the order page's link may. */
  smsKeysAllowed: boolean;
  /** Twilio: the message, with placeholders. */
  smsText: string | null;
  /** Aliyun: the approved template's code and its variables. */
  smsTemplateCode: string | null;
  smsTemplateParams: SmsParam[] | null;
}

const emptyToNull = (v: unknown) => (typeof v === 'string' && !v.trim() ? null : v);

/** The SMS fields of a product form (domain/admin-schemas.ts ProductInput); whether they fit together is smsSettingsProblems'. */
export const SmsSettingsInput = {
  smsEnabled: z.boolean().optional(),
  smsKeysAllowed: z.boolean().optional(),
  smsText: z.preprocess(emptyToNull, z.string().trim().max(SMS_TEXT_MAX, `at most ${SMS_TEXT_MAX} characters (Twilio's limit for one message)`).nullable()).optional(),
  smsTemplateCode: z.preprocess(emptyToNull, z.string().trim().regex(/^SMS_\d{1,20}$/, 'an Aliyun template code such as SMS_154950909').nullable()).optional(),
  smsTemplateParams: z.array(z.object({
    name: z.string().trim().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'the variable\'s name as in the template, e.g. code for ${code}'),
    value: z.string().trim().min(1, 'what Kami puts in it, e.g. {order}').max(SMS_PARAM_VALUE_MAX),
  })).max(SMS_PARAMS_MAX, `at most ${SMS_PARAMS_MAX} variables`).nullable().optional(),
};

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The placeholder names a template text uses, in order, unknown ones included. */
export const placeholdersIn = (text: string): string[] => [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);

const isPlaceholder = (name: string): name is SmsPlaceholder => (SMS_PLACEHOLDERS as readonly string[]).includes(name);
const LIST = SMS_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');

/** Why one template text is refused: an unknown placeholder, or keys the product does not allow in an SMS. */
function textProblem(text: string, keysAllowed: boolean): string | null {
  const names = placeholdersIn(text);
  const unknown = names.find((n) => !isPlaceholder(n));
  if (unknown !== undefined) return `unknown placeholder {${unknown}}; use ${LIST}`;
  if (!keysAllowed && names.includes('keys')) return 'this puts the keys in the SMS, which this product does not allow: use {link} (the order page), or allow keys in SMS';
  return null;
}

const carriesDelivery = (texts: string[]) => texts.some((t) => placeholdersIn(t).some((n) => n === 'keys' || n === 'link'));

/**
 * Why these SMS settings cannot be saved (or sent) with `provider` (null: none is configured), field
 * by field; empty when they can. Every template the product holds is checked, whichever provider is
 * on, so a provider switched later cannot send keys a product does not allow.
 */
export function smsSettingsProblems(s: SmsSettings, provider: SmsProviderName | null): Record<string, string> {
  const problems: Record<string, string> = {};
  const textIssue = s.smsText === null ? null : textProblem(s.smsText, s.smsKeysAllowed);
  if (textIssue) problems.smsText = textIssue;
  const params = s.smsTemplateParams ?? [];
  params.forEach((p, i) => {
    const issue = textProblem(p.value, s.smsKeysAllowed);
    if (issue) problems[`smsTemplateParams.${i}.value`] = issue;
    if (params.findIndex((q) => q.name === p.name) !== i) problems[`smsTemplateParams.${i}.name`] = `\${${p.name}} is mapped twice`;
  });
  if (!s.smsEnabled) return problems;
  if (provider === null) {
    problems.smsEnabled = 'no SMS provider is configured (KAMI_SMS_PROVIDER): SMS delivery cannot be turned on';
  } else if (provider === 'twilio') {
    if (!s.smsText) problems.smsText ??= 'write the message Twilio sends (with {link} or {keys})';
    else if (!carriesDelivery([s.smsText])) problems.smsText ??= 'the message must carry {link} (the order page) or {keys}';
  } else {
    if (!s.smsTemplateCode) problems.smsTemplateCode = 'enter the code of the template Aliyun approved (SMS_…)';
    if (!params.length) problems.smsTemplateParams = 'map the template\'s variables (one of them to {link} or {keys})';
    else if (!carriesDelivery(params.map((p) => p.value))) problems.smsTemplateParams = 'one variable must carry {link} (the order page) or {keys}';
  }
  return problems;
}

/** What the message is filled in with. Keys and the link are secrets: they never reach an error's message. */
export interface SmsValues { order: string; product: string; keys: string[]; link: string }

/** What a provider is asked to send: Twilio a text, Aliyun an approved template and its variables. */
export type SmsMessage = { text: string } | { templateCode: string; params: Record<string, string> };

/** The product's SMS settings cannot be sent as they are (the merchant has to change them). */
export class SmsTemplateError extends Error {}

const fill = (template: string, v: SmsValues) =>
  template.replace(PLACEHOLDER, (_, name: SmsPlaceholder) => (name === 'keys' ? v.keys.join('\n') : v[name]));

/**
 * The message for `provider`, filled in (placeholders are replaced once: a value that looks like a
 * placeholder stays as it is). Settings smsSettingsProblems refuses are never sent.
 */
export function renderSms(s: SmsSettings, provider: SmsProviderName, values: SmsValues): SmsMessage {
  const problems = Object.entries(smsSettingsProblems({ ...s, smsEnabled: true }, provider));
  if (problems.length) throw new SmsTemplateError(`the product's SMS settings cannot be sent: ${problems.map(([f, m]) => `${f}: ${m}`).join('; ')}`);
  if (provider === 'aliyun') {
    return { templateCode: s.smsTemplateCode!, params: Object.fromEntries(s.smsTemplateParams!.map((p) => [p.name, fill(p.value, values)])) };
  }
  const text = fill(s.smsText!, values);
  if (text.length > SMS_TEXT_MAX) {
    throw new SmsTemplateError(`the filled-in message is ${text.length} characters; Twilio sends at most ${SMS_TEXT_MAX}: send {link} instead of {keys}`);
  }
  return { text };
}

/** Whether a message carries the keys themselves (recorded with what was sent, without them). */
export const smsCarriesKeys = (s: SmsSettings, provider: SmsProviderName) =>
  (provider === 'aliyun' ? (s.smsTemplateParams ?? []).map((p) => p.value) : [s.smsText ?? '']).some((t) => placeholdersIn(t).includes('keys'));
