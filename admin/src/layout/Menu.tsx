import DashboardIcon from '@mui/icons-material/SpaceDashboardOutlined';
import PolicyIcon from '@mui/icons-material/TuneOutlined';
import UploadIcon from '@mui/icons-material/UploadFileOutlined';
import InboxIcon from '@mui/icons-material/MoveToInboxOutlined';
import StarIcon from '@mui/icons-material/StarBorderOutlined';
import StorefrontIcon from '@mui/icons-material/StorefrontOutlined';
import { Badge, Divider } from '@mui/material';
import { Menu, useCanAccess } from 'react-admin';
import { useStats } from '../common/useStats.js';

const InboxMenuIcon = () => {
  const { data } = useStats();
  return (
    <Badge badgeContent={data?.inbox.pending ?? 0} color="warning" max={999} data-testid="inbox-badge">
      <InboxIcon />
    </Badge>
  );
};

/** The inbox leads: it is where a person is needed. Owner-only screens sit last and vanish for other roles. */
export const KamiMenu = () => {
  const { canAccess: canImport } = useCanAccess({ resource: 'keys', action: 'import' });
  const { canAccess: canEditShop } = useCanAccess({ resource: 'shop-settings', action: 'edit' });
  return (
    <Menu>
      <Menu.Item to="/reviews" primaryText="kami.menu.inbox" leftIcon={<InboxMenuIcon />} />
      <Menu.Item to="/dashboard" primaryText="kami.menu.dashboard" leftIcon={<DashboardIcon />} />
      <Divider sx={{ my: 0.5 }} />
      <Menu.ResourceItem name="orders" />
      <Menu.ResourceItem name="products" />
      <Menu.ResourceItem name="keys" />
      {canImport && <Menu.Item to="/keys/import" primaryText="kami.menu.import" leftIcon={<UploadIcon />} />}
      <Menu.ResourceItem name="batches" />
      <Menu.ResourceItem name="buyers" />
      <Menu.ResourceItem name="rules" />
      <Menu.ResourceItem name="channels" />
      <Menu.ResourceItem name="coupons" />
      <Menu.ResourceItem name="sale-prices" />
      <Menu.Item to="/promotion-policy" primaryText="kami.promotions.policy_menu" leftIcon={<PolicyIcon />} />
      <Menu.Item to="/feedback-products" primaryText="kami.feedback.menu" leftIcon={<StarIcon />} />
      <Divider sx={{ my: 0.5 }} />
      <Menu.ResourceItem name="refunds" />
      <Menu.ResourceItem name="payment-notifications" />
      <Menu.ResourceItem name="webhook-deliveries" />
      <Menu.ResourceItem name="webhook-endpoints" />
      <Divider sx={{ my: 0.5 }} />
      <Menu.ResourceItem name="audit" />
      <Menu.ResourceItem name="operators" />
      <Menu.ResourceItem name="payment-providers" />
      {canEditShop && <Menu.Item to="/shop-settings/shop" primaryText="kami.shop.menu" leftIcon={<StorefrontIcon />} />}
    </Menu>
  );
};
