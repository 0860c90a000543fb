/** Escapes text for HTML (buyer pages, emails): merchant and buyer text never becomes markup. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
