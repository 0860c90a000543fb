import { Alert, Box, Button, Card, CardContent, CircularProgress, Stack, TextField, Typography } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { LocalesMenuButton, useLogin, useNotify, useTranslate } from 'react-admin';
import { SESSION_EXPIRED } from '../authProvider.js';
import { Logo } from '../layout/Logo.js';
import { useDocumentLang } from '../layout/useDocumentLang.js';
import { KAMI } from '../theme.js';

/** Brand panel and sign-in form. After a lost session, it says so and leads back to where the operator was. */
export const LoginPage = () => {
  const translate = useTranslate();
  const login = useLogin();
  const notify = useNotify();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const expired = !!sessionStorage.getItem(SESSION_EXPIRED);
  useDocumentLang();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await login({ username: email, password });
    } catch (err) {
      notify((err as Error).message || 'ra.auth.sign_in_error', { type: 'error' });
      setBusy(false);
    }
  };

  return (
    <Box sx={{ minHeight: '100vh', display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, bgcolor: KAMI.canvas }}>
      <Box sx={{
        display: { xs: 'none', md: 'flex' }, flexDirection: 'column', justifyContent: 'space-between', p: 6, color: '#fff',
        background: `linear-gradient(150deg, ${KAMI.teal} 0%, ${KAMI.tealDark} 55%, #134e4a 100%)`,
      }}>
        <Typography sx={{ fontWeight: 800, fontSize: 22, letterSpacing: '-0.02em' }}>Kami 卡密</Typography>
        <Box>
          <Typography sx={{ fontSize: 34, fontWeight: 700, lineHeight: 1.2, maxWidth: 460 }}>{translate('kami.login.headline')}</Typography>
          <Typography sx={{ mt: 2, opacity: 0.85, maxWidth: 440 }}>{translate('kami.login.tagline')}</Typography>
        </Box>
        <Typography variant="caption" sx={{ opacity: 0.7 }}>{translate('kami.login.footer')}</Typography>
      </Box>
      <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', p: 3, position: 'relative' }}>
        <Box sx={{ position: 'absolute', top: 16, right: 16 }}><LocalesMenuButton /></Box>
        <Card sx={{ width: '100%', maxWidth: 400 }}>
          <CardContent sx={{ p: 4 }}>
            <Logo size="large" />
            <Typography variant="h6" sx={{ mt: 3 }}>{translate('kami.login.title')}</Typography>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>{translate('kami.login.subtitle')}</Typography>
            {expired && <Alert severity="warning" sx={{ mb: 2 }} data-testid="session-expired">{translate('kami.login.expired')}</Alert>}
            <Stack component="form" onSubmit={submit} spacing={1}>
              <TextField label={translate('ra.auth.email')} type="email" autoComplete="username" autoFocus required value={email}
                onChange={(e) => setEmail(e.target.value)} slotProps={{ htmlInput: { name: 'email' } }} />
              <TextField label={translate('ra.auth.password')} type="password" autoComplete="current-password" required value={password}
                onChange={(e) => setPassword(e.target.value)} slotProps={{ htmlInput: { name: 'password' } }} />
              <Button type="submit" variant="contained" size="large" disabled={busy} sx={{ mt: 1 }} data-testid="sign-in">
                {busy ? <CircularProgress size={22} color="inherit" /> : translate('ra.auth.sign_in')}
              </Button>
            </Stack>
          </CardContent>
        </Card>
      </Box>
    </Box>
  );
};
