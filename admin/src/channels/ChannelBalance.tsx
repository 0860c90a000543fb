import AddIcon from '@mui/icons-material/AddCardOutlined';
import {
  Box, Button, Card, CardContent, Chip, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, MenuItem, Stack, Table, TableBody,
  TableCell, TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useCanAccess, useGetList, useLocaleState, useNotify, useRecordContext, useRefresh, useTranslate, type HttpError } from 'react-admin';
import { LedgerEntryInput } from '../../../domain/channels.js';
import { parseMajor } from '../../../domain/money.js';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { Mono } from '../common/fields.js';
import { formatDateTime } from '../common/format.js';
import { useCommands } from '../common/useCommands.js';
import { MoneyOf } from '../payments/MoneyOf.js';
import type { ChannelLedgerRecord, ChannelRecord } from '../types.js';

/** The last entries shown; the whole ledger is the channel-ledger resource. */
const SHOWN = 50;

/** An amount typed in the currency's own units, signed: `-12.50` → -1250 (CNY); null when it is not one. */
function signedMinor(text: string, currency: string): number | null {
  const t = text.trim();
  const negative = t.startsWith('-');
  const minor = parseMajor(negative ? t.slice(1) : t, currency);
  return minor === null ? null : negative ? -minor : minor;
}

