/** A key as operators see it: its last characters behind a mask (the server's hint may already start with "…"). */
export const maskHint = (hint: string) => `••••${hint.replace(/^…/, '')}`;
