import type { RaThemeOptions } from 'react-admin';

/** Kami's colours: a deep teal for the brand, amber for "a person must look", on a quiet grey canvas. */
export const KAMI = {
  teal: '#0f766e',
  tealDark: '#115e59',
  ink: '#0f172a',
  canvas: '#f3f5f7',
  line: '#e2e8f0',
  amber: '#b45309',
};

const fontFamily = [
  'Inter', '"Segoe UI"', 'Roboto', '"PingFang SC"', '"Hiragino Sans GB"', '"Microsoft YaHei"',
  '"Noto Sans CJK SC"', '"WenQuanYi Micro Hei"', 'system-ui', 'sans-serif',
].join(',');

export const kamiTheme: RaThemeOptions = {
  palette: {
    mode: 'light',
    primary: { main: KAMI.teal, dark: KAMI.tealDark, contrastText: '#fff' },
    secondary: { main: '#334155', contrastText: '#fff' },
    warning: { main: '#d97706', contrastText: '#fff' },
    background: { default: KAMI.canvas, paper: '#fff' },
    text: { primary: KAMI.ink, secondary: '#64748b' },
    divider: KAMI.line,
  },
  shape: { borderRadius: 8 },
  typography: {
    fontFamily,
    fontSize: 13,
    h5: { fontWeight: 600, letterSpacing: '-0.01em' },
    h6: { fontWeight: 600 },
    subtitle2: { fontWeight: 600 },
    button: { textTransform: 'none', fontWeight: 600 },
  },
  sidebar: { width: 220, closedWidth: 56 },
  components: {
    MuiAppBar: {
      defaultProps: { elevation: 0 },
      styleOverrides: {
        colorSecondary: { backgroundColor: '#fff', color: KAMI.ink, borderBottom: `1px solid ${KAMI.line}` },
      },
    },
    MuiPaper: {
      styleOverrides: {
        elevation1: { boxShadow: 'none', border: `1px solid ${KAMI.line}` },
      },
    },
    MuiCard: { defaultProps: { elevation: 0 }, styleOverrides: { root: { border: `1px solid ${KAMI.line}` } } },
    MuiButton: { defaultProps: { disableElevation: true } },
    MuiTextField: { defaultProps: { variant: 'outlined', margin: 'dense', size: 'small', fullWidth: true } },
    MuiFormControl: { defaultProps: { variant: 'outlined', margin: 'dense', size: 'small', fullWidth: true } },
    MuiAutocomplete: { defaultProps: { fullWidth: true } },
    MuiTableCell: {
      styleOverrides: {
        root: { borderColor: KAMI.line },
        head: { fontWeight: 600, color: '#475569', backgroundColor: '#f8fafc', whiteSpace: 'nowrap' },
        sizeSmall: { padding: '6px 10px' },
      },
    },
    MuiChip: { styleOverrides: { sizeSmall: { fontWeight: 600 } } },
    MuiTab: { styleOverrides: { root: { minHeight: 44, textTransform: 'none', fontWeight: 600 } } },
    RaMenuItemLink: {
      styleOverrides: {
        root: {
          borderLeft: '3px solid transparent',
          '&.RaMenuItemLink-active': {
            borderLeftColor: KAMI.teal, color: KAMI.teal, backgroundColor: 'rgba(15,118,110,0.08)', fontWeight: 600,
            '& .RaMenuItemLink-icon': { color: KAMI.teal },
          },
        },
      },
    },
    RaLayout: {
      styleOverrides: { root: { '& .RaLayout-content': { paddingLeft: 16, paddingRight: 16 } } },
    },
    RaToolbar: { styleOverrides: { root: { backgroundColor: '#f8fafc' } } },
    RaDataTable: { defaultProps: { size: 'small' } },
  },
};
