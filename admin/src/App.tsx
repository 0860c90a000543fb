import { lazy, Suspense, type ReactNode } from 'react';
import { Admin, CustomRoutes, Loading, Resource } from 'react-admin';
import { BrowserRouter, Route } from 'react-router-dom';
import audit from './audit/index.js';
import { createAuthProvider } from './authProvider.js';
import buyers from './buyers/index.js';
import channels from './channels/index.js';
import { createDataProvider } from './dataProvider.js';
import { createHttpClient, type Session } from './http.js';
import { i18nProvider } from './i18n/index.js';
import { batches, keys } from './keys/index.js';
import { KamiLayout } from './layout/Layout.js';
import { LoginPage } from './login/LoginPage.js';
import operators from './operators/index.js';
import orders from './orders/index.js';
import { paymentNotifications, paymentProviders, refunds } from './payments/index.js';
import products from './products/index.js';
import { coupons, PolicyPage, salePrices } from './promotions/index.js';
import reviews from './reviews/index.js';
import rules from './rules/index.js';
import { feedback, feedbackBatches, feedbackProducts } from './feedback/index.js';
import { shopSettings } from './shop/index.js';
import { kamiTheme } from './theme.js';
import { webhookDeliveries, webhookEndpoints } from './webhooks/index.js';

// Charts and the import page are loaded when first opened: the inbox, where operators land, starts sooner.
const Dashboard = lazy(() => import('./dashboard/Dashboard.js').then((m) => ({ default: m.Dashboard })));
const ProfilePage = lazy(() => import('./profile/ProfilePage.js').then((m) => ({ default: m.ProfilePage })));
const KeyImportPage = lazy(() => import('./keys/import/KeyImportPage.js').then((m) => ({ default: m.KeyImportPage })));
const Later = ({ children }: { children: ReactNode }) => <Suspense fallback={<Loading />}>{children}</Suspense>;

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
      <Resource name="refunds" {...refunds} />
      <Resource name="payment-notifications" {...paymentNotifications} />
      <Resource name="payment-providers" {...paymentProviders} />
      <Resource name="payment-attempts" />
      <Resource name="webhook-endpoints" {...webhookEndpoints} />
      <Resource name="webhook-deliveries" {...webhookDeliveries} />
      <Resource name="channels" {...channels} />
      <Resource name="channel-ledger" />
      <Resource name="coupons" {...coupons} />
      <Resource name="coupon-uses" />
      <Resource name="sale-prices" {...salePrices} />
      <Resource name="promotion-policy" />
      <Resource name="feedback-products" {...feedbackProducts} />
      <Resource name="feedback-batches" {...feedbackBatches} />
      <Resource name="feedback" {...feedback} />
      <Resource name="shop-settings" {...shopSettings} />
      <CustomRoutes>
        <Route path="/dashboard" element={<Later><Dashboard /></Later>} />
        <Route path="/keys/import" element={<Later><KeyImportPage /></Later>} />
        <Route path="/profile" element={<Later><ProfilePage /></Later>} />
        <Route path="/promotion-policy" element={<PolicyPage />} />
      </CustomRoutes>
    </Admin>
  </BrowserRouter>
);
