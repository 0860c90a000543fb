import { Router } from 'express';
import { z } from 'zod';
import { PROVIDER_NAMES, type SettingsField } from '../../domain/payment-providers.js';
import { audit } from '../../infra/audit.js';
import type { Prisma } from '../../infra/db.js';
import { GATEWAYS } from '../../infra/payments/definitions.js';
import type { GatewayDefinition } from '../../infra/payments/gateway.js';
import { credentialsAad } from '../../infra/payments/registry.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { sendList } from './list-query.js';
import { actorOf, requireRole } from './session.js';

const ProviderUpdate = z.strictObject({
  enabled: z.boolean(),
  displayName: z.string().trim().min(1).max(60),
  /** The settings that are not secret, as the gateway module names them. */
  settings: z.record(z.string().max(64), z.union([z.string().max(4000), z.number(), z.boolean()])).default({}),
  /** Secrets to set or replace; a secret left out keeps its stored value (the panel never receives it back). */
  secrets: z.record(z.string().max(64), z.string().max(8000)).default({}),
});


type JsonSchema = {
  type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; enum?: unknown[]; const?: unknown;
  title?: string; description?: string; default?: unknown; format?: string; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[];
};

const FIELD_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

/**
 * The fields of a gateway's settings schema (its input side, as the owner types it), in the module's
 * order, plus any secret field the schema does not list. A schema the JSON Schema conversion cannot
 * read yields just the secret fields: the panel then also shows whatever settings are stored.
 */