/** An owner's deposit or adjustment, checked by the server's own schema before it is sent. */
const EntryDialog = ({ open, onClose, currencies }: { open: boolean; onClose: () => void; currencies: string[] }) => {
  const record = useRecordContext<ChannelRecord>()!;
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const commands = useCommands();
  const [kind, setKind] = useState<'deposit' | 'adjustment'>('deposit');
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState(currencies[0] ?? 'CNY');
  const [note, setNote] = useState('');
  const minor = signedMinor(amount, currency.trim().toUpperCase() || 'XXX');
  const body = { amountCents: minor ?? Number.NaN, currency, kind, note };
  const problems = LedgerEntryInput.safeParse(body).error?.issues ?? [];
  const problem = (field: string) => problems.find((i) => i.path[0] === field)?.message;
  const post = useMutation<ChannelLedgerRecord, HttpError>({
    mutationFn: () => commands.postLedgerEntry(record.id, { ...body, amountCents: minor!, note: note.trim() }),
    onSuccess: () => { notify('kami.channels.balance.posted', { type: 'success' }); onClose(); refresh(); },
  });
  const touched = amount.trim() !== '';
  return (
    <Dialog open={open} onClose={post.isPending ? undefined : onClose} fullWidth maxWidth="sm" data-testid="channel-ledger-dialog">
      <DialogTitle>{translate('kami.channels.balance.entry_title')}</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>{translate('kami.channels.balance.entry_text')}</DialogContentText>
        <Stack spacing={2}>
          <TextField select label={translate('kami.channels.balance.kind_label')} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} data-testid="ledger-kind">
            {(['deposit', 'adjustment'] as const).map((k) => <MenuItem key={k} value={k}>{translate(`kami.channels.balance.kind.${k}`)}</MenuItem>)}
          </TextField>
          <Stack direction="row" spacing={2}>
            <TextField
              label={translate('kami.channels.balance.amount')} value={amount} onChange={(e) => setAmount(e.target.value)} sx={{ flex: 1 }}
              error={touched && (minor === null || !!problem('amountCents'))} slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': 'ledger-amount' } }}
              helperText={touched && minor === null ? translate('kami.channels.balance.amount_invalid') : (touched && problem('amountCents')) || translate(`kami.channels.balance.amount_help_${kind}`)}
            />
            <TextField
              label={translate('kami.channels.balance.currency')} value={currency} onChange={(e) => setCurrency(e.target.value.toUpperCase())} sx={{ width: 140 }}
              error={!!problem('currency')} helperText={problem('currency') ?? ' '} slotProps={{ htmlInput: { 'data-testid': 'ledger-currency' } }}
            />
          </Stack>
          <TextField
            label={translate('kami.channels.balance.note')} value={note} onChange={(e) => setNote(e.target.value)} multiline minRows={2}
            error={touched && !!problem('note')} helperText={(touched && problem('note')) || translate('kami.channels.balance.note_help')} slotProps={{ htmlInput: { 'data-testid': 'ledger-note' } }}
          />
        </Stack>
        {post.error && <ErrorAlert error={post.error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={post.isPending}>{translate('ra.action.cancel')}</Button>
        <Button variant="contained" onClick={() => post.mutate()} disabled={post.isPending || minor === null || problems.length > 0} data-testid="ledger-submit">
          {translate(`kami.channels.balance.submit_${kind}`)}
        </Button>
      </DialogActions>
    </Dialog>
  );
};

/** The channel's balance per currency and its latest ledger entries with the running balance; owners add entries. */
export const ChannelBalance = () => {
  const record = useRecordContext<ChannelRecord>()!;
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const { canAccess } = useCanAccess({ resource: 'channels', action: 'ledger' });
  const [open, setOpen] = useState(false);
  const { data: entries = [] } = useGetList<ChannelLedgerRecord>('channel-ledger', {
    filter: { channelId: record.id }, sort: { field: 'id', order: 'DESC' }, pagination: { page: 1, perPage: SHOWN },
  });
  return (
    <Card>
      <CardContent>
        <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center', mb: 1 }}>
          <Typography variant="subtitle2">{translate('kami.channels.balance.title')}</Typography>
          {canAccess && (
            <Button size="small" variant="outlined" startIcon={<AddIcon />} onClick={() => setOpen(true)} data-testid="channel-ledger-add">
              {translate('kami.channels.balance.add')}
            </Button>
          )}
        </Stack>
        <Stack direction="row" spacing={1} sx={{ mb: 2 }} data-testid="channel-balances">
          {record.balances.length
            ? record.balances.map((b) => (
              <Chip key={b.currency} color="primary" variant="outlined" data-currency={b.currency} label={<Box component="span" sx={{ fontWeight: 600 }}><MoneyOf minor={b.balanceMinor} currency={b.currency} /></Box>} />
            ))
            : <Typography variant="body2" color="text.secondary">{translate('kami.channels.balance.none')}</Typography>}
        </Stack>
        {entries.length > 0 && (
          <Table size="small" data-testid="channel-ledger">
            <TableHead>
              <TableRow>
                {['when', 'kind', 'amount', 'balance_after', 'note', 'by'].map((h) => (
                  <TableCell key={h} align={h === 'amount' || h === 'balance_after' ? 'right' : 'left'}>{translate(`kami.channels.balance.col.${h}`)}</TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {entries.map((e) => (
                <TableRow key={e.id} data-kind={e.kind}>
                  <TableCell>{formatDateTime(e.createdAt, locale)}</TableCell>
                  <TableCell>{translate(`kami.channels.balance.kind.${e.kind}`)}</TableCell>
                  <TableCell align="right" sx={{ color: e.amountMinor < 0 ? 'error.main' : 'success.main' }}>
                    {e.amountMinor > 0 ? '+' : ''}<MoneyOf minor={e.amountMinor} currency={e.currency} />
                  </TableCell>
                  <TableCell align="right"><MoneyOf minor={e.balanceAfter} currency={e.currency} /></TableCell>
                  <TableCell>
                    {e.orderId ? <Link to={`/orders/${e.orderId}/show`}><Mono>{e.orderId}</Mono></Link> : e.note}
                  </TableCell>
                  <TableCell><Typography variant="caption" color="text.secondary">{e.createdBy}</Typography></TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
      {open && <EntryDialog open onClose={() => setOpen(false)} currencies={record.balances.map((b) => b.currency)} />}
    </Card>
  );
};
