import type { ReactNode } from 'react';
import { Layout } from 'react-admin';
import { KamiAppBar } from './AppBar.js';
import { KamiMenu } from './Menu.js';
import { useDocumentLang } from './useDocumentLang.js';

export const KamiLayout = ({ children }: { children: ReactNode }) => {
  useDocumentLang();
  return <Layout appBar={KamiAppBar} menu={KamiMenu}>{children}</Layout>;
};
