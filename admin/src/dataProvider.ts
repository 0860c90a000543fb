import simpleRestProvider from 'ra-data-simple-rest';
import { HttpError, type DataProvider, type Identifier, type UpdateParams } from 'react-admin';
import type { HttpClient } from './http.js';
import type { ShopSettingsRecord } from './shop/types.js';
import type {
  BulkDecisionResult, ChannelLedgerRecord, ChannelPriceRow, ChannelRecord, ConfirmPaymentResult, Decision, ImportPreview, ImportResult,
  IssuedChannelKey, IssuedProductEndpoint, OrderRecord, PaymentProviderForm, RefundRecord, SmsConfig, Stats, TelegramLinkCode, TelegramLinkState,
} from './types.js';

export const API_URL = '/admin/api';

/** react-admin's CRUD over the simple-rest contract, plus Kami's commands (decisions are commands, not edits). */
export interface KamiDataProvider extends DataProvider {
  approveOrder(id: Identifier, body?: { note?: string; quantity?: number; reviewSeq?: number }): Promise<OrderRecord>;
  rejectOrder(id: Identifier, body?: { note?: string; reviewSeq?: number }): Promise<OrderRecord>;
  bulkDecide(body: { ids: Identifier[]; decision: Decision; note?: string }): Promise<BulkDecisionResult[]>;
  resendDelivery(id: Identifier): Promise<{ id: string; status: string; channel: string }>;
  cancelOrder(id: Identifier): Promise<OrderRecord>;
  /** Texts the buyer again on a new channel (`sms-resend-n`); 409 sms_not_resendable for an order that had no SMS. */
  resendSms(id: Identifier): Promise<{ id: string; status: string; channel: string }>;
  /** The configured SMS provider (null: none, SMS cannot be turned on) and its limits; never a credential. */
  getSmsConfig(): Promise<SmsConfig>;
  markDelivered(id: Identifier, body: { goods: string[] }): Promise<{ id: string; status: string }>;
  previewKeyImport(body: { productId: string; lines: string[]; firstLine?: number }): Promise<ImportPreview>;
  importKeys(body: { productId: string; label: string; lines: string[]; batchId?: number }): Promise<ImportResult>;
  voidKeys(body: { ids: Identifier[]; reason: string }): Promise<{ voided?: number }>;
  revealKeys(ids: Identifier[]): Promise<{ id: number; secret: string }[]>;
  exportKeys(params: { productId: string; batchId?: number }): Promise<string>;
  getStats(): Promise<Stats>;
  /**
   * Asks the order's gateways whether it is paid; with a `reference`, records it paid on the operator's
   * word when no gateway says so. 409 `payment_not_found` (details.asked: what each gateway said) when
   * no gateway reports it paid and no reference was given.
   */
  confirmPayment(id: Identifier, body?: { reference?: string; note?: string }): Promise<ConfirmPaymentResult>;
  /** Closes a refund a person paid back, with the reference of that payment. */
  closeRefund(id: Identifier, reference: string): Promise<RefundRecord>;
  /** Sends a webhook endpoint a test event (delivered like any other, shown in its deliveries). */
  sendTestEvent(endpointId: Identifier): Promise<{ deliveryId: number }>;
  /** Sends a finished webhook delivery again, with the same event id. */
  redeliverWebhook(deliveryId: Identifier): Promise<{ id: number; status: string }>;
  /** The signed-in operator's own Telegram link, a new one-time link code, and unlinking. */
  getTelegramLink(): Promise<TelegramLinkState>;
  /** A new key for the channel (its secret shown this once); its other keys end after `overlap`. */
  rotateChannelKey(id: Identifier, overlap: string): Promise<IssuedChannelKey>;
  /** Sets a manual product's fulfilment endpoint with a new signing secret (shown this once). */
  setProductEndpoint(id: Identifier, kind: 'fulfilment' | 'licence', url: string): Promise<IssuedProductEndpoint>;
  removeProductEndpoint(id: Identifier, kind: 'fulfilment' | 'licence'): Promise<unknown>;
  revokeChannelKey(id: Identifier, keyId: string): Promise<ChannelRecord>;
  /** A deposit, or an adjustment either way; 409 insufficient_balance below zero. */
  postLedgerEntry(id: Identifier, body: { amountCents: number; currency: string; kind?: 'deposit' | 'adjustment'; note?: string }): Promise<ChannelLedgerRecord>;
  getChannelPrices(id: Identifier): Promise<ChannelPriceRow[]>;
  setChannelPrices(id: Identifier, productId: string, tiers: { minQuantity: number; unitPriceMinor: number }[]): Promise<unknown>;
  createTelegramLinkCode(): Promise<TelegramLinkCode>;
  unlinkTelegram(): Promise<void>;
  /** The storefront's logo, sent as the file's own bytes (the server reads its type from them). */
  uploadShopLogo(file: File): Promise<ShopSettingsRecord>;
  removeShopLogo(): Promise<ShopSettingsRecord>;
}

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && !v.trim());

