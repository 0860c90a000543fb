import ApproveIcon from '@mui/icons-material/CheckCircleOutlined';
import RejectIcon from '@mui/icons-material/DoNotDisturbOnOutlined';
import { Button, Stack } from '@mui/material';
import { useState } from 'react';
import { useCanAccess, useRecordContext, useTranslate } from 'react-admin';
import { DeliverGoodsButton } from '../orders/DeliverGoodsButton.js';
import { accepts } from '../../../domain/order-commands.js';
import type { Decision, OrderRecord } from '../types.js';
import { DecisionDialog } from './DecisionDialog.js';

/** Approve / Reject for the record in context; absent for roles that may not decide and for decided orders. */
export const DecisionButtons = ({ size = 'small' }: { size?: 'small' | 'medium' }) => {
  const record = useRecordContext<OrderRecord>();
  const translate = useTranslate();
  const { canAccess } = useCanAccess({ resource: 'reviews', action: 'decide' });
  const [decision, setDecision] = useState<Decision | null>(null);
  if (!record || !canAccess || !accepts('approve', record)) return null;
  // Stop clicks from reaching the row, whose click expands it.
  return (
    <Stack direction="row" spacing={1} onClick={(e) => e.stopPropagation()} sx={{ justifyContent: 'flex-end' }}>
      <Button size={size} variant="contained" startIcon={<ApproveIcon />} onClick={() => setDecision('approve')} data-testid="approve">
        {translate('kami.decision.approve')}
      </Button>
      <Button size={size} variant="outlined" color="error" startIcon={<RejectIcon />} onClick={() => setDecision('reject')} data-testid="reject">
        {translate('kami.decision.reject')}
      </Button>
      <DeliverGoodsButton />
      {decision && <DecisionDialog order={record} decision={decision} onClose={() => setDecision(null)} />}
    </Stack>
  );
};
