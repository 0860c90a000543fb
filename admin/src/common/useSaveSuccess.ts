import { useNotify, useRedirect, type RaRecord, type RedirectionSideEffect } from 'react-admin';

/**
 * onSuccess for Edit and Create. When a save meets an expired session, react-admin logs out and resolves
 * the save with an empty record; the default handler would then announce "Element updated". Only a
 * record the server returned counts as saved (the form's draft waits for the operator's return).
 */
export function useSaveSuccess(resource: string, kind: 'created' | 'updated', redirectTo: RedirectionSideEffect = 'list') {
  const notify = useNotify();
  const redirect = useRedirect();
  return (data: RaRecord | undefined) => {
    if (data?.id === undefined) return;
    notify(`ra.notification.${kind}`, { type: 'info', messageArgs: { smart_count: 1 } });
    redirect(redirectTo, resource, data.id, data);
  };
}
