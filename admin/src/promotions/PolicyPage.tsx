import DownIcon from '@mui/icons-material/ArrowDownwardOutlined';
import UpIcon from '@mui/icons-material/ArrowUpwardOutlined';
import {
  Alert, Box, Button, Card, CardContent, Checkbox, FormControlLabel, Grid, IconButton, List, ListItem, ListItemText, MenuItem, Stack, Switch, TextField,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { Loading, Title, useCanAccess, useGetOne, useLocaleState, useNotify, useTranslate, useUpdate, type HttpError } from 'react-admin';
import { parseMajor } from '../../../domain/money.js';
import { PriceError, priceOrder, type PriceBreakdown } from '../../../domain/pricing.js';
import { KIND_PAIRS, PROMOTION_KINDS, StackingPolicySchema, type PromotionKind, type StackingPolicy } from '../../../domain/promotions.js';
import { ErrorAlert } from '../common/ErrorAlert.js';
import { formatDateTime } from '../common/format.js';
import { PriceBreakdownView } from './PriceBreakdownView.js';
import type { PromotionPolicyRecord } from './types.js';

/** The live example's inputs, as typed (major units), so the owner sees what a policy does before saving it. */
interface Example {
  list: string; quantity: string; cost: string;
  sale: 'none' | 'price' | 'percent'; saleValue: string;
  tierFrom: string; tierPrice: string;
  coupon: 'none' | 'percent' | 'fixed'; couponValue: string;
}
const EXAMPLE: Example = { list: '100.00', quantity: '10', cost: '60.00', sale: 'price', saleValue: '85.00', tierFrom: '10', tierPrice: '90.00', coupon: 'percent', couponValue: '10' };
const CURRENCY = 'CNY';

/** Prices the example with the policy being edited: domain/pricing.ts, exactly as checkout will. */
function priceExample(e: Example, policy: StackingPolicy): PriceBreakdown | string {
  const minor = (v: string) => parseMajor(v, CURRENCY);
  const whole = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v) : null);
  const list = minor(e.list), quantity = whole(e.quantity), cost = minor(e.cost || '0');
  if (list === null || quantity === null || quantity < 1 || cost === null) return 'kami.promotions.example_invalid';
  const saleValue = e.sale === 'price' ? minor(e.saleValue) : whole(e.saleValue);
  const couponValue = e.coupon === 'fixed' ? minor(e.couponValue) : whole(e.couponValue);
  const tierFrom = whole(e.tierFrom), tierPrice = minor(e.tierPrice);
  if ((e.sale !== 'none' && saleValue === null) || (e.coupon !== 'none' && couponValue === null)) return 'kami.promotions.example_invalid';
  try {
    return priceOrder({
      listUnitMinor: list, currency: CURRENCY, quantity, costMinor: cost, policy,
      sales: e.sale === 'none' ? [] : [{ id: 1, label: 'Flash', ...(e.sale === 'price' ? { priceMinor: saleValue! } : { percentOff: saleValue! }) }],
      ...(tierFrom !== null && tierFrom >= 1 && tierPrice !== null ? { channel: { id: 'retail', tiers: [{ minQuantity: tierFrom, unitPriceMinor: tierPrice }] } } : {}),
      ...(e.coupon === 'none' ? {} : { coupon: { id: 1, code: 'SPRING', ...(e.coupon === 'percent' ? { percentOff: couponValue! } : { amountOffMinor: couponValue! }) } }),
    });
  } catch (err) {
    if (err instanceof PriceError) return 'kami.promotions.example_invalid';
    throw err;
  }
}

