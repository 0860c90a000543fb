import CheckIcon from '@mui/icons-material/FactCheckOutlined';
import UploadIcon from '@mui/icons-material/CloudUploadOutlined';
import {
  Alert, Autocomplete, Box, Button, Card, CardContent, LinearProgress, Stack, TextField, Typography,
} from '@mui/material';
import { useState, type ReactNode } from 'react';
import {
  Link, Title, useCanAccess, useGetList, useLocation, useTranslate, type HttpError,
} from 'react-admin';
import { ErrorAlert } from '../../common/ErrorAlert.js';
import type { ProductRecord } from '../../types.js';
import { analyseInWorker, importableLines, importInChunks, previewInChunks, type ImportOutcome, type Preview } from './chunks.js';
import { ImportSource, type KeySource } from './ImportSource.js';
import { PreviewReport } from './PreviewReport.js';
import { useCommands } from '../../common/useCommands.js';

type Phase = 'idle' | 'checking' | 'checked' | 'importing' | 'done';

const Step = ({ n, title, children }: { n: number; title: string; children: ReactNode }) => {
  const translate = useTranslate();
  return (
    <Card sx={{ mb: 2 }}>
      <CardContent>
        <Typography variant="subtitle1" sx={{ fontWeight: 700, mb: 1.5 }}>{n}. {translate(title)}</Typography>
        {children}
      </CardContent>
    </Card>
  );
};

const Progress = ({ label, done, of }: { label: string; done: number; of: number }) => (
  <Box sx={{ mt: 2 }} data-testid="import-progress">
    <Stack direction="row" sx={{ justifyContent: 'space-between', mb: 0.5 }}>
      <Typography variant="body2">{label}</Typography>
      <Typography variant="body2" color="text.secondary">{done.toLocaleString()} / {of.toLocaleString()}</Typography>
    </Stack>
    <LinearProgress variant="determinate" value={of ? (done / of) * 100 : 0} sx={{ height: 8, borderRadius: 4 }} />
  </Box>
);

/**
 * Import keys: pick the product and a batch label, give the file, check it (every skipped line named by its
 * number), then import in chunks with a progress bar. The file is read in a Web Worker and sent in
 * chunks, so 100,000 keys never freeze the page.
 */
export const KeyImportPage = () => {
  const translate = useTranslate();
  const dataProvider = useCommands();
  const { canAccess } = useCanAccess({ resource: 'keys', action: 'import' });
  const { search } = useLocation();
  const { data: products = [] } = useGetList<ProductRecord>('products', { pagination: { page: 1, perPage: 1000 }, sort: { field: 'name', order: 'ASC' } });
  const [productId, setProductId] = useState<string | null>(new URLSearchParams(search).get('productId'));
  const [label, setLabel] = useState('');
  const [source, setSource] = useState<KeySource | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [progress, setProgress] = useState({ done: 0, of: 0 });
  const [preview, setPreview] = useState<Preview | null>(null);
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  const [error, setError] = useState<HttpError | Error | null>(null);
  const product = products.find((p) => p.id === productId) ?? null;
  const busy = phase === 'checking' || phase === 'importing';
  const onProgress = (done: number, of: number) => setProgress({ done, of });

  const restart = () => { setPhase('idle'); setPreview(null); setOutcome(null); setError(null); };

  const check = async () => {
    if (!productId || !source) return;
    setError(null);
    setPhase('checking');
    try {
      const file = await analyseInWorker(source.text);
      setPreview(await previewInChunks(dataProvider, productId, file, onProgress));
      setPhase('checked');
      if (!label) setLabel(`${source.name} · ${new Date().toLocaleDateString()}`);
    } catch (e) {
      setError(e as Error);
      setPhase('idle');
    }
  };

  const run = async () => {
    if (!productId || !preview) return;
    setError(null);
    setPhase('importing');
    try {
      setOutcome(await importInChunks(dataProvider, productId, label.trim(), importableLines(preview), onProgress));
      setPhase('done');
    } catch (e) {
      // chunks already stored stay stored (one batch); the operator sees how far it got and can re-run the rest
      setError(e as Error);
      setPhase('checked');
    }
  };

  if (canAccess === false) return <Alert severity="warning">{translate('ra.page.access_denied')}</Alert>;

  return (
    <Box sx={{ maxWidth: 1000, mt: 2 }}>
      <Title title="kami.import.title" />
      <Step n={1} title="kami.import.step_target">
        <Stack direction={{ xs: 'column', md: 'row' }} spacing={2}>
          <Autocomplete
            options={products}
            value={product}
            disabled={busy || phase === 'done'}
            getOptionLabel={(p) => `${p.name} (${p.sku})`}
            onChange={(_, p) => { setProductId(p?.id ?? null); restart(); }}
            renderInput={(params) => <TextField {...params} label={translate('resources.keys.fields.productId')} data-testid="import-product" />}
          />
          <TextField
            label={translate('kami.import.label')}
            helperText={translate('kami.import.label_help')}
            value={label}
            disabled={busy || phase === 'done'}
            onChange={(e) => setLabel(e.target.value)}
            slotProps={{ htmlInput: { maxLength: 200, 'data-testid': 'import-label' } }}
          />
        </Stack>
      </Step>
      <Step n={2} title="kami.import.step_source">
        {product?.keyFormat === 'pair' && <Alert severity="info" sx={{ mb: 2 }} data-testid="import-pair">{translate('kami.product_types.import_pair')}</Alert>}
        <ImportSource value={source} onChange={(s) => { setSource(s); restart(); }} disabled={busy || phase === 'done'} />
        <Box sx={{ mt: 2 }}>
          <Button variant="contained" startIcon={<CheckIcon />} disabled={!productId || !source || busy || phase === 'done'} onClick={() => void check()} data-testid="import-check">
            {translate('kami.import.check')}
          </Button>
        </Box>
        {phase === 'checking' && <Progress label={translate('kami.import.checking')} {...progress} />}
      </Step>
      {preview && (
        <Step n={3} title="kami.import.step_preview">
          <PreviewReport preview={preview} />
          {phase !== 'done' && (
            <Box sx={{ mt: 2 }}>
              <Button
                variant="contained" startIcon={<UploadIcon />} onClick={() => void run()} data-testid="import-run"
                disabled={busy || preview.valid === 0 || !label.trim()}
              >
                {translate('kami.import.run', { smart_count: preview.valid, count: preview.valid.toLocaleString() })}
              </Button>
            </Box>
          )}
          {phase === 'importing' && <Progress label={translate('kami.import.importing')} {...progress} />}
        </Step>
      )}
      {error && <ErrorAlert error={error} />}
      {outcome && (
        <Alert severity="success" sx={{ mt: 2 }} data-testid="import-done"
          action={<Button component={Link} to={`/keys?filter=${encodeURIComponent(JSON.stringify({ batchId: outcome.batchId }))}`}>{translate('kami.import.view_batch')}</Button>}
        >
          {translate('kami.import.done', { imported: outcome.imported, duplicates: outcome.duplicates, batch: outcome.batchId })}
        </Alert>
      )}
    </Box>
  );
};
