import { useQuery } from '@tanstack/react-query';
import { useCommands } from './useCommands.js';

/** Polling keeps the inbox badge honest while an operator works elsewhere in the panel. */
export const STATS_POLL_MS = 15_000;

/** One shared query for the dashboard, the inbox summary and the menu badge. */
export function useStats() {
  const dataProvider = useCommands();
  return useQuery({ queryKey: ['kami', 'stats'], queryFn: () => dataProvider.getStats(), refetchInterval: STATS_POLL_MS });
}
