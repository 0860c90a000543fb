import { TextField } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { Decision } from '../types.js';

/** The note an operator leaves with a decision; it goes into the order's timeline and the audit log. */
export function DecisionNoteField({ decision, value, onChange }: { decision: Decision; value: string; onChange: (note: string) => void }) {
  const translate = useTranslate();
  return (
    <TextField
      label={translate('kami.decision.note')}
      helperText={translate(`kami.decision.note_help_${decision}`)}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      multiline
      minRows={2}
      autoFocus
      slotProps={{ htmlInput: { maxLength: 500, name: 'note' } }}
    />
  );
}
