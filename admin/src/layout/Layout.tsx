import type { ReactNode } from 'react';
import { Layout } from 'react-admin';
import { KamiAppBar } from './AppBar.js';
import { KamiMenu } from './Menu.js';

export const KamiLayout = ({ children }: { children: ReactNode }) => (
  <Layout appBar={KamiAppBar} menu={KamiMenu}>{children}</Layout>
);
