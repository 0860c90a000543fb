import { BooleanInput, Create, Edit, PasswordInput, SelectInput, SimpleForm, TextInput } from 'react-admin';
import type { ZodType } from 'zod';
import { OperatorCreate as CreateSchema, OperatorUpdate as UpdateSchema } from '../../../domain/admin-schemas.js';
import { FormDraft } from '../common/FormDraft.js';
import { useSaveSuccess } from '../common/useSaveSuccess.js';
import { zodValidate } from '../common/zodValidate.js';
import { ROLE_CHOICES } from './roles.js';

/**
 * The server's schema, then the server's password-strength verdict (same estimator, same message) before
 * a round trip. The estimator's dictionaries (~1.6 MB) load on first use, as their own chunk, so the rest
 * of the panel never downloads them.
 */
const validateWithStrength = (schema: ZodType) => {
  const validate = zodValidate(schema);
  return async (values: { email?: string; name?: string; password?: string | null }) => {
    const errors = validate(values);
    if (errors.password || !values.password) return errors;
    const { passwordVerdict } = await import('../../../domain/password-strength.js');
    const { problem } = passwordVerdict(values.password, [values.email, values.name]);
    return problem ? { ...errors, password: problem } : errors;
  };
};
const validateCreate = validateWithStrength(CreateSchema);
const validateUpdate = validateWithStrength(UpdateSchema);

export const OperatorCreate = () => {
  const onSuccess = useSaveSuccess('operators', 'created');
  return (
    <Create mutationOptions={{ onSuccess }}>
      <SimpleForm validate={validateCreate} defaultValues={{ role: 'operator' }} sx={{ maxWidth: 560 }}>
        <TextInput source="email" type="email" />
        <TextInput source="name" />
        <SelectInput source="role" choices={ROLE_CHOICES} helperText="kami.operators.role_help" />
        <PasswordInput source="password" helperText="kami.operators.password_help" />
      </SimpleForm>
    </Create>
  );
};

/** A password typed here replaces the old one and signs the operator out everywhere; left empty it stays. */
export const OperatorEdit = () => {
  const onSuccess = useSaveSuccess('operators', 'updated');
  return (
    <Edit mutationMode="pessimistic" mutationOptions={{ onSuccess }}>
      <SimpleForm validate={validateUpdate} sx={{ maxWidth: 560 }}>
        <FormDraft />
        <TextInput source="email" type="email" />
        <TextInput source="name" />
        <SelectInput source="role" choices={ROLE_CHOICES} helperText="kami.operators.role_help" />
        <BooleanInput source="disabled" helperText="kami.operators.disabled_help" />
        <PasswordInput source="password" helperText="kami.operators.new_password_help" />
      </SimpleForm>
    </Edit>
  );
};
