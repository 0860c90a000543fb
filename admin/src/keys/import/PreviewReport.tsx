import { Box, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { Mono } from '../../common/fields.js';
import type { Preview } from './chunks.js';

/** Rendering every problem of a 100,000-line file would freeze the page; the first ones tell the story. */
const SHOWN = 200;

const Stat = ({ id, value, color }: { id: string; value: number; color?: 'success' | 'error' | 'warning' }) => {
  const translate = useTranslate();
  return (
    <Box sx={{ minWidth: 120 }}>
      <Typography variant="caption" color="text.secondary">{translate(`kami.import.${id}`)}</Typography>
      <Typography variant="h5" sx={{ color: value && color ? `${color}.main` : undefined }} data-testid={`stat-${id}`}>{value.toLocaleString()}</Typography>
    </Box>
  );
};

/** What the import would do, with every skipped line named by its line number. */
export const PreviewReport = ({ preview }: { preview: Preview }) => {
  const translate = useTranslate();
  const count = (kind: string) => preview.issues.filter((i) => i.kind === kind).length;
  const shown = preview.issues.slice(0, SHOWN);
  return (
    <Box data-testid="import-preview">
      <Stack direction="row" spacing={3} sx={{ flexWrap: 'wrap', rowGap: 2, mb: 2 }}>
        <Stat id="total" value={preview.total} />
        <Stat id="valid" value={preview.valid} color="success" />
        <Stat id="invalid" value={count('invalid')} color="error" />
        <Stat id="duplicate_in_file" value={count('duplicate_in_file')} color="warning" />
        <Stat id="duplicate_in_stock" value={count('duplicate_in_stock')} color="warning" />
      </Stack>
      {shown.length > 0 && (
        <Table size="small" data-testid="import-issues">
          <TableHead>
            <TableRow>
              <TableCell sx={{ width: 90 }}>{translate('kami.import.line')}</TableCell>
              <TableCell sx={{ width: 200 }}>{translate('kami.import.problem')}</TableCell>
              <TableCell>{translate('kami.import.content')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {shown.map((issue) => (
              <TableRow key={issue.line} data-line={issue.line} data-kind={issue.kind}>
                <TableCell><Mono>{issue.line}</Mono></TableCell>
                <TableCell>
                  <Chip size="small" variant="outlined" color={issue.kind === 'invalid' ? 'error' : 'warning'} label={translate(`kami.import.${issue.kind}`)} />
                  {issue.kind === 'duplicate_in_file' && (
                    <Typography variant="caption" sx={{ ml: 1 }}>{translate('kami.import.same_as', { line: issue.detail ?? '' })}</Typography>
                  )}
                  {issue.kind === 'invalid' && <Typography variant="caption" sx={{ ml: 1 }}>{issue.detail}</Typography>}
                </TableCell>
                <TableCell sx={{ maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                  <Mono>{preview.lines[issue.line - 1]?.trim().slice(0, 80)}</Mono>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {preview.issues.length > SHOWN && (
        <Typography variant="caption" color="text.secondary">{translate('kami.import.more_issues', { smart_count: preview.issues.length - SHOWN })}</Typography>
      )}
    </Box>
  );
};
