import type { ReactNode } from 'react';
import { Layout } from 'react-admin';
import { KamiAppBar } from './AppBar';
import { KamiMenu } from './Menu';

export const KamiLayout = ({ children }: { children: ReactNode }) => (
  <Layout appBar={KamiAppBar} menu={KamiMenu}>{children}</Layout>
);
