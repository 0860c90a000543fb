import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The panel is served by the API at /admin (api/main.ts); in dev, vite proxies the API to a running Kami.
export default defineConfig({
  root,
  base: '/admin/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    proxy: { '/admin/api': process.env.KAMI_API_URL ?? 'http://127.0.0.1:3000' },
  },
});
