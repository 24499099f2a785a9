// Preferences of this browser that reveal nothing about the mailbox: theme and the idle
// time before the keys are locked away. Kept in localStorage. (Signature and trusted
// senders are personal: they live in the encrypted settings record, stores/settings.)

export type Theme = 'system' | 'light' | 'dark';

const THEME_KEY = 'sealpost.theme';
const IDLE_KEY = 'sealpost.idleMinutes';
/** Lock after this long without input unless the user chose otherwise. */
const DEFAULT_IDLE_MINUTES = 15;
export const IDLE_CHOICES = [5, 15, 30, 60, 240] as const;

class Preferences {
  theme = $state<Theme>((localStorage.getItem(THEME_KEY) as Theme | null) ?? 'system');
  idleMinutes = $state<number>(Number(localStorage.getItem(IDLE_KEY)) || DEFAULT_IDLE_MINUTES);

  constructor() {
    this.#applyTheme();
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.#applyTheme());
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    localStorage.setItem(THEME_KEY, theme);
    this.#applyTheme();
  }

  setIdleMinutes(minutes: number): void {
    this.idleMinutes = minutes;
    localStorage.setItem(IDLE_KEY, String(minutes));
  }

  #applyTheme(): void {
    const dark = this.theme === 'dark' || (this.theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }
}

export const preferences = new Preferences();
