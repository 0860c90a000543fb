import { adminCall, listQuery, login } from '../../test/helpers/admin.js';

const POLL_MS = 200;

export interface MerchantStats { polls: number; approved: number; refused: number; errors: number }

/**
 * A person at the admin console, played by the bench over HTTP (--flagged): Kami's owner signed in
 * through the real login endpoint, who looks at the review inbox (GET /admin/api/reviews, filtered to
 * the round's product) every ~200 ms and approves every order waiting there (POST
 * /admin/api/orders/:id/approve, session cookie + CSRF header). An approval the workflow refuses (not
 * waiting yet) or that fails is tried again on the next poll.
 */
export async function startMerchant(baseUrl: string, account: { email: string; password: string }, productIds: () => string[], signal: AbortSignal) {
  const session = await login(baseUrl, account.email, account.password);
  const kami = { baseUrl };
  const stats: MerchantStats = { polls: 0, approved: 0, refused: 0, errors: 0 };
  const done = new Set<string>();
  let lastError: string | undefined;
  let stopped = false;

  const loop = (async () => {
    while (!stopped && !signal.aborted) {
      const started = Date.now();
      for (const productId of productIds()) {
        try {
          stats.polls++;
          const list = await adminCall(kami, session, 'GET', `/reviews${listQuery({ filter: { productId, status: 'in_review' } })}`);
          if (list.status !== 200) throw new Error(`GET /reviews answered ${list.status}: ${list.text.slice(0, 200)}`);
          for (const order of list.body as { id: string; status: string }[]) {
            if (stopped || done.has(order.id) || order.status !== 'in_review') continue;
            const res = await adminCall(kami, session, 'POST', `/orders/${order.id}/approve`, { body: { note: 'bench merchant' } });
            if (res.status === 200) { stats.approved++; done.add(order.id); } else if (res.status === 409) stats.refused++;
            else { stats.errors++; lastError = `approve answered ${res.status}: ${res.text.slice(0, 200)}`; }
          }
        } catch (err) {
          if (stopped || signal.aborted) break;
          stats.errors++;
          lastError = (err as Error).message;
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (Date.now() - started))));
    }
  })();

  return {
    stats: () => ({ ...stats }),
    lastError: () => lastError,
    async stop(): Promise<MerchantStats> {
      stopped = true;
      await loop;
      return { ...stats };
    },
  };
}
export type Merchant = Awaited<ReturnType<typeof startMerchant>>;
