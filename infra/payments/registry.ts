import { z } from 'zod';
import type { Config } from '../config.js';
import type { KeyVault } from '../crypto.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import { GATEWAYS } from './definitions.js';
import { createBalanceGateway, createPartnerGateway } from './channel-gateways.js';
import type { ChannelProviderName, GatewayDefinition, PaymentGateway, ProviderName } from './gateway.js';
import { createSandboxGateway } from './sandbox.js';

/** How long a process trusts its copy of the panel's gateway settings before checking their versions again. */
const RECHECK_MS = 10_000;

export interface EnabledGateway {
  name: ProviderName | ChannelProviderName;
  displayName: string;
  /** Where it was configured: the environment at start (read-only in the panel) or the panel. */
  source: 'environment' | 'panel' | 'builtin';
  canQuery: boolean;
  gateway: PaymentGateway;
}

/** The AAD that binds a provider's stored credentials to that provider. */
export const credentialsAad = (provider: string) => `payment-credentials:${provider}`;

/**
 * The gateways this Kami takes money through: the sandbox (when enabled), those configured by
 * `KAMI_PAY_<NAME>_…` at start, and those an owner configured in the panel (credentials decrypted
 * here, in memory only). The panel's are re-read when their versions change (checked at most every
 * 10 s), so an edit applies without a restart and without a query per payment.
 */
export function createGatewayRegistry(deps: { db: Db; vault: KeyVault; config: Config; log: Logger }) {
  const { config, log } = deps;
  const notifyUrl = (name: string) => `${config.publicUrl}/api/v1/payments/${name}/notify`;
  const ctx = (name: string) => ({ publicUrl: config.publicUrl, notifyUrl: notifyUrl(name), log });

  const fixed = new Map<ProviderName, EnabledGateway>();
  if (config.sandboxPayments) {
    fixed.set('sandbox', { name: 'sandbox', displayName: 'Sandbox (no money moves)', source: 'builtin', canQuery: false,
      gateway: createSandboxGateway(deps.vault.sandboxWebhookSecret, config.publicUrl) });
  }
  for (const def of GATEWAYS) {
    const env = config.gatewayEnv[def.name];
    if (!env) continue;
    const { enabled, displayName, ...rest } = env;
    if (enabled === '0' || enabled === 'false') continue;
    const settings = parseSettings(def, rest, `KAMI_PAY_${def.name.toUpperCase()}_…`);
    fixed.set(def.name, { name: def.name, displayName: displayName ?? def.displayName, source: 'environment', canQuery: def.canQuery, gateway: def.create(settings, ctx(def.name)) });
  }

  // partner channels' providers: found by name (refunds, the webhook's refusal), never offered to a buyer
  const channelProviders = new Map<string, EnabledGateway>([
    ['balance', { name: 'balance', displayName: 'Channel balance', source: 'builtin', canQuery: false, gateway: createBalanceGateway(deps.db) }],
    ['partner', { name: 'partner', displayName: 'Confirmed by the partner', source: 'builtin', canQuery: false, gateway: createPartnerGateway() }],
  ]);

  let panel = new Map<ProviderName, EnabledGateway>();
  let versions = '';
  let checkedAt = 0;

  async function refresh() {
    if (Date.now() - checkedAt < RECHECK_MS) return;
    checkedAt = Date.now();
    const rows = await deps.db.paymentProviderConfig.findMany({ orderBy: { provider: 'asc' } });
    const seen = rows.map((r) => `${r.provider}:${r.version}`).join(',');
    if (seen === versions) return;
    const next = new Map<ProviderName, EnabledGateway>();
    for (const row of rows) {
      const def = GATEWAYS.find((d) => d.name === row.provider);
      if (!def || !row.enabled || fixed.has(def.name)) continue;
      try {
        const secrets = row.credentials ? JSON.parse(deps.vault.decrypt(row.credentials, credentialsAad(def.name))) as Record<string, unknown> : {};
        const settings = parseSettings(def, { ...(row.settings as Record<string, unknown>), ...secrets }, `the ${def.displayName} settings`);
        next.set(def.name, { name: def.name, displayName: row.displayName, source: 'panel', canQuery: def.canQuery, gateway: def.create(settings, ctx(def.name)) });
      } catch (err) {
        // one gateway misconfigured must not take the others down: it stays off, and says why
        log.warn({ provider: row.provider, err: (err as Error).message }, 'payment gateway settings are unusable; it stays disabled');
      }
    }
    panel = next;
    versions = seen;
  }

  return {
    /** An enabled gateway by name, or undefined. */
    async get(name: string): Promise<EnabledGateway | undefined> {
      const builtin = fixed.get(name as ProviderName) ?? channelProviders.get(name);
      if (builtin) return builtin;
      await refresh();
      return panel.get(name as ProviderName);
    },
    /** Every enabled gateway, for the buyer's choice. */
    async enabled(): Promise<EnabledGateway[]> {
      await refresh();
      return [...fixed.values(), ...panel.values()];
    },
    /** Makes the next lookup re-read the panel's settings (after an owner saved them). */
    forget() { checkedAt = 0; },
    /** Where a gateway notifies Kami (by path: WeChat refuses query strings). */
    notifyUrl,
    /**
     * Where a gateway sends the buyer back: a page that says the payment is being confirmed. It
     * carries no access token (a gateway must never see one) and proves nothing.
     */
    returnUrl: (orderId: string) => `${config.publicUrl}/orders/${orderId}/return`,
    /** Which providers the environment configures (the panel shows them read-only). */
    configuredByEnvironment: () => [...fixed.values()].filter((g) => g.source === 'environment').map((g) => g.name),
  };
}
export type GatewayRegistry = ReturnType<typeof createGatewayRegistry>;

function parseSettings<S>(def: GatewayDefinition<S>, raw: Record<string, unknown>, where: string): S {
  const parsed = def.settings.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid configuration of ${where}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