const PolicyForm = ({ record }: { record: PromotionPolicyRecord }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const notify = useNotify();
  const { canAccess: canEdit } = useCanAccess({ resource: 'promotion-policy', action: 'edit' });
  const [policy, setPolicy] = useState<StackingPolicy>(record.policy);
  const [example, setExample] = useState<Example>(EXAMPLE);
  const [update, { isPending, error }] = useUpdate<PromotionPolicyRecord, HttpError>();
  useEffect(() => setPolicy(record.policy), [record]);
  const check = StackingPolicySchema.safeParse(policy);
  const kind = (k: PromotionKind) => translate(`kami.promotions.kind.${k}`);
  const move = (i: number, by: number) => {
    const order = [...policy.order];
    [order[i], order[i + by]] = [order[i + by]!, order[i]!];
    setPolicy({ ...policy, order });
  };
  const priced = priceExample(example, policy);
  const ex = (field: keyof Example) => ({
    value: example[field], size: 'small' as const, onChange: (ev: { target: { value: string } }) => setExample({ ...example, [field]: ev.target.value }),
    slotProps: { htmlInput: { 'data-testid': `example-${field}` } },
  });
  const save = () => update('promotion-policy', { id: 'shop', data: { policy }, previousData: record }, {
    mutationMode: 'pessimistic',
    onSuccess: () => notify('kami.promotions.policy_saved', { type: 'success' }),
  });

  return (
    <Grid container spacing={2} sx={{ mt: 1 }}>
      <Grid size={{ xs: 12, md: 6 }}>
        <Card>
          <CardContent>
            <Typography variant="subtitle2">{translate('kami.promotions.order_title')}</Typography>
            <Typography variant="body2" color="text.secondary">{translate('kami.promotions.order_help')}</Typography>
            <List dense data-testid="policy-order">
              {policy.order.map((k, i) => (
                <ListItem key={k} data-kind={k} secondaryAction={canEdit && (
                  <>
                    <IconButton size="small" disabled={i === 0} onClick={() => move(i, -1)} aria-label={translate('kami.promotions.move_up', { kind: kind(k) })} data-testid={`order-up-${k}`}><UpIcon /></IconButton>
                    <IconButton size="small" disabled={i === policy.order.length - 1} onClick={() => move(i, 1)} aria-label={translate('kami.promotions.move_down', { kind: kind(k) })}><DownIcon /></IconButton>
                  </>
                )}>
                  <ListItemText primary={`${i + 1}. ${kind(k)}`} />
                </ListItem>
              ))}
            </List>

            <Typography variant="subtitle2" sx={{ mt: 2 }}>{translate('kami.promotions.combine_title')}</Typography>
            <Typography variant="body2" color="text.secondary">{translate('kami.promotions.combine_help')}</Typography>
            <Stack>
              {KIND_PAIRS.map((pair) => {
                const [a, b] = pair.split('+') as [PromotionKind, PromotionKind];
                return (
                  <FormControlLabel key={pair} disabled={!canEdit}
                    control={<Switch checked={policy.combine[pair]} onChange={(e) => setPolicy({ ...policy, combine: { ...policy.combine, [pair]: e.target.checked } })} slotProps={{ input: { 'data-testid': `combine-${pair}` } as object }} />}
                    label={translate('kami.promotions.combine_pair', { a: kind(a), b: kind(b) })} />
                );
              })}
            </Stack>

            <Typography variant="subtitle2" sx={{ mt: 2 }}>{translate('kami.promotions.exclusive_title')}</Typography>
            <Typography variant="body2" color="text.secondary">{translate('kami.promotions.exclusive_help')}</Typography>
            <Stack direction="row" useFlexGap sx={{ flexWrap: 'wrap' }}>
              {PROMOTION_KINDS.map((k) => (
                <FormControlLabel key={k} disabled={!canEdit} label={kind(k)}
                  control={<Checkbox checked={policy.exclusive.includes(k)} slotProps={{ input: { 'data-testid': `exclusive-${k}` } as object }}
                    onChange={(e) => setPolicy({ ...policy, exclusive: e.target.checked ? [...policy.exclusive, k] : policy.exclusive.filter((x) => x !== k) })} />} />
              ))}
            </Stack>

            <Typography variant="subtitle2" sx={{ mt: 2 }}>{translate('kami.promotions.floor_title')}</Typography>
            <Typography variant="body2" color="text.secondary">{translate('kami.promotions.floor_help')}</Typography>
            <FormControlLabel disabled={!canEdit} label={translate('kami.promotions.floor_cost')}
              control={<Switch checked={policy.floor.cost} onChange={(e) => setPolicy({ ...policy, floor: { ...policy.floor, cost: e.target.checked } })} slotProps={{ input: { 'data-testid': 'floor-cost' } as object }} />} />
            <TextField size="small" type="number" disabled={!canEdit} label={translate('kami.promotions.floor_min')} value={policy.floor.minPercentOfList}
              onChange={(e) => setPolicy({ ...policy, floor: { ...policy.floor, minPercentOfList: e.target.value === '' ? 0 : Number(e.target.value) } })}
              error={!check.success} helperText={check.success ? translate('kami.promotions.floor_min_help') : check.error.issues[0]?.message}
              slotProps={{ htmlInput: { min: 0, max: 100, step: 1, 'data-testid': 'floor-min' } }} sx={{ mt: 1, display: 'flex', maxWidth: 320 }} />

            {error && <ErrorAlert error={error} />}
            <Stack direction="row" spacing={2} sx={{ mt: 2, alignItems: 'center' }}>
              {canEdit
                ? <Button variant="contained" onClick={save} disabled={isPending || !check.success} data-testid="policy-save">{translate('ra.action.save')}</Button>
                : <Alert severity="info" sx={{ flex: 1 }}>{translate('kami.promotions.owner_only')}</Alert>}
              <Typography variant="body2" color="text.secondary" data-testid="policy-version">
                {record.version === 0 || !record.updatedAt
                  ? translate('kami.promotions.never_saved')
                  : translate('kami.promotions.version', { version: record.version, by: record.updatedBy ?? '—', at: formatDateTime(record.updatedAt, locale) })}
              </Typography>
            </Stack>
          </CardContent>
        </Card>
      </Grid>

      <Grid size={{ xs: 12, md: 6 }}>
        <Card>
          <CardContent>
            <Typography variant="subtitle2">{translate('kami.promotions.example_title')}</Typography>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>{translate('kami.promotions.example_help', { currency: CURRENCY })}</Typography>
            <Stack spacing={1.5}>
              <Stack direction="row" spacing={1}>
                <TextField label={translate('kami.promotions.example_list')} {...ex('list')} />
                <TextField label={translate('kami.promotions.example_quantity')} {...ex('quantity')} />
                <TextField label={translate('kami.promotions.example_cost')} {...ex('cost')} />
              </Stack>
              <Stack direction="row" spacing={1}>
                <TextField select label={translate('kami.promotions.kind.sale')} {...ex('sale')} sx={{ minWidth: 160 }}>
                  <MenuItem value="none">{translate('kami.promotions.example_none')}</MenuItem>
                  <MenuItem value="price">{translate('kami.promotions.sale_kind_price')}</MenuItem>
                  <MenuItem value="percent">{translate('kami.promotions.percent_off')}</MenuItem>
                </TextField>
                <TextField label={translate('kami.promotions.example_value')} {...ex('saleValue')} disabled={example.sale === 'none'} />
              </Stack>
              <Stack direction="row" spacing={1}>
                <TextField label={translate('kami.promotions.example_tier_from')} {...ex('tierFrom')} />
                <TextField label={translate('kami.promotions.example_tier_price')} {...ex('tierPrice')} />
              </Stack>
              <Stack direction="row" spacing={1}>
                <TextField select label={translate('kami.promotions.kind.coupon')} {...ex('coupon')} sx={{ minWidth: 160 }}>
                  <MenuItem value="none">{translate('kami.promotions.example_none')}</MenuItem>
                  <MenuItem value="percent">{translate('kami.promotions.percent_off')}</MenuItem>
                  <MenuItem value="fixed">{translate('kami.promotions.amount_off')}</MenuItem>
                </TextField>
                <TextField label={translate('kami.promotions.example_value')} {...ex('couponValue')} disabled={example.coupon === 'none'} />
              </Stack>
            </Stack>
            <Box sx={{ mt: 2, p: 1.5, bgcolor: 'action.hover', borderRadius: 1 }}>
              {typeof priced === 'string'
                ? <Typography variant="body2" color="error">{translate(priced)}</Typography>
                : check.success && <PriceBreakdownView breakdown={priced} testId="policy-example" />}
            </Box>
          </CardContent>
        </Card>
      </Grid>
    </Grid>
  );
};

/** The shop's stacking policy: which promotions combine, in what order, which apply alone, and the floor — with a live example. */
export const PolicyPage = () => {
  const translate = useTranslate();
  const { data, isPending, error } = useGetOne<PromotionPolicyRecord, HttpError>('promotion-policy', { id: 'shop' });
  return (
    <Box sx={{ mt: 1 }}>
      <Title title={translate('kami.promotions.policy_title')} />
      <Typography variant="h5">{translate('kami.promotions.policy_title')}</Typography>
      <Typography variant="body2" color="text.secondary">{translate('kami.promotions.policy_subtitle')}</Typography>
      {error && <ErrorAlert error={error} />}
      {isPending ? <Loading /> : data && <PolicyForm record={data} />}
    </Box>
  );
};
