import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKami, type Kami } from '../helpers/kami.js';
import { partnerChannel } from '../helpers/partner.js';

const run = promisify(execFile);
let kami: Kami;
beforeAll(async () => { kami = await startKami({ env: { KAMI_PARTNER_WAIT: '20s' } }); });
afterAll(() => kami?.stop());

/** The README's shell example of a signed partner request, as a reader would copy it. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Selling through channels'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README has no shell example under "Selling through channels"');
  return block[1]!;
}

describe('the README\'s signed-request example', () => {
  it('places an order with bash, openssl and curl exactly as written (only the key, secret, address and SKU filled in)', async () => {
    const channel = await partnerChannel(kami, { balance: { USD: 10_000 } });
    const product = await kami.product(3, { priceCents: 950 });
    const script = readmeExample()
      .replace(/^KEY_ID=.*$/m, `KEY_ID=${channel.key.keyId}  SECRET=${channel.key.secret}  BASE=${kami.baseUrl}`)
      .replace('DEMO-STEAM-10', product.sku);
    expect(script).toContain('openssl dgst -sha256 -hmac');
    const { stdout } = await run('bash', ['-c', script], { timeout: 60_000 });
    const answer = JSON.parse(stdout) as { status: string; externalOrderId: string; keys: string[]; amount: string };
    expect(answer).toMatchObject({ status: 'delivered', externalOrderId: 'shop-4711', amount: '19.00' });
    expect(answer.keys).toHaveLength(2);
  });
});
