// Short notices at the bottom of the screen (sent, saved, errors), read out by screen
// readers through an aria-live region.

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

/** Long enough to read two lines. */
const TOAST_MS = 5000;

class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(text: string, kind: Toast['kind'] = 'info'): void {
    const id = this.#next++;
    this.items = [...this.items, { id, text, kind }];
    setTimeout(() => this.dismiss(id), TOAST_MS);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}

export const toasts = new Toasts();
