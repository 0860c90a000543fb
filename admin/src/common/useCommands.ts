import { useContext, useMemo } from 'react';
import { DataProviderContext, useLogoutIfAccessDenied } from 'react-admin';
import type { KamiDataProvider } from '../dataProvider.js';

/**
 * Kami's commands (decide, import, stats…) with react-admin's session handling but honest failures.
 * useDataProvider() would do: after a 401 it logs the operator out and then *resolves* the call with an
 * empty `{ data }`, so "approved" or "imported" would be announced for something the server refused. Here
 * a 401 still sends the operator to the login page, and the call still fails.
 */
export function useCommands(): KamiDataProvider {
  const dataProvider = useContext(DataProviderContext) as KamiDataProvider;
  const logoutIfAccessDenied = useLogoutIfAccessDenied();
  return useMemo(() => new Proxy(dataProvider, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch(async (error: unknown) => {
        await logoutIfAccessDenied(error);
        throw error;
      });
    },
  }), [dataProvider, logoutIfAccessDenied]);
}
