import { Box } from '@mui/material';
import { AppBar, LocalesMenuButton, TitlePortal } from 'react-admin';
import { Logo } from './Logo.js';

export const KamiAppBar = () => (
  <AppBar color="secondary" toolbar={<LocalesMenuButton />}>
    <Box sx={{ mr: 3, display: { xs: 'none', sm: 'block' } }}>
      <Logo />
    </Box>
    <TitlePortal variant="subtitle1" sx={{ fontWeight: 600, color: 'text.secondary' }} />
  </AppBar>
);
