import simpleRestProvider from 'ra-data-simple-rest';
import type { DataProvider, Identifier } from 'react-admin';
import type { HttpClient } from './http.js';
import type {
  BulkDecisionResult, Decision, ImportPreview, ImportResult, OrderRecord, Stats,
} from './types.js';

export const API_URL = '/admin/api';

/** react-admin's CRUD over the simple-rest contract, plus Kami's commands (decisions are commands, not edits). */
export interface KamiDataProvider extends DataProvider {
  approveOrder(id: Identifier, body?: { note?: string; quantity?: number; reviewSeq?: number }): Promise<OrderRecord>;
  rejectOrder(id: Identifier, body?: { note?: string; reviewSeq?: number }): Promise<OrderRecord>;
  bulkDecide(body: { ids: Identifier[]; decision: Decision; note?: string }): Promise<BulkDecisionResult[]>;
  resendDelivery(id: Identifier): Promise<{ id: string; status: string; channel: string }>;
  cancelOrder(id: Identifier): Promise<OrderRecord>;
  markDelivered(id: Identifier, body: { goods: string[] }): Promise<{ id: string; status: string }>;
  previewKeyImport(body: { productId: string; lines: string[]; firstLine?: number }): Promise<ImportPreview>;
  importKeys(body: { productId: string; label: string; lines: string[]; batchId?: number }): Promise<ImportResult>;
  voidKeys(body: { ids: Identifier[]; reason: string }): Promise<{ voided?: number }>;
  revealKeys(ids: Identifier[]): Promise<{ id: number; secret: string }[]>;
  exportKeys(params: { productId: string; batchId?: number }): Promise<string>;
  getStats(): Promise<Stats>;
}

export function createDataProvider(http: HttpClient, apiUrl = API_URL): KamiDataProvider {
  const post = async <T>(path: string, body: unknown = {}): Promise<T> =>
    (await http(`${apiUrl}/${path}`, { method: 'POST', body: JSON.stringify(body) })).json as T;
  const order = (id: Identifier, command: string, body?: unknown) =>
    post<OrderRecord>(`orders/${encodeURIComponent(id)}/${command}`, body);

  return {
    ...simpleRestProvider(apiUrl, http),
    approveOrder: (id, body = {}) => order(id, 'approve', body),
    rejectOrder: (id, body = {}) => order(id, 'reject', body),
    bulkDecide: async (body) => (await post<{ results: BulkDecisionResult[] }>('orders/bulk-decide', body)).results,
    resendDelivery: (id) => post(`orders/${encodeURIComponent(id)}/resend`),
    cancelOrder: (id) => order(id, 'cancel'),
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
  };
}
