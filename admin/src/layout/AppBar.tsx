import PersonIcon from '@mui/icons-material/PersonOutlined';
import { Box } from '@mui/material';
import { AppBar, LocalesMenuButton, Logout, MenuItemLink, TitlePortal, UserMenu } from 'react-admin';
import { Logo } from './Logo.js';

/** The user menu leads to the operator's own profile (their Telegram link) before signing out. */
const KamiUserMenu = () => (
  <UserMenu>
    <MenuItemLink to="/profile" primaryText="kami.profile.title" leftIcon={<PersonIcon />} data-testid="menu-profile" />
    <Logout />
  </UserMenu>
);

export const KamiAppBar = () => (
  <AppBar color="secondary" toolbar={<LocalesMenuButton />} userMenu={<KamiUserMenu />}>
    <Box sx={{ mr: 3, display: { xs: 'none', sm: 'block' } }}>
      <Logo />
    </Box>
    <TitlePortal variant="subtitle1" sx={{ fontWeight: 600, color: 'text.secondary' }} />
  </AppBar>
);
