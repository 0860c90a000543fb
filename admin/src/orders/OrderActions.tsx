import CancelIcon from '@mui/icons-material/CancelOutlined';
import OpenIcon from '@mui/icons-material/OpenInNew';
import ResendIcon from '@mui/icons-material/ForwardToInboxOutlined';
import SmsIcon from '@mui/icons-material/SmsOutlined';
import { Button, Stack } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';
import { ConfirmPaymentButton } from '../payments/ConfirmPaymentButton.js';
import { DecisionButtons } from '../reviews/DecisionButtons.js';
import type { OrderRecord } from '../types.js';
import { CommandButton } from './CommandButton.js';

/** What can be done to this order now, for this operator's role (entering goods sits with the decision buttons). */
export const OrderActions = () => {
  const record = useRecordContext<OrderRecord>();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <Stack direction="row" spacing={1} sx={{ flexWrap: 'wrap', alignItems: 'center', justifyContent: 'flex-end', rowGap: 1 }}>
      <DecisionButtons size="small" />
      <CommandButton command="resend" icon={<ResendIcon />} run={(dp, o) => dp.resendDelivery(o.id)} />
      <CommandButton command="resend_sms" icon={<SmsIcon />} run={(dp, o) => dp.resendSms(o.id)} />
      <ConfirmPaymentButton />
      <CommandButton command="cancel" icon={<CancelIcon />} color="error" run={(dp, o) => dp.cancelOrder(o.id)} />
      {record.temporalUrl && (
        <Button size="small" href={record.temporalUrl} target="_blank" rel="noreferrer" endIcon={<OpenIcon />} data-testid="temporal-link">
          {translate('kami.orders.open_temporal')}
        </Button>
      )}
    </Stack>
  );
};
