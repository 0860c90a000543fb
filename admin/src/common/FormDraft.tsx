import { useEffect, useState } from 'react';
import { useFormContext } from 'react-hook-form';
import { useLocation, useNotify } from 'react-admin';
import { SESSION_EXPIRED } from '../authProvider.js';

const draftKey = (pathname: string) => `kami.draft:${pathname}`;

/** Secrets never go to storage, not even this tab's. */
const withoutSecrets = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).filter(([k]) => !/password/i.test(k)));

/**
 * Keeps what the operator typed when the session expires mid-form. Values are copied to sessionStorage
 * (this tab only) as they change; leaving the form normally discards the copy, but not when the server
 * ended the session (authProvider.checkError flags that): react-admin then sends the operator to the login
 * page and back to this location, where the copy is put back into the form.
 */
export const FormDraft = () => {
  const { pathname } = useLocation();
  const { watch, reset, getValues } = useFormContext();
  const notify = useNotify();
  // read once, before this mount's effects may discard it
  const [saved] = useState(() => sessionStorage.getItem(draftKey(pathname)));

  useEffect(() => {
    if (!saved) return;
    // The form resets itself to the loaded record in its own effect, which runs after this child's:
    // restore on the next task, over the record. keepDefaultValues makes the restored values unsaved changes.
    const timer = setTimeout(() => {
      reset({ ...getValues(), ...JSON.parse(saved) }, { keepDefaultValues: true });
      notify('kami.draft.restored', { type: 'info' });
    });
    return () => clearTimeout(timer);
  }, [saved, reset, getValues, notify]);

  useEffect(() => {
    const key = draftKey(pathname);
    const subscription = watch((values) => sessionStorage.setItem(key, JSON.stringify(withoutSecrets(values))));
    const discard = () => sessionStorage.removeItem(key);
    // A reload or a closed tab discards the copy too: only an expired session brings it back.
    window.addEventListener('pagehide', discard);
    return () => {
      subscription.unsubscribe();
      window.removeEventListener('pagehide', discard);
      if (!sessionStorage.getItem(SESSION_EXPIRED)) discard();
    };
  }, [pathname, watch]);

  return null;
};
