import { Box, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { useTranslate } from 'react-admin';
import type { PaymentNotificationRecord } from '../types.js';

const Block = ({ label, children, testId }: { label: string; children: ReactNode; testId: string }) => {
  const translate = useTranslate();
  return (
    <Box sx={{ minWidth: 0 }}>
      <Typography variant="overline" color="text.secondary" sx={{ fontWeight: 700, lineHeight: 2 }}>{translate(label)}</Typography>
      <Box
        component="pre"
        data-testid={testId}
        sx={{
          m: 0, p: 1.25, bgcolor: 'grey.100', border: 1, borderColor: 'divider', borderRadius: 1, maxHeight: 320, overflow: 'auto',
          fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, monospace', fontSize: 12, lineHeight: 1.5,
          // exactly as received: every space and line break kept, long lines wrapped rather than cut
          whiteSpace: 'pre-wrap', overflowWrap: 'anywhere',
        }}
      >
        {children}
      </Box>
    </Box>
  );
};

/**
 * A notification or query answer exactly as Kami kept it, for a dispute: request line, source address,
 * headers and body as received. React renders it as text, so markup in a body shows as typed.
 */
/** Stands for nothing received, in a style no received byte can take. */
const Nothing = ({ text }: { text: string }) => {
  const translate = useTranslate();
  return <Box component="span" sx={{ fontStyle: 'italic', color: 'text.secondary', fontFamily: 'body1.fontFamily' }}>{translate(text)}</Box>;
};

export const RawNotification = ({ n }: { n: PaymentNotificationRecord }) => {
  const translate = useTranslate();
  const headers = Object.entries(n.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n');
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '2fr 3fr' }, gap: 2, py: 1, px: 1 }} data-testid="raw-notification">
      <Box sx={{ minWidth: 0 }}>
        <Block label="kami.payments.request" testId="raw-request">
          {[n.method, n.path].filter(Boolean).join(' ') || '—'}
          {n.sourceIp ? `\n${translate('kami.payments.source_ip', { ip: n.sourceIp })}` : ''}
          {n.detail ? `\n\n${n.detail}` : ''}
        </Block>
        <Box sx={{ mt: 1 }}>
          <Block label="kami.payments.headers" testId="raw-headers">{headers || <Nothing text="kami.payments.none" />}</Block>
        </Box>
      </Box>
      <Block label="kami.payments.body" testId="raw-body">{n.body === '' ? <Nothing text="kami.payments.empty_body" /> : n.body}</Block>
    </Box>
  );
};