/**
 * What the server takes for a gateway (`PUT /payment-providers/:id`): its name, switch and settings,
 * and only the secrets typed now (an omitted secret keeps its stored value). Empty settings are left
 * out, so a gateway's own default or "optional" applies rather than an empty text.
 */
export function providerUpdateBody(data: Partial<PaymentProviderForm>, secretFields: readonly string[]) {
  const settings = Object.fromEntries(Object.entries(data.settings ?? {})
    .filter(([k, v]) => !secretFields.includes(k) && !isEmpty(v))
    .map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v]));
  // a secret is taken exactly as typed or pasted (a PEM key's line breaks included), only trimmed at its ends
  const secrets = Object.fromEntries(Object.entries(data.newSecrets ?? {})
    .filter(([k, v]) => secretFields.includes(k) && !isEmpty(v))
    .map(([k, v]) => [k, String(v).trim()]));
  return { enabled: Boolean(data.enabled), displayName: (data.displayName ?? '').trim(), settings, secrets };
}

/**
 * The server names a setting's problem by the field (`pid`, `key`); the form holds settings under
 * `settings.` and secrets typed under `newSecrets.`, so the errors are nested to match, and a problem
 * of the settings as a whole (`(root)`) goes to the form's root.
 */
export function providerFieldErrors(errors: Record<string, string>, secretFields: readonly string[]) {
  const nested: { settings: Record<string, string>; newSecrets: Record<string, string>; root?: { server: string }; [k: string]: unknown } = { settings: {}, newSecrets: {} };
  const root: string[] = [];
  for (const [path, message] of Object.entries(errors)) {
    const name = path.split('.')[0]!;
    if (name === '(root)' || name === '' || name === 'settings' || name === 'secrets') root.push(message);
    else if (name === 'displayName' || name === 'enabled') nested[name] = message;
    else if (secretFields.includes(name)) nested.newSecrets[name] = message;
    else nested.settings[name] = message;
  }
  if (root.length) nested.root = { server: root.join('; ') };
  return nested;
}

/** A field left empty that the gateway needs: said in the operator's language rather than as a schema's "expected string". */
export const REQUIRED_TO_ENABLE = 'kami.gateways.required_error';

async function updatePaymentProvider(http: HttpClient, apiUrl: string, params: UpdateParams<PaymentProviderForm>) {
  const secretFields = params.previousData?.secretFields ?? params.data.secretFields ?? [];
  const body = providerUpdateBody(params.data, secretFields);
  try {
    const { json } = await http(`${apiUrl}/payment-providers/${encodeURIComponent(params.id)}`, { method: 'PUT', body: JSON.stringify(body) });
    return { data: json };
  } catch (err) {
    const e = err as HttpError;
    if (!(e instanceof HttpError) || !e.body?.errors) throw err;
    const stored = params.previousData?.secrets ?? {};
    const missing = (name: string) => !(name in body.settings) && !(name in body.secrets) && !(name in stored);
    const errors = Object.fromEntries(Object.entries(e.body.errors as Record<string, string>)
      .map(([path, message]) => [path, missing(path) ? REQUIRED_TO_ENABLE : message]));
    throw new HttpError(e.message, e.status, { ...e.body, errors: providerFieldErrors(errors, secretFields) });
  }
}

/** A channel takes its name, switch and settings (the retail channel only its name); keys, money and prices have commands of their own. */
async function updateChannel(http: HttpClient, apiUrl: string, params: UpdateParams<ChannelRecord>) {
  const { name, disabled, settings } = params.data;
  const body = params.id === 'retail' ? { name } : { name, disabled, settings };
  const { json } = await http(`${apiUrl}/channels/${encodeURIComponent(params.id)}`, { method: 'PUT', body: JSON.stringify(body) });
  return { data: json };
}