export function describeSettings(def: GatewayDefinition): SettingsField[] {
  let root: JsonSchema = {};
  try {
    root = z.toJSONSchema(def.settings, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch { /* described by its secret fields only */ }
  const objects = [root, ...(root.allOf ?? []), ...(root.anyOf ?? []), ...(root.oneOf ?? [])].filter((o) => o.properties);
  const fields = new Map<string, SettingsField>();
  for (const o of objects) {
    for (const [name, p] of Object.entries(o.properties!)) {
      if (fields.has(name)) continue;
      const variants = [p, ...(p.anyOf ?? []), ...(p.oneOf ?? [])];
      const type = variants.map((v) => (Array.isArray(v.type) ? v.type.find((t) => FIELD_TYPES.has(t)) : v.type)).find((t) => t && FIELD_TYPES.has(t));
      const choices = variants.flatMap((v) => [...(v.enum ?? []), ...(v.const === undefined ? [] : [v.const])])
        .filter((c): c is string | number => typeof c === 'string' || typeof c === 'number');
      fields.set(name, {
        name, type: (type ?? 'string') as SettingsField['type'], secret: def.secretFields.includes(name),
        // required in every variant that names it (a field of one variant only is optional for the others)
        required: objects.every((v) => !v.properties?.[name] || (v.required ?? []).includes(name)) && p.default === undefined,
        ...(p.title ? { title: p.title } : {}), ...(p.description ? { description: p.description } : {}),
        ...(choices.length ? { choices: [...new Set(choices)] } : {}), ...(p.default === undefined ? {} : { default: p.default }),
        ...(p.format ? { format: p.format } : {}),
      });
    }
  }
  for (const name of def.secretFields) if (!fields.has(name)) fields.set(name, { name, type: 'string', secret: true, required: false });
  return [...fields.values()];
}

const described = new Map<string, SettingsField[]>();
const fieldsOf = (def: GatewayDefinition) => described.get(def.name) ?? described.set(def.name, describeSettings(def)).get(def.name)!;

/**
 * A gateway's stored secrets, or null when they cannot be read (stored under another master key: a
 * restore into another instance, a rotated key). Unreadable, they are as good as unset: the owner's
 * screen still opens and the owner enters them again; the gateway itself stays off until then.
 */
function readSecrets(vault: ApiDeps['vault'], provider: string, credentials: Uint8Array | null | undefined): Record<string, unknown> | null {
  if (!credentials) return {};
  try {
    return JSON.parse(vault.decrypt(credentials, credentialsAad(provider))) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** `…` plus the last four characters of a secret that is long enough for them to reveal nothing useful. */
const masked = (v: unknown) => (typeof v === 'string' && v.length >= 24 ? `…${v.slice(-4)}` : '(set)');

/**
 * `payment-providers` (owners): the gateways Kami can take money through, each enabled or not, its
 * display name, settings and which secrets are set (masked, never shown back in full), and `fields`:
 * how its settings form is drawn, read from the gateway module's schema. Credentials
 * are stored encrypted with a key derived from the master key; every change is audited (without a
 * secret) and applies within seconds, without a restart. A gateway configured by the environment at
 * start is shown read-only.
 */
export function paymentProvidersRouter(deps: ApiDeps): Router {
  const router = Router();
  const { db, vault, gateways } = deps;

  async function records() {
    const rows = new Map((await db.paymentProviderConfig.findMany()).map((r) => [r.provider, r]));
    const fromEnv = new Set(gateways.configuredByEnvironment());
    return GATEWAYS.map((def) => {
      const row = rows.get(def.name);
      const readable = readSecrets(vault, def.name, row?.credentials);
      const secrets = readable ?? {};
      return {
        id: def.name, displayName: row?.displayName ?? def.displayName, enabled: fromEnv.has(def.name) || (row?.enabled ?? false),
        source: fromEnv.has(def.name) ? 'environment' : 'panel', canQuery: def.canQuery, canRefund: def.canRefund,
        settings: row?.settings ?? {}, secretFields: def.secretFields, fields: fieldsOf(def),
        secrets: Object.fromEntries(def.secretFields.filter((f) => secrets[f] !== undefined).map((f) => [f, masked(secrets[f])])),
        version: row?.version ?? 0, updatedBy: row?.updatedBy ?? null, updatedAt: row?.updatedAt ?? null,
        ...(readable === null ? { secretsUnreadable: true } : {}),
      };
    });
  }

  router.get('/payment-providers', requireRole('owner'), async (_req, res) => {
    const list = await records();
    sendList(res, 'payment-providers', list, list.length, [0, Math.max(0, list.length - 1)]);
  });

  router.get('/payment-providers/:id', requireRole('owner'), async (req, res) => {
    const record = (await records()).find((r) => r.id === req.params.id);
    if (!record) throw new ApiError(404, 'provider_not_found', `no payment provider "${req.params.id}"`);
    res.json(record);
  });

  router.put('/payment-providers/:id', requireRole('owner'), async (req, res) => {
    const name = z.enum(PROVIDER_NAMES).parse(req.params.id);
    const def = GATEWAYS.find((d) => d.name === name);
    if (!def) throw new ApiError(404, 'provider_not_found', `no payment provider "${name}"`);
    if (gateways.configuredByEnvironment().includes(def.name)) {
      throw new ApiError(409, 'configured_by_environment', `${def.displayName} is configured by KAMI_PAY_${def.name.toUpperCase()}_… variables; change them there`);
    }
    const body = ProviderUpdate.parse(req.body);
    const misplaced = Object.keys(body.settings).filter((k) => def.secretFields.includes(k));
    if (misplaced.length) throw new ApiError(400, 'invalid_request', 'secrets go in `secrets`, never in `settings`', { settings: misplaced.join(', ') });
    const before = await db.paymentProviderConfig.findUnique({ where: { provider: def.name } });
    const stored = readSecrets(vault, def.name, before?.credentials) ?? {};
    const secrets = { ...stored, ...body.secrets };
    // an enabled gateway must be complete and valid; a disabled one may be saved half-filled
    if (body.enabled) {
      const check = def.settings.safeParse({ ...body.settings, ...secrets });
      if (!check.success) {
        throw new ApiError(400, 'invalid_request', 'these settings are not usable for this gateway; see details',
          Object.fromEntries(check.error.issues.map((i) => [i.path.join('.') || '(root)', i.message])));
      }
    }
    const credentials = Object.keys(secrets).length ? new Uint8Array(vault.encrypt(JSON.stringify(secrets), credentialsAad(def.name))) : null;
    const by = actorOf(req);
    await db.$transaction(async (tx) => {
      const data = {
        enabled: body.enabled, displayName: body.displayName, settings: body.settings as Prisma.InputJsonValue, credentials, updatedBy: by.email, updatedAt: new Date(),
      };
      await tx.paymentProviderConfig.upsert({ where: { provider: def.name }, create: { provider: def.name, ...data }, update: { ...data, version: { increment: 1 } } });
      await audit(tx, by, 'payment_provider.update', { type: 'payment_provider', id: def.name }, {
        enabled: body.enabled, displayName: body.displayName, settings: body.settings, secretsChanged: Object.keys(body.secrets),
      });
    });
    gateways.forget();
    res.json((await records()).find((r) => r.id === def.name));
  });

  return router;
}
