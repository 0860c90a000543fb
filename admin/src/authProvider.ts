import type { AuthProvider } from 'react-admin';
import { API_URL } from './dataProvider.js';
import type { HttpClient, Session } from './http.js';
import { roleCan } from './permissions.js';
import type { Operator } from './types.js';

/**
 * Set when the server ended a session the panel still believed in (401 mid-work). Open forms keep their
 * drafts while it is set (see FormDraft), and the login page says why the operator is there.
 */
export const SESSION_EXPIRED = 'kami.sessionExpired';

interface SessionBody {
  operator: Operator;
  csrfToken: string;
}

/** Cookie session (httpOnly `kami_session`); the operator and CSRF token are kept in memory, refetched via /me. */
export function createAuthProvider(http: HttpClient, session: Session, apiUrl = API_URL): AuthProvider {
  let operator: Operator | null = null;
  let asking: Promise<Operator> | null = null;
  const remember = ({ operator: o, csrfToken }: SessionBody) => {
    operator = o;
    session.csrfToken = csrfToken;
    return o;
  };
  // react-admin asks for auth, identity and permissions at once on load: one /me answers them all
  const current = async () => operator ?? (asking ??= http(`${apiUrl}/auth/me`)
    .then(({ json }) => remember(json as SessionBody))
    .finally(() => { asking = null; }));

  return {
    async login({ username, password }: { username: string; password: string }) {
      const { json } = await http(`${apiUrl}/auth/login`, { method: 'POST', body: JSON.stringify({ email: username, password }) });
      remember(json as SessionBody);
      sessionStorage.removeItem(SESSION_EXPIRED);
    },
    async logout() {
      // The server may have ended the session already; leaving locally is what matters.
      if (operator) await http(`${apiUrl}/auth/logout`, { method: 'POST' }).catch(() => undefined);
      operator = null;
      session.csrfToken = null;
    },
    async checkAuth() {
      try {
        await current();
      } catch (err) {
        // Not signed in is the normal way to reach the login page: no error toast for it.
        if ((err as { status?: number }).status === 401) throw { message: false };
        throw err;
      }
    },
    async checkError(error: { status?: number }) {
      if (error?.status !== 401) return; // 403 is a refusal for this role, not a lost session
      if (operator) sessionStorage.setItem(SESSION_EXPIRED, '1');
      operator = null;
      session.csrfToken = null;
      throw error;
    },
    async getIdentity() {
      const o = await current();
      return { id: o.id, fullName: o.name || o.email, email: o.email, role: o.role };
    },
    async getPermissions() {
      return (await current()).role;
    },
    async canAccess({ resource, action }) {
      return roleCan((await current()).role, resource, action);
    },
  };
}