export function createDataProvider(http: HttpClient, apiUrl = API_URL): KamiDataProvider {
  const post = async <T>(path: string, body: unknown = {}): Promise<T> =>
    (await http(`${apiUrl}/${path}`, { method: 'POST', body: JSON.stringify(body) })).json as T;
  const order = (id: Identifier, command: string, body?: unknown) =>
    post<OrderRecord>(`orders/${encodeURIComponent(id)}/${command}`, body);

  const rest = simpleRestProvider(apiUrl, http);
  return {
    ...rest,
    update: ((resource: string, params: UpdateParams) => (resource === 'payment-providers'
      ? updatePaymentProvider(http, apiUrl, params as UpdateParams<PaymentProviderForm>)
      : resource === 'channels' ? updateChannel(http, apiUrl, params as UpdateParams<ChannelRecord>)
        : rest.update(resource, params))) as DataProvider['update'],
    setProductEndpoint: async (id, kind, url) =>
      (await http(`${apiUrl}/products/${encodeURIComponent(id)}/endpoints/${kind}`, { method: 'PUT', body: JSON.stringify({ url }) })).json as IssuedProductEndpoint,
    removeProductEndpoint: async (id, kind) =>
      (await http(`${apiUrl}/products/${encodeURIComponent(id)}/endpoints/${kind}`, { method: 'DELETE' })).json,
    rotateChannelKey: (id, overlap) => post(`channels/${encodeURIComponent(id)}/credentials`, { overlap }),
    revokeChannelKey: (id, keyId) => post(`channels/${encodeURIComponent(id)}/credentials/${encodeURIComponent(keyId)}/revoke`),
    postLedgerEntry: (id, body) => post(`channels/${encodeURIComponent(id)}/ledger`, body),
    getChannelPrices: async (id) => (await http(`${apiUrl}/channels/${encodeURIComponent(id)}/prices`)).json as ChannelPriceRow[],
    setChannelPrices: async (id, productId, tiers) =>
      (await http(`${apiUrl}/channels/${encodeURIComponent(id)}/prices/${encodeURIComponent(productId)}`, { method: 'PUT', body: JSON.stringify({ tiers }) })).json,
    approveOrder: (id, body = {}) => order(id, 'approve', body),
    rejectOrder: (id, body = {}) => order(id, 'reject', body),
    bulkDecide: async (body) => (await post<{ results: BulkDecisionResult[] }>('orders/bulk-decide', body)).results,
    resendDelivery: (id) => post(`orders/${encodeURIComponent(id)}/resend`),
    cancelOrder: (id) => order(id, 'cancel'),
    resendSms: (id) => post(`orders/${encodeURIComponent(id)}/resend-sms`),
    getSmsConfig: async () => (await http(`${apiUrl}/sms`)).json as SmsConfig,
    markDelivered: (id, body) => post(`orders/${encodeURIComponent(id)}/mark-delivered`, body),
    previewKeyImport: (body) => post('keys/import/preview', body),
    importKeys: (body) => post('keys/import', body),
    voidKeys: (body) => post('keys/void', body),
    revealKeys: (ids) => post('keys/reveal', { ids }),
    exportKeys: async ({ productId, batchId }) => {
      const query = new URLSearchParams({ productId, ...(batchId === undefined ? {} : { batchId: String(batchId) }) });
      return (await http(`${apiUrl}/keys/export?${query}`, { headers: { Accept: 'text/plain' } })).body;
    },
    // "today" is the operator's calendar day, so the server needs the browser's time zone
    getStats: async () => {
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return (await http(`${apiUrl}/stats?${new URLSearchParams({ tz })}`)).json as Stats;
    },
    confirmPayment: (id, body = {}) => post(`orders/${encodeURIComponent(id)}/confirm-payment`, body),
    closeRefund: (id, reference) => post(`refunds/${encodeURIComponent(id)}/close`, { reference }),
    sendTestEvent: (endpointId) => post(`webhook-endpoints/${encodeURIComponent(endpointId)}/test`),
    redeliverWebhook: (deliveryId) => post(`webhook-deliveries/${encodeURIComponent(deliveryId)}/redeliver`),
    getTelegramLink: async () => (await http(`${apiUrl}/telegram`)).json as TelegramLinkState,
    createTelegramLinkCode: () => post('telegram/link'),
    unlinkTelegram: async () => { await http(`${apiUrl}/telegram/link`, { method: 'DELETE' }); },
    uploadShopLogo: async (file) =>
      (await http(`${apiUrl}/shop-settings/shop/logo`, { method: 'PUT', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } })).json,
    removeShopLogo: async () => (await http(`${apiUrl}/shop-settings/shop/logo`, { method: 'DELETE' })).json,
  };
}
