import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { startKami, type Kami } from '../helpers/kami.js';

/**
 * Kami to a Temporal cluster over mTLS (TEMPORAL_TLS_*), as README tells production to run it. The
 * dev server speaks plain TCP, so a TLS front that demands a client certificate signed by our CA
 * (as a cluster's frontend configured for mTLS does) stands before it; certificates come from openssl.
 */
let dir: string;
let front: ReturnType<typeof createServer>;
let frontAddress: string;
const refused: string[] = [];
const sockets = new Set<Socket>();
let kami: Kami | undefined;

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const pem = (f: string) => join(dir, f);

/** A certificate `ca` signs for `cn`: X.509 v3 (rustls takes no other), for a server (with its DNS name) or a client. */
function issue(ca: string, name: string, cn: string, dns?: string) {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
  writeFileSync(pem(`${name}.ext`), dns ? `subjectAltName=DNS:${dns}\nextendedKeyUsage=serverAuth\n` : 'extendedKeyUsage=clientAuth\n');
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`,
    '-extfile', `${name}.ext`);
}
const authority = (name: string) => openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-days', '2', '-out', `${name}.crt`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kami-mtls-'));
  authority('ca');
  authority('rogue-ca');
  issue('ca', 'server', 'temporal.test', 'temporal.test');
  issue('ca', 'client', 'kami-worker');
  issue('rogue-ca', 'rogue', 'kami-worker');
  const [host, port] = inject('temporalAddress').split(':') as [string, string];
  front = createServer({
    key: readFileSync(pem('server.key')), cert: readFileSync(pem('server.crt')), ca: readFileSync(pem('ca.crt')),
    requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'],
  }, (tls: TLSSocket) => {
    // past the handshake: the client's certificate was signed by our CA; pass the HTTP/2 stream on
    const upstream = connect(Number(port), host);
    for (const s of [tls, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()); }
    tls.pipe(upstream).pipe(tls);
  });
  front.on('tlsClientError', (err) => refused.push(err.message));
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
  frontAddress = `127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await kami?.stop();
  for (const s of sockets) s.destroy();
  await new Promise((r) => front?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Temporal over mTLS', () => {
  it('the API and the worker connect with the client certificate, and an order runs through', async () => {
    kami = await startKami({
      env: {
        TEMPORAL_ADDRESS: frontAddress, TEMPORAL_TLS_CERT: pem('client.crt'), TEMPORAL_TLS_KEY: pem('client.key'),
        TEMPORAL_TLS_CA: pem('ca.crt'), TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
      },
    });
    const product = await kami.product(1);
    const { status, body } = await kami.checkout({ sku: product.sku, quantity: 1, email: 'mtls@example.com' });
    expect(status).toBe(201);
    expect((await kami.pay(body.orderId, body.accessToken)).status).toBe(200);
    await kami.temporal.workflow.getHandle(orderWorkflowId(body.orderId)).result();
    expect((await kami.order(body.orderId, body.accessToken)).body.keys).toEqual(product.secrets);
  });

  it('refuses a client without a certificate, or with one another CA signed', async () => {
    const before = refused.length;
    for (const clientCertPair of [undefined, { crt: readFileSync(pem('rogue.crt')), key: readFileSync(pem('rogue.key')) }]) {
      const attempt = Connection.connect({
        address: frontAddress, connectTimeout: 3000,
        tls: { serverRootCACertificate: readFileSync(pem('ca.crt')), serverNameOverride: 'temporal.test', ...(clientCertPair ? { clientCertPair } : {}) },
      }).then(async (c) => { try { await c.workflowService.getSystemInfo({}); } finally { await c.close(); } });
      await expect(attempt).rejects.toThrow();
    }
    expect(refused.length).toBeGreaterThan(before);
  });
});
