import LinkOffIcon from '@mui/icons-material/LinkOffOutlined';
import TelegramIcon from '@mui/icons-material/Telegram';
import { Alert, Box, Card, CardContent, Chip, Stack, Typography } from '@mui/material';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Title, useGetIdentity, useLocaleState, useNotify, useTranslate, type HttpError } from 'react-admin';
import { Mono } from '../common/fields.js';
import { formatDateTime } from '../common/format.js';
import { useCommands } from '../common/useCommands.js';
import type { TelegramLinkCode } from '../types.js';

/**
 * The operator's Telegram link: a one-time code to send to the bot (or its t.me link), then the linked
 * account, which can be unlinked. Linked operators get the orders that need a person in Telegram, and
 * (with the operator role) decide them from its buttons.
 */
const TelegramCard = () => {
  const translate = useTranslate();
  const commands = useCommands();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [locale] = useLocaleState();
  const { data: state, refetch } = useQuery({ queryKey: ['telegram-link'], queryFn: () => commands.getTelegramLink() });
  const code = useMutation<TelegramLinkCode, HttpError>({ mutationFn: () => commands.createTelegramLinkCode(), onError: (e) => notify(e.message, { type: 'error' }) });
  const unlink = useMutation<void, HttpError>({
    mutationFn: () => commands.unlinkTelegram(),
    onSuccess: () => { code.reset(); notify('kami.profile.telegram.unlinked', { type: 'info' }); void queryClient.invalidateQueries({ queryKey: ['telegram-link'] }); },
    onError: (e) => notify(e.message, { type: 'error' }),
  });
  if (!state) return null;
  return (
    <Card variant="outlined" data-testid="telegram-card">
      <CardContent>
        <Stack direction="row" spacing={1} sx={{ mb: 1, alignItems: 'center' }}>
          <TelegramIcon color="primary" />
          <Typography variant="h6">Telegram</Typography>
          {state.linked && <Chip size="small" color="success" label={translate('kami.profile.telegram.linked', { username: state.username ? `@${state.username}` : '' })} />}
        </Stack>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>{translate('kami.profile.telegram.what')}</Typography>
        {!state.configured && <Alert severity="info">{translate('kami.profile.telegram.not_configured')}</Alert>}
        {state.configured && state.linked && (
          <Stack spacing={1} sx={{ alignItems: 'flex-start' }}>
            {state.linkedAt && <Typography variant="body2">{translate('kami.profile.telegram.linked_at', { at: formatDateTime(state.linkedAt, locale) })}</Typography>}
            <Button label="kami.profile.telegram.unlink" variant="outlined" color="error" startIcon={<LinkOffIcon />} onClick={() => unlink.mutate()} disabled={unlink.isPending} />
          </Stack>
        )}
        {state.configured && !state.linked && (
          <Stack spacing={1.5} sx={{ alignItems: 'flex-start' }}>
            {!code.data && <Button label="kami.profile.telegram.make_code" variant="contained" onClick={() => code.mutate()} disabled={code.isPending} data-testid="telegram-make-code" />}
            {code.data && (
              <Box data-testid="telegram-code">
                <Typography variant="body2" sx={{ mb: 1 }}>{translate('kami.profile.telegram.send_this', { bot: state.bot ? `@${state.bot}` : 'the bot' })}</Typography>
                <Mono>{code.data.command}</Mono>
                {code.data.deepLink && (
                  <Typography variant="body2" sx={{ mt: 1 }}>
                    {translate('kami.profile.telegram.or_open')} <a href={code.data.deepLink} target="_blank" rel="noreferrer">{code.data.deepLink}</a>
                  </Typography>
                )}
                <Typography variant="caption" color="text.secondary" sx={{ mt: 1, display: 'block' }}>
                  {translate('kami.profile.telegram.expires', { at: formatDateTime(code.data.expiresAt, locale) })}
                </Typography>
                <Button label="kami.profile.telegram.check" onClick={() => void refetch()} sx={{ mt: 1 }} />
              </Box>
            )}
          </Stack>
        )}
      </CardContent>
    </Card>
  );
};

export const ProfilePage = () => {
  const translate = useTranslate();
  const { identity } = useGetIdentity();
  return (
    <Box sx={{ p: 2, maxWidth: 720 }}>
      <Title title="kami.profile.title" />
      <Typography variant="h5" sx={{ mb: 0.5 }}>{identity?.fullName}</Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>{translate('kami.profile.subtitle')}</Typography>
      <TelegramCard />
    </Box>
  );
};
