import AddIcon from '@mui/icons-material/AddOutlined';
import DeleteIcon from '@mui/icons-material/DeleteOutlined';
import EditIcon from '@mui/icons-material/EditOutlined';
import {
  Alert, Button, Card, CardContent, Chip, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, IconButton, Stack, Table, TableBody,
  TableCell, TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useCanAccess, useLocaleState, useNotify, useRecordContext, useTranslate, type HttpError } from 'react-admin';
import { formatMinor, parseMajor } from '../../../domain/money.js';
import { PriceTiersSchema, priceOrder } from '../../../domain/pricing.js';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { Mono } from '../common/fields.js';
import { formatMoney } from '../common/format.js';
import { useCommands } from '../common/useCommands.js';
import type { ChannelPriceRow, ChannelRecord } from '../types.js';

interface Draft { minQuantity: string; unitPrice: string }

/** The tiers as typed, in the product's units (`9.50`), as the server takes them (minor units), or null for a row that is not a number yet. */
const parsed = (rows: Draft[], currency: string) => rows.map((r) => ({
  minQuantity: /^\d+$/.test(r.minQuantity.trim()) ? Number(r.minQuantity) : Number.NaN,
  unitPriceMinor: parseMajor(r.unitPrice, currency) ?? Number.NaN,
}));

