import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, createOperator, login, loginAs, type AdminSession } from '../helpers/admin.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
let owner: AdminSession;
beforeAll(async () => {
  kami = await startKami({ worker: false });
  owner = await loginAs(kami, 'owner');
});
afterAll(() => kami?.stop());

const uniqueEmail = (name: string) => `${name}.${randomBytes(3).toString('hex')}@test.kami`;

describe('operator passwords are refused when too easy to guess', () => {
  it('on create: aaaaaaaaaa, ten spaces, password123 and the email itself are a 400 saying why, with the estimator\'s advice', async () => {
    const email = uniqueEmail('weak');
    for (const password of ['aaaaaaaaaa', ' '.repeat(10), 'password123', email]) {
      const res = await adminCall(kami, owner, 'POST', '/operators', { body: { email, name: 'Weak One', role: 'viewer', password } });
      expect(res.status, JSON.stringify(password)).toBe(400);
      expect(res.body.error.code).toBe('weak_password');
      expect(res.body.error.message).toMatch(/too easy to guess \(strength [0-2] of 4, at least 3 needed\)\. \S/);
      expect(res.body.error.details.password).toBe(res.body.error.message);
    }
    expect(await kami.db.operator.count({ where: { email } })).toBe(0);
    expect(await kami.db.auditLog.count({ where: { action: 'operator.create', data: { path: ['email'], equals: email } } })).toBe(0);

    const strong = await adminCall(kami, owner, 'POST', '/operators', { body: { email, name: 'Strong One', role: 'viewer', password: 'violet kettle orbit lantern' } });
    expect(strong.status, strong.text).toBe(201);
    await login(kami.baseUrl, email, 'violet kettle orbit lantern');
  });

  it('on update: a weak new password is a 400 and changes nothing, judged against the operator\'s stored email', async () => {
    const op = await createOperator(kami.db, { role: 'operator', email: uniqueEmail('liminghao') });
    for (const password of ['aaaaaaaaaa', op.email, 'qwertyuiop']) {
      const res = await adminCall(kami, owner, 'PUT', `/operators/${op.id}`, { body: { password } });
      expect(res.status, JSON.stringify(password)).toBe(400);
      expect(res.body.error.code).toBe('weak_password');
    }
    await login(kami.baseUrl, op.email, op.password);
    expect(await kami.db.auditLog.count({ where: { action: 'operator.update', targetId: op.id } })).toBe(0);

    const ok = await adminCall(kami, owner, 'PUT', `/operators/${op.id}`, { body: { password: 'mellow ferry orbit quartz' } });
    expect(ok.status, ok.text).toBe(200);
    await login(kami.baseUrl, op.email, 'mellow ferry orbit quartz');
    // an update without a password is not judged at all
    expect((await adminCall(kami, owner, 'PUT', `/operators/${op.id}`, { body: { name: 'Renamed' } })).status).toBe(200);
  });
});
