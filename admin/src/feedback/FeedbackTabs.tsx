import { Tab, Tabs } from '@mui/material';
import { Link, useTranslate } from 'react-admin';

const TABS = [
  { to: '/feedback-products', label: 'kami.feedback.tab_products' },
  { to: '/feedback-batches', label: 'kami.feedback.tab_batches' },
  { to: '/feedback', label: 'kami.feedback.tab_comments' },
] as const;

/** The three views of buyers' feedback, one route each (so each can be linked to with its filter). */
export const FeedbackTabs = ({ current }: { current: (typeof TABS)[number]['to'] }) => {
  const translate = useTranslate();
  return (
    <Tabs value={current} sx={{ mt: 1 }}>
      {TABS.map((t) => <Tab key={t.to} value={t.to} label={translate(t.label)} component={Link} to={t.to} />)}
    </Tabs>
  );
};