/** Edits one product's tiers; the preview prices sample quantities with domain/pricing.ts, as the server will. */
const TiersDialog = ({ channelId, row, onClose }: { channelId: string; row: ChannelPriceRow; onClose: () => void }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const notify = useNotify();
  const queries = useQueryClient();
  const commands = useCommands();
  const [rows, setRows] = useState<Draft[]>(row.tiers.length
    ? row.tiers.map((t) => ({ minQuantity: String(t.minQuantity), unitPrice: formatMinor(t.unitPriceMinor, row.currency) }))
    : [{ minQuantity: '1', unitPrice: formatMinor(row.listPriceMinor, row.currency) }]);
  const tiers = parsed(rows, row.currency);
  const check = PriceTiersSchema.safeParse(tiers);
  const problemAt = (i: number, field: string) => check.error?.issues.find((p) => p.path[0] === i && p.path[1] === field);
  const save = useMutation<unknown, HttpError>({
    mutationFn: () => commands.setChannelPrices(channelId, row.productId, tiers),
    onSuccess: () => { notify('kami.channels.prices.saved', { type: 'success' }); void queries.invalidateQueries({ queryKey: ['channel-prices', channelId] }); onClose(); },
  });
  const set = (i: number, patch: Partial<Draft>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const samples = [1, 10, 100, 1000];
  return (
    <Dialog open onClose={save.isPending ? undefined : onClose} fullWidth maxWidth="sm" data-testid="channel-prices-dialog">
      <DialogTitle>{translate('kami.channels.prices.edit_title', { name: row.name })}</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>
          {translate('kami.channels.prices.edit_text', { list: formatMoney(row.listPriceMinor, row.currency, locale) })}
        </DialogContentText>
        <Stack spacing={1.5}>
          {rows.map((r, i) => (
            <Stack key={i} direction="row" spacing={1} sx={{ alignItems: 'flex-start' }} data-testid={`tier-${i}`}>
              <TextField
                size="small" label={translate('kami.channels.prices.min_quantity')} value={r.minQuantity} onChange={(e) => set(i, { minQuantity: e.target.value })}
                error={!!problemAt(i, 'minQuantity')} helperText={problemAt(i, 'minQuantity')?.message ?? ' '} slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': `tier-${i}-min` } }}
              />
              <TextField
                size="small" label={translate('kami.channels.prices.unit_price', { currency: row.currency })} value={r.unitPrice} onChange={(e) => set(i, { unitPrice: e.target.value })}
                error={!!problemAt(i, 'unitPriceMinor')} helperText={problemAt(i, 'unitPriceMinor') ? translate('kami.channels.prices.price_invalid') : ' '}
                slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': `tier-${i}-price` } }}
              />
              <IconButton onClick={() => setRows(rows.filter((_, j) => j !== i))} aria-label={translate('ra.action.delete')}><DeleteIcon /></IconButton>
            </Stack>
          ))}
          <Button startIcon={<AddIcon />} onClick={() => setRows([...rows, { minQuantity: '', unitPrice: '' }])} sx={{ alignSelf: 'flex-start' }} data-testid="tier-add">
            {translate('kami.channels.prices.add_tier')}
          </Button>
        </Stack>
        {check.success && (
          <Alert severity="info" sx={{ mt: 2 }} data-testid="tier-preview">
            {samples.map((q) => {
              const p = priceOrder({ listUnitMinor: row.listPriceMinor, currency: row.currency, quantity: q, channel: { id: channelId, tiers: check.data } });
              return <div key={q}>{translate('kami.channels.prices.preview', { quantity: q, unit: formatMoney(p.unitMinor, row.currency, locale), total: formatMoney(p.totalMinor, row.currency, locale) })}</div>;
            })}
          </Alert>
        )}
        {save.error && <ErrorAlert error={save.error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={save.isPending}>{translate('ra.action.cancel')}</Button>
        <Button variant="contained" onClick={() => save.mutate()} disabled={save.isPending || !check.success} data-testid="tiers-save">{translate('ra.action.save')}</Button>
      </DialogActions>
    </Dialog>
  );
};

/** The channel's price list: every product's tiers (in the product's currency) against its list price. */
export const ChannelPrices = () => {
  const record = useRecordContext<ChannelRecord>()!;
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const commands = useCommands();
  const { canAccess } = useCanAccess({ resource: 'channels', action: 'prices' });
  const [editing, setEditing] = useState<ChannelPriceRow | null>(null);
  const { data: rows = [], error } = useQuery<ChannelPriceRow[], HttpError>({ queryKey: ['channel-prices', record.id], queryFn: () => commands.getChannelPrices(record.id) });
  const money = (minor: number, currency: string) => formatMoney(minor, currency, locale);
  return (
    <Card>
      <CardContent>
        <Typography variant="subtitle2">{translate('kami.channels.prices.title')}</Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>{translate('kami.channels.prices.help')}</Typography>
        {error && <ErrorAlert error={error} />}
        <Table size="small" data-testid="channel-prices">
          <TableHead>
            <TableRow>
              <TableCell>{translate('kami.channels.prices.product')}</TableCell>
              <TableCell align="right">{translate('kami.channels.prices.list')}</TableCell>
              <TableCell>{translate('kami.channels.prices.tiers')}</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((p) => (
              <TableRow key={p.productId} data-sku={p.sku}>
                <TableCell>{p.name} <Mono>({p.sku})</Mono></TableCell>
                <TableCell align="right">{money(p.listPriceMinor, p.currency)}</TableCell>
                <TableCell>
                  {p.tiers.length ? (
                    <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap' }}>
                      {p.tiers.map((t) => (
                        <Chip key={t.minQuantity} size="small" variant="outlined" data-min={t.minQuantity}
                          label={translate(t.maxQuantity === null ? 'kami.channels.prices.tier_open' : 'kami.channels.prices.tier_range',
                            { min: t.minQuantity, max: t.maxQuantity ?? '', price: money(t.unitPriceMinor, p.currency) })} />
                      ))}
                    </Stack>
                  ) : <Typography variant="body2" color="text.secondary">{translate('kami.channels.prices.none')}</Typography>}
                </TableCell>
                <TableCell align="right">
                  {canAccess && (
                    <Button size="small" startIcon={<EditIcon />} onClick={() => setEditing(p)} data-testid={`prices-edit-${p.sku}`}>{translate('ra.action.edit')}</Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
      {editing && <TiersDialog channelId={record.id} row={editing} onClose={() => setEditing(null)} />}
    </Card>
  );
};
