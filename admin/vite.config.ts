import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The panel is served by the API at /admin (api/main.ts); in dev, vite proxies the API to a running Kami.
export default defineConfig({
  root,
  base: '/admin/',
  plugins: [react()],
  // react-admin and MUI make the first chunk ~1.4 MB minified: warn only when something big is added to it
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: { '/admin/api': process.env.KAMI_API_URL ?? 'http://127.0.0.1:3000' },
  },
});
