import type { ZodType } from 'zod';

/**
 * Turns a server schema from domain/admin-schemas into a react-admin form validator, so the form refuses
 * exactly what the server would, with the same messages, before a round trip.
 */
export const zodValidate = (schema: ZodType) => (values: object) => {
  const result = schema.safeParse(values);
  const errors: Record<string, string> = {};
  if (!result.success) for (const issue of result.error.issues) errors[issue.path.join('.')] ??= issue.message;
  return errors;
};
