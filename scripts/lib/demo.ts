import { randomBytes } from 'node:crypto';
import type { KeyVault } from '../../infra/crypto.js';
import type { Db } from '../../infra/db.js';
import { importKeys } from '../../infra/key-import.js';

const DEMO_PRODUCTS = [
  {
    sku: 'DEMO-STEAM-10', name: '[DEMO] Steam Wallet Code 10 USD', priceCents: 1000, currency: 'USD', keys: 200,
    description: 'Demo product seeded by Kami: the keys are random and redeem nowhere.',
    guide: '1. Open Steam → **Redeem a Steam Wallet Code**.\n2. Paste the code and confirm.\n\n_Demo key: it redeems nowhere._',
  },
  {
    sku: 'DEMO-FLASH-SALE', name: '[DEMO] Flash sale: Game Pass 1 month (limit 3)', priceCents: 199, currency: 'USD', keys: 100,
    description: 'Demo flash-sale product: at most 3 per buyer per 24 hours (限购 3), however many email variants they use.',
    guide: 'Redeem at the store → **Redeem code**.\n\n_Demo key: it redeems nowhere._',
    rules: { purchaseLimit: 3, purchaseLimitWindow: '24h' },
  },
  {
    sku: 'DEMO-OFFICE-KEY', name: '[DEMO] Office Activation Key', priceCents: 2990, currency: 'USD', keys: 50,
    description: 'Demo product seeded by Kami: the keys are random and activate nothing.',
    guide: 'Open any Office app → **Account** → **Change product key**, then paste the key.\n\n_Demo key: it activates nothing._',
  },
];

const demoKey = (prefix: string) => `${prefix}-${randomBytes(9).toString('base64url').toUpperCase().replace(/[-_]/g, 'X').match(/.{4}/g)!.join('-')}`;

/** Seeds a clearly marked demo catalogue into an empty database; does nothing when any product exists. */
export async function seedDemo(db: Db, vault: KeyVault): Promise<number> {
  if (await db.product.count()) return 0;
  for (const p of DEMO_PRODUCTS) {
    const product = await db.product.create({
      data: {
        sku: p.sku, name: p.name, priceCents: p.priceCents, currency: p.currency, description: p.description, guide: p.guide, demo: true,
        rules: 'rules' in p ? p.rules : {},
      },
    });
    const prefix = p.sku.replace('DEMO-', 'DEMO').slice(0, 9);
    await importKeys(db, vault, product.id, Array.from({ length: p.keys }, () => demoKey(prefix)), 'demo seed');
  }
  return DEMO_PRODUCTS.length;
}
