import ApproveIcon from '@mui/icons-material/DoneAll';
import RejectIcon from '@mui/icons-material/RemoveDone';
import { Button } from '@mui/material';
import { useState } from 'react';
import { useListContext, useTranslate } from 'react-admin';
import type { Decision } from '../types.js';
import { BulkDecisionDialog } from './BulkDecisionDialog.js';

export const BulkDecisionButtons = () => {
  const translate = useTranslate();
  const { selectedIds } = useListContext();
  const [decision, setDecision] = useState<Decision | null>(null);
  return (
    <>
      <Button size="small" startIcon={<ApproveIcon />} onClick={() => setDecision('approve')} data-testid="bulk-approve">
        {translate('kami.decision.bulk_approve')}
      </Button>
      <Button size="small" color="error" startIcon={<RejectIcon />} onClick={() => setDecision('reject')} data-testid="bulk-reject">
        {translate('kami.decision.bulk_reject')}
      </Button>
      {decision && <BulkDecisionDialog ids={selectedIds} decision={decision} onClose={() => setDecision(null)} />}
    </>
  );
};
