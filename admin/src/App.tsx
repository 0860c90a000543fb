import { Admin, CustomRoutes, Resource } from 'react-admin';
import { BrowserRouter, Route } from 'react-router-dom';
import audit from './audit';
import { createAuthProvider } from './authProvider';
import buyers from './buyers';
import { Dashboard } from './dashboard/Dashboard';
import { createDataProvider } from './dataProvider';
import { createHttpClient, type Session } from './http';
import { i18nProvider } from './i18n';
import { batches, keys } from './keys';
import { KeyImportPage } from './keys/import/KeyImportPage';
import { KamiLayout } from './layout/Layout';
import { LoginPage } from './login/LoginPage';
import operators from './operators';
import orders from './orders';
import products from './products';
import reviews from './reviews';
import rules from './rules';
import { kamiTheme } from './theme';

const session: Session = { csrfToken: null };
const http = createHttpClient(session);
const dataProvider = createDataProvider(http);
const authProvider = createAuthProvider(http, session);

/**
 * The operator panel. `reviews` is the first resource, so the inbox is the landing page: it is where a
 * person is needed. The API serves the panel at /admin with an SPA fallback, hence a browser router there.
 */
export const App = () => (
  <BrowserRouter basename="/admin">
    <Admin
      title="Kami 卡密"
      dataProvider={dataProvider}
      authProvider={authProvider}
      i18nProvider={i18nProvider}
      theme={kamiTheme}
      layout={KamiLayout}
      loginPage={LoginPage}
      requireAuth
      disableTelemetry
    >
      <Resource name="reviews" {...reviews} />
      <Resource name="orders" {...orders} />
      <Resource name="products" {...products} />
      <Resource name="keys" {...keys} />
      <Resource name="batches" {...batches} />
      <Resource name="buyers" {...buyers} />
      <Resource name="rules" {...rules} />
      <Resource name="audit" {...audit} />
      <Resource name="operators" {...operators} />
      <CustomRoutes>
        <Route path="/dashboard" element={<Dashboard />} />
        <Route path="/keys/import" element={<KeyImportPage />} />
      </CustomRoutes>
    </Admin>
  </BrowserRouter>
);
