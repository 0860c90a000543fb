import UploadIcon from '@mui/icons-material/UploadFileOutlined';
import { Box, Button, Tab, Tabs, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import { useTranslate } from 'react-admin';

export interface KeySource {
  text: string;
  name: string;
}

/** Keys pasted or picked from a TXT/CSV file; a dropped file works too. */
export const ImportSource = ({ value, onChange, disabled }: { value: KeySource | null; onChange: (s: KeySource | null) => void; disabled: boolean }) => {
  const translate = useTranslate();
  const [mode, setMode] = useState<'file' | 'paste'>('file');
  const [dragging, setDragging] = useState(false);
  const readFile = async (file: File | undefined) => file && onChange({ text: await file.text(), name: file.name });

  return (
    <Box>
      <Tabs value={mode} onChange={(_, m: 'file' | 'paste') => { setMode(m); onChange(null); }} sx={{ mb: 1 }}>
        <Tab value="file" label={translate('kami.import.mode_file')} disabled={disabled} />
        <Tab value="paste" label={translate('kami.import.mode_paste')} disabled={disabled} data-testid="mode-paste" />
      </Tabs>
      {mode === 'file' ? (
        <Box
          onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => { e.preventDefault(); setDragging(false); void readFile(e.dataTransfer.files[0]); }}
          sx={{
            border: '2px dashed', borderColor: dragging ? 'primary.main' : 'divider', borderRadius: 2, p: 4, textAlign: 'center',
            bgcolor: dragging ? 'rgba(15,118,110,0.04)' : '#fcfcfd',
          }}
        >
          <UploadIcon color="primary" sx={{ fontSize: 40 }} />
          <Typography variant="body2" sx={{ my: 1 }}>
            {value ? translate('kami.import.file_chosen', { name: value.name }) : translate('kami.import.drop')}
          </Typography>
          <Button component="label" variant="outlined" size="small" disabled={disabled}>
            {translate('kami.import.choose_file')}
            <input hidden type="file" accept=".txt,.csv,text/plain,text/csv" data-testid="key-file" onChange={(e) => void readFile(e.target.files?.[0])} />
          </Button>
          <Typography variant="caption" component="div" color="text.secondary" sx={{ mt: 1 }}>{translate('kami.import.format_help')}</Typography>
        </Box>
      ) : (
        <TextField
          multiline
          minRows={8}
          maxRows={16}
          disabled={disabled}
          placeholder={translate('kami.import.paste_placeholder')}
          value={value?.text ?? ''}
          onChange={(e) => onChange(e.target.value ? { text: e.target.value, name: translate('kami.import.pasted') } : null)}
          slotProps={{ htmlInput: { 'data-testid': 'key-paste', spellCheck: false, style: { fontFamily: 'ui-monospace, monospace', fontSize: 13 } } }}
        />
      )}
    </Box>
  );
};
