import { BooleanInput, Create, Edit, PasswordInput, SelectInput, SimpleForm, TextInput } from 'react-admin';
import { OperatorCreate as CreateSchema, OperatorUpdate as UpdateSchema } from '../../../domain/admin-schemas.js';
import { FormDraft } from '../common/FormDraft.js';
import { useSaveSuccess } from '../common/useSaveSuccess.js';
import { zodValidate } from '../common/zodValidate.js';
import { ROLE_CHOICES } from './roles.js';

export const OperatorCreate = () => {
  const onSuccess = useSaveSuccess('operators', 'created');
  return (
    <Create mutationOptions={{ onSuccess }}>
      <SimpleForm validate={zodValidate(CreateSchema)} defaultValues={{ role: 'operator' }} sx={{ maxWidth: 560 }}>
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
      <SimpleForm validate={zodValidate(UpdateSchema)} sx={{ maxWidth: 560 }}>
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
