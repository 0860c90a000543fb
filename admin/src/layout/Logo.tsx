import { Box, Typography } from '@mui/material';
import { KAMI } from '../theme.js';

/** The word mark: "Kami" with its Chinese name, 卡密 (card key). */
export const Logo = ({ size = 'medium' }: { size?: 'medium' | 'large' }) => {
  const large = size === 'large';
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
      <Box
        aria-hidden
        sx={{
          width: large ? 40 : 28, height: large ? 40 : 28, borderRadius: large ? 2.5 : 1.5, bgcolor: KAMI.teal, color: '#fff',
          display: 'grid', placeItems: 'center', fontWeight: 800, fontSize: large ? 22 : 16,
        }}
      >
        K
      </Box>
      <Typography component="span" sx={{ fontWeight: 800, fontSize: large ? 26 : 18, letterSpacing: '-0.02em', color: KAMI.ink }}>
        Kami
        <Box component="span" sx={{ ml: 0.75, fontWeight: 600, color: KAMI.teal }}>卡密</Box>
      </Typography>
    </Box>
  );
};
