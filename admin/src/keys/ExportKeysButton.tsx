import DownloadIcon from '@mui/icons-material/FileDownloadOutlined';
import { Button, Tooltip } from '@mui/material';
import { useState } from 'react';
import { useCanAccess, useListContext, useNotify, useTranslate } from 'react-admin';
import { useCommands } from '../common/useCommands.js';

/** Owner only: downloads the unsold keys of the filtered product (and batch) as a text file, one key a line. */
export const ExportKeysButton = () => {
  const translate = useTranslate();
  const notify = useNotify();
  const dataProvider = useCommands();
  const { canAccess } = useCanAccess({ resource: 'keys', action: 'export' });
  const { filterValues } = useListContext();
  const [busy, setBusy] = useState(false);
  const { productId, batchId } = filterValues as { productId?: string; batchId?: number };
  if (!canAccess) return null;

  const download = async () => {
    setBusy(true);
    try {
      const text = await dataProvider.exportKeys({ productId: productId!, ...(batchId ? { batchId } : {}) });
      const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
      const a = Object.assign(document.createElement('a'), { href: url, download: `keys-${productId}${batchId ? `-batch${batchId}` : ''}.txt` });
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      notify((e as Error).message, { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Tooltip title={productId ? '' : translate('kami.keys.export_needs_product')}>
      <span>
        <Button size="small" startIcon={<DownloadIcon />} disabled={!productId || busy} onClick={() => void download()}>{translate('kami.keys.export')}</Button>
      </span>
    </Tooltip>
  );
};
