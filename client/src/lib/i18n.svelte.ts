// German and English. The language follows the browser until the user picks one; the pick
// is kept in localStorage (a preference, not personal data). t() reads the current language
// reactively, so switching re-renders every label.
import { de } from './i18n/de.ts';
import { en, type MessageKey } from './i18n/en.ts';

export type Language = 'en' | 'de';
export type { MessageKey };

const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { en, de };
const STORAGE_KEY = 'sealpost.language';

function initialLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'de') return stored;
  const preferred = globalThis.navigator?.languages ?? [];
  for (const language of preferred) {
    const base = language.slice(0, 2).toLowerCase();
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

class I18n {
  language = $state<Language>(initialLanguage());

  set(language: Language): void {
    this.language = language;
    localStorage.setItem(STORAGE_KEY, language);
    document.documentElement.lang = language;
  }

  /** The text for a key, with {name} placeholders filled in; a key may have a "#one"
   * variant used when params.count is 1. */
  t = (key: MessageKey, params: Record<string, string | number> = {}): string => {
    const dictionary = DICTIONARIES[this.language];
    const singular = params.count === 1 ? (dictionary as Record<string, string>)[`${key}#one`] : undefined;
    const template = singular ?? dictionary[key] ?? en[key];
    const locale = this.language === 'de' ? 'de-DE' : 'en-GB';
    return template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      return typeof value === 'number' ? value.toLocaleString(locale) : (value ?? `{${name}}`);
    });
  };

  formatDate(time: number, style: 'list' | 'full' = 'list'): string {
    const date = new Date(time);
    const locale = this.language === 'de' ? 'de-DE' : 'en-GB';
    if (style === 'full') return date.toLocaleString(locale, { dateStyle: 'full', timeStyle: 'short' });
    const now = new Date();
    if (date.toDateString() === now.toDateString()) return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
    if (date.getFullYear() === now.getFullYear()) return date.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
    return date.toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  }

  formatSize(bytes: number): string {
    const locale = this.language === 'de' ? 'de-DE' : 'en-GB';
    const units = ['B', 'KB', 'MB', 'GB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return `${value.toLocaleString(locale, { maximumFractionDigits: unit === 0 ? 0 : 1 })} ${units[unit]}`;
  }
}

export const i18n = new I18n();
export const t = i18n.t;
