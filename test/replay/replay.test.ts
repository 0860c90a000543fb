import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedBundle } from '../helpers/kami.js';

// Histories of finished orders recorded with scripts/capture-history.ts. `v1-*` were recorded before
// the rules-and-review patch, `v2-*` before the lean spine (both replay the frozen legacy code),
// `v3-*` on the lean spine, `v4-*` with partner channels (split delivery), `v5-*` with SMS delivery, `v6-*` with merchant
// fulfilment, device binding and manual-delivery SLAs; every later change to workflows/ must still replay all of them.
const DIR = fileURLToPath(new URL('./histories/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const load = (file: string) => JSON.parse(readFileSync(DIR + file, 'utf8')) as { events: Record<string, any>[] };
const REORDERED = fileURLToPath(new URL('./fixtures/reordered-workflows.ts', import.meta.url));

/** Every payload in a history, decoded: base64 hides key text from a plain search of the file. */
function decodedPayloads(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const v of node) decodedPayloads(v, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.data === 'string' && o.metadata && typeof o.metadata === 'object') out.push(Buffer.from(o.data, 'base64').toString('utf8'));
    for (const v of Object.values(o)) decodedPayloads(v, out);
  }
  return out;
}

// Key shapes the histories were recorded with: test keys (test/helpers/kami.ts) and demo keys
// (scripts/lib/demo.ts). Field names that would carry a key, a token or a password.
const KEY_TEXT = [/KEY-T-[0-9a-f]{8}-\d+-[0-9a-f]{8}/, /\b[A-Z0-9]+(?:-[A-Z0-9]{4}){3}\b/];
const SECRET_FIELD = /"(secrets?|cardKeys?|keys|ciphertext|plaintext|accessToken|token|password|authorization)"\s*:/i;

/** The reasons a history's text would leak a secret; empty when it carries ids only. */
function secretLeaks(history: unknown): string[] {
  const leaks: string[] = [];
  for (const text of [JSON.stringify(history), ...decodedPayloads(history)]) {
    for (const re of KEY_TEXT) if (re.test(text)) leaks.push(`key text ${re} in ${text.slice(0, 120)}`);
    if (SECRET_FIELD.test(text)) leaks.push(`secret field in ${text.slice(0, 120)}`);
  }
  return leaks;
}

/** A copy of the history whose workflow type is `name`, to replay it against a fixture's function. */
function asWorkflowType(json: { events: Record<string, any>[] }, name: string): History {
  const copy = structuredClone(json);
  copy.events[0]!.workflowExecutionStartedEventAttributes.workflowType.name = name;
  return historyFromJSON(copy);
}

describe('recorded order histories', () => {
  const bundle = sharedBundle();

  it('cover delivered, expired, cancelled, email-retried and needs-attention orders', () => {
    expect(FILES).toEqual(expect.arrayContaining([
      'v1-cancelled.json', 'v1-delivered.json', 'v1-email-retried.json', 'v1-expired.json', 'v1-needs-attention.json',
    ]));
    const retried = load('v1-email-retried.json').events.find((e) => e.activityTaskStartedEventAttributes);
    expect(retried!.activityTaskStartedEventAttributes.attempt).toBeGreaterThan(1);
  });

  it.each(FILES)('%s replays against the current workflow code', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, load(file))).resolves.toBeUndefined();
  });

  it('cover the lean spine: delivered, expired and cancelled during the delay, review, email fallback, after-sales, late payment', () => {
    expect(FILES).toEqual(expect.arrayContaining([
      'v3-delivered.json', 'v3-expired.json', 'v3-cancelled.json', 'v3-review-partially-approved.json', 'v3-email-fallback.json',
      'v3-after-sales-key-replaced.json', 'v3-late-payment-approved.json',
    ]));
    // the routine order as recorded: one workflow task, no search-attribute upsert, no timer
    const events = load('v3-delivered.json').events;
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    expect(events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes || e.timerStartedEventAttributes)).toEqual([]);
    expect(events.length).toBeLessThanOrEqual(12);
  });

  it('cover a partner\'s split delivery: parts claimed behind its patch, the rest released by imports', () => {
    const patches = (file: string) => load(file).events
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details['patch-data'].payloads[0].data, 'base64').toString()).id);
    expect(patches('v4-split-delivery.json')).toEqual(['kami-2026-11-split-delivery']);
    const claims = load('v4-split-delivery.json').events.filter((e) => /"activity_type":"claimPart"/.test(
      Buffer.from(e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data ?? '', 'base64').toString()));
    expect(claims).toHaveLength(3);
    // only a split order asks for the patch: no routine history carries its marker
    for (const file of FILES.filter((f) => f.startsWith('v3-'))) expect(patches(file)).not.toContain('kami-2026-11-split-delivery');
  });

  it('cover SMS delivery: beside the email behind its patch (sent, refused for good), and an operator\'s SMS resend', () => {
    const patches = (file: string) => load(file).events
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details['patch-data'].payloads[0].data, 'base64').toString()).id);
    const activities = (file: string) => load(file).events.filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes.activityType.name);
    expect(patches('v5-sms-delivered.json')).toEqual(['kami-2026-11-sms-delivery']);
    expect(activities('v5-sms-delivered.json')).toEqual(['deliverSms']);
    expect(load('v5-sms-refused.json').events.some((e) => e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type === 'SmsRefused')).toBe(true);
    expect(activities('v5-sms-resent.json')).toEqual(['deliverSms']);
    // only an order whose buyer is texted asks for the patch: no routine history carries its marker
    for (const file of FILES.filter((f) => /^v[34]-/.test(f))) expect(patches(file)).not.toContain('kami-2026-11-sms-delivery');
  });

  it.each(FILES.filter((f) => f.startsWith('v1-')))('%s was recorded before any patch, so it exercises the unpatched branch', (file) => {
    const markers = load(file).events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(markers).toEqual([]);
  });

  it.each(FILES)('%s carries ids, never key text or tokens', (file) => {
    expect(secretLeaks(load(file))).toEqual([]);
  });

  it('the leak check looks inside base64 payloads', () => {
    const doctored = structuredClone(load('v1-delivered.json'));
    const started = doctored.events[0]!.workflowExecutionStartedEventAttributes;
    started.input.payloads[0].data = Buffer.from(JSON.stringify({ orderId: 'o', secrets: ['KEY-T-0123abcd-0-89abcdef'] })).toString('base64');
    const leaks = secretLeaks(doctored);
    expect(leaks.filter((l) => l.startsWith('key text'))).toHaveLength(1);
    expect(leaks.filter((l) => l.startsWith('secret field'))).toHaveLength(1);
  });
});

describe('replay catches a workflow change that is not behind patched()', () => {
  let reordered: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    reordered = await bundleWorkflowCode({ workflowsPath: REORDERED, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never });
  });

  it('the faithful copy of the v1 steps replays the delivered order', async () => {
    await expect(Worker.runReplayHistory({ workflowBundle: reordered }, asWorkflowType(load('v1-delivered.json'), 'orderWorkflowAsRecorded')))
      .resolves.toBeUndefined();
  });

  it('the same steps with the key claim moved before the rule check fail with DeterminismViolationError', async () => {
    const error = await Worker.runReplayHistory({ workflowBundle: reordered }, asWorkflowType(load('v1-delivered.json'), 'orderWorkflowClaimFirst'))
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect((error as Error).message).toMatch(/recorded marker 'checkRules' does not match .* 'claimKeys'/);
  });
});
