import { Box, Grid, Typography } from '@mui/material';
import { useMemo } from 'react';
import { RichTextField, TextInput, useTranslate } from 'react-admin';
import { useWatch } from 'react-hook-form';
import { renderGuide } from '../../../domain/guide.js';

/**
 * The buyer's guide in Markdown with a live preview beside it, rendered by the same renderGuide as the
 * buyer's email and order page (raw HTML escaped, only http/https/mailto links), so the preview shows
 * what buyers get. RichTextField sanitises it once more, because a guide is written by one operator and
 * read by others.
 */
export const MarkdownInput = ({ source }: { source: string }) => {
  const translate = useTranslate();
  const text = (useWatch({ name: source }) as string | undefined) ?? '';
  const html = useMemo(() => renderGuide(text), [text]);
  return (
    <Grid container spacing={2} sx={{ width: '100%' }}>
      <Grid size={{ xs: 12, md: 6 }}>
        <TextInput source={source} multiline minRows={10} maxRows={24} helperText="kami.products.guide_help" sx={{ '& textarea': { fontFamily: 'ui-monospace, monospace', fontSize: 13 } }} />
      </Grid>
      <Grid size={{ xs: 12, md: 6 }}>
        <Typography variant="overline" color="text.secondary">{translate('kami.products.preview')}</Typography>
        <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 2, minHeight: 200, bgcolor: '#fcfcfd', '& p:first-of-type': { mt: 0 } }} data-testid="guide-preview">
          {text.trim()
            ? <RichTextField record={{ id: 'preview', html }} source="html" />
            : <Typography variant="body2" color="text.secondary">{translate('kami.products.preview_empty')}</Typography>}
        </Box>
      </Grid>
    </Grid>
  );
};
