import { Alert, Box, Chip, Stack, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useWatch } from 'react-hook-form';
import { ArrayInput, BooleanInput, SimpleFormIterator, TextInput, useTranslate } from 'react-admin';
import { SMS_PLACEHOLDERS } from '../../../domain/sms.js';
import { useCommands } from '../common/useCommands.js';

/** What Kami fills in for each placeholder (domain/sms.ts SMS_PLACEHOLDERS), `{keys}` only where the product allows it. */
const Placeholders = ({ keysAllowed }: { keysAllowed: boolean }) => {
  const translate = useTranslate();
  return (
    <Box data-testid="sms-placeholders">
      <Typography variant="caption" color="text.secondary">{translate('kami.sms.placeholders')}</Typography>
      <Stack direction="row" spacing={1} sx={{ flexWrap: 'wrap', rowGap: 1, mt: 0.5 }}>
        {SMS_PLACEHOLDERS.map((p) => {
          const off = p === 'keys' && !keysAllowed;
          return (
            <Chip
              key={p} size="small" variant="outlined" color={off ? 'default' : 'primary'} disabled={off}
              label={<><Box component="code" sx={{ fontWeight: 700 }}>{`{${p}}`}</Box> {translate(`kami.sms.placeholder.${p}`)}</>}
              title={off ? translate('kami.sms.keys_not_allowed') : undefined}
            />
          );
        })}
      </Stack>
    </Box>
  );
};

/**
 * A product's SMS to its buyer, beside the email: on or off, whether keys may travel in it, and the
 * message for the configured provider (Twilio a text, Aliyun an approved template and its variables).
 * Which settings fit together is domain/sms.ts's: the server answers with each field's problem, and
 * react-admin shows it under that field.
 */
export const SmsSection = () => {
  const translate = useTranslate();
  const commands = useCommands();
  const { data: config, error } = useQuery({ queryKey: ['sms-config'], queryFn: () => commands.getSmsConfig(), staleTime: 60_000 });
  const [enabled, keysAllowed] = useWatch({ name: ['smsEnabled', 'smsKeysAllowed'] }) as [boolean | undefined, boolean | undefined];
  if (error) return <Alert severity="error">{translate('kami.sms.config_error')}</Alert>;
  if (!config) return null;
  const provider = config.provider;

  return (
    <Stack spacing={1.5} sx={{ width: '100%' }} data-testid="sms-section" data-provider={provider ?? 'none'}>
      {provider
        ? <Typography variant="body2" color="text.secondary">{translate('kami.sms.intro', { provider: translate(`kami.sms.provider.${provider}`) })}</Typography>
        : <Alert severity="info" data-testid="sms-no-provider">{translate('kami.sms.no_provider')}</Alert>}
      <BooleanInput
        source="smsEnabled" label="kami.sms.enabled"
        // with no provider it cannot be turned on; one left on from before can still be turned off
        disabled={!provider && !enabled}
        helperText={provider ? 'kami.sms.enabled_help' : 'kami.sms.enabled_no_provider'}
      />
      {provider && (
        <>
          <BooleanInput source="smsKeysAllowed" label="kami.sms.keys_allowed" helperText="kami.sms.keys_allowed_help" />
          <Alert severity="warning" data-testid="sms-keys-warning">
            {translate(keysAllowed ? 'kami.sms.insecure_on' : 'kami.sms.insecure_off')}
          </Alert>
          <Placeholders keysAllowed={Boolean(keysAllowed)} />
        </>
      )}
      {provider === 'twilio' && (
        <TextInput
          source="smsText" label="kami.sms.text" multiline minRows={3}
          helperText={translate('kami.sms.text_help', { max: config.textMax })}
          placeholder={translate('kami.sms.text_example')}
        />
      )}
      {provider === 'aliyun' && (
        <>
          <TextInput source="smsTemplateCode" label="kami.sms.template_code" helperText="kami.sms.template_code_help" sx={{ maxWidth: 360 }} />
          <ArrayInput source="smsTemplateParams" label="kami.sms.template_params" helperText={translate('kami.sms.template_params_help', { max: config.paramsMax })}>
            <SimpleFormIterator inline disableReordering>
              <TextInput source="name" label="kami.sms.param_name" helperText="kami.sms.param_name_help" />
              <TextInput source="value" label="kami.sms.param_value" helperText="kami.sms.param_value_help" sx={{ minWidth: 320 }} />
            </SimpleFormIterator>
          </ArrayInput>
        </>
      )}
    </Stack>
  );
};
