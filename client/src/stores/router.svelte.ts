// Screens by URL hash (#/login, #/signup, #/mail/<folderId>, #/settings/<tab>) so that the
// browser's back button and reloads behave; nothing secret ever goes into a URL.

export type Route = { screen: 'login' } | { screen: 'signup' } | { screen: 'mail'; folderId: string | null } | { screen: 'settings'; tab: string };

function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  switch (parts[0]) {
    case 'signup':
      return { screen: 'signup' };
    case 'mail':
      return { screen: 'mail', folderId: parts[1] || null };
    case 'settings':
      return { screen: 'settings', tab: parts[1] || 'general' };
    default:
      return { screen: 'login' };
  }
}

function format(route: Route): string {
  switch (route.screen) {
    case 'mail':
      return route.folderId ? `#/mail/${encodeURIComponent(route.folderId)}` : '#/mail';
    case 'settings':
      return `#/settings/${encodeURIComponent(route.tab)}`;
    default:
      return `#/${route.screen}`;
  }
}

class Router {
  route = $state<Route>(parse(location.hash));

  constructor() {
    addEventListener('hashchange', () => (this.route = parse(location.hash)));
  }

  go(route: Route, options: { replace?: boolean } = {}): void {
    const hash = format(route);
    if (options.replace) history.replaceState(null, '', hash);
    else if (location.hash !== hash) history.pushState(null, '', hash);
    this.route = route;
  }
}

export const router = new Router();
