import { Box, Grid, Typography } from '@mui/material';
import { marked } from 'marked';
import { useMemo } from 'react';
import { RichTextField, TextInput, useTranslate } from 'react-admin';
import { useWatch } from 'react-hook-form';

/**
 * The buyer's guide in Markdown with a live preview beside it. The preview goes through RichTextField, which
 * sanitises the HTML, because a guide is written by one operator and read by others.
 */
export const MarkdownInput = ({ source }: { source: string }) => {
  const translate = useTranslate();
  const text = (useWatch({ name: source }) as string | undefined) ?? '';
  const html = useMemo(() => marked.parse(text, { async: false }), [text]);
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
