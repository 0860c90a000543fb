import polyglotI18nProvider from 'ra-i18n-polyglot';
import { en } from './en.js';
import { zh } from './zh.js';

export const LOCALES = [
  { locale: 'zh-CN', name: '简体中文' },
  { locale: 'en', name: 'English' },
];

/** Chinese for browsers that prefer it, English otherwise; the operator's choice is then remembered. */
const initialLocale = navigator.languages?.some((l) => l.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en';

export const i18nProvider = polyglotI18nProvider((locale) => (locale === 'zh-CN' ? zh : en), initialLocale, LOCALES, {
  // a missing key shows its text instead of a crash; the key-parity test keeps both languages complete
  allowMissing: true,
});
