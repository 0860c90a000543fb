import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBuyers, progressLine } from './buyers.js';
import { rssMiB } from './cpu.js';
import type { HistoryBreakdown } from './history.js';
import { createHeldOnlyProduct } from './products.js';
import { roundLine, runRound, type Ctx, type RoundResult } from './round.js';
import type { Shop } from './shops.js';

export interface MemorySample { worker?: number; api?: number; temporal?: number }

export interface UnpaidResult {
  unpaid: number;
  /** Checkouts per second while the unpaid orders were placed (closed loop, --concurrency buyers). */
  placedPerSecond: number;
  placedSeconds: number;
  /** Open-loop rounds at the same offered rate just before placing them, and with them open. */
  before: RoundResult[];
  after: RoundResult[];
  /** Resident memory (MiB) after the rounds before, right after placing, and after the rounds after. */
  memory: { before: MemorySample; placed: MemorySample; after: MemorySample };
  /** The unpaid orders' ids (their workflow histories show what an open, unpaid order costs Temporal). */
  orderIds: string[];
  /** Filled in by the caller from a sample of those histories. */
  history?: HistoryBreakdown;
}

/** Orders a run with N unpaid orders open leaves alone: they wait to expire (KAMI_PAYMENT_HOLD is 2h in the bench). */
const SETTLE_MS = 5000;

function memory(kami: Shop, temporalPid: number): MemorySample {
  const pid = (label: string) => kami.processes.find((p) => p.label === label)!.child.pid;
  return { worker: rssMiB(pid('worker')), api: rssMiB(pid('api')), temporal: rssMiB(temporalPid) };
}

/**
 * "N unpaid orders open at once": paid orders' latency (open loop at `rate`) and the processes'
 * memory, measured `rounds` times just before placing N unpaid orders (checkout only, on a product
 * of their own whose keys they hold) and again with those orders open.
 */
export async function runUnpaid(ctx: Ctx, kami: Shop, rate: number): Promise<UnpaidResult> {
  const { stack, o, say, signal } = ctx;
  const orders = Math.max(10, Math.round(rate * o.openSeconds));
  const before: RoundResult[] = [];
  for (let r = 1; r <= o.rounds; r++) {
    before.push(await runRound(ctx, kami, 'unpaid-before', r, { orders, rate }));
    say(roundLine(before.at(-1)!));
  }
  const memBefore = memory(kami, stack.temporalPid);

  const product = await createHeldOnlyProduct(kami.data.db, o.unpaid * o.quantity);
  const buyers = createBuyers(kami, stack.vault.sandboxWebhookSecret, o.pollMs);
  const onAbort = () => buyers.close();
  signal.addEventListener('abort', onAbort, { once: true });
  let placed = 0, next = 0;
  const orderIds: string[] = [];
  const stopProgress = progressLine(`kami placing ${o.unpaid} unpaid orders`, o.unpaid, () => placed, say,
    () => ` · worker ${rssMiB(kami.processes.find((p) => p.label === 'worker')!.child.pid)?.toFixed(0) ?? '?'} MiB`);
  const t0 = performance.now();
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, o.unpaid) }, async () => {
      while (next < o.unpaid) {
        signal.throwIfAborted();
        next++;
        orderIds.push((await buyers.checkout(product.sku, o.quantity)).orderId);
        placed++;
      }
    }));
  } finally {
    stopProgress();
    signal.removeEventListener('abort', onAbort);
    buyers.close();
  }
  const placedSeconds = (performance.now() - t0) / 1000;
  say(`    ✔ ${o.unpaid} unpaid orders open (${(o.unpaid / placedSeconds).toFixed(1)} checkouts/s); settling ${SETTLE_MS / 1000}s`);
  await sleep(SETTLE_MS);
  const memPlaced = memory(kami, stack.temporalPid);

  const after: RoundResult[] = [];
  for (let r = 1; r <= o.rounds; r++) {
    after.push(await runRound(ctx, kami, 'unpaid-after', r, { orders, rate }));
    say(roundLine(after.at(-1)!));
  }
  return {
    unpaid: o.unpaid, placedPerSecond: o.unpaid / placedSeconds, placedSeconds, before, after,
    memory: { before: memBefore, placed: memPlaced, after: memory(kami, stack.temporalPid) },
    orderIds,
  };
}
