/**
 * Client-side routes with real addresses: every page has its own path, so a
 * reload or a shared link opens the same page (the server answers each path
 * with the same shell). `?lng=` rides along on every link.
 */
export interface Route {
  name: string;
  pattern: RegExp;
  keys: string[];
}

export function route(name: string, path: string): Route {
  const keys: string[] = [];
  const source = path.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { name, pattern: new RegExp(`^${source}/?$`), keys };
}

export function match(routes: Route[], pathname: string): { name: string; params: Record<string, string> } | undefined {
  for (const r of routes) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
    return { name: r.name, params };
  }
  return undefined;
}

/** The address for a page, keeping the chosen interface language. */
export function href(path: string): string {
  const lng = new URLSearchParams(location.search).get('lng');
  if (!lng) return path;
  const url = new URL(path, location.origin);
  url.searchParams.set('lng', lng);
  return url.pathname + url.search;
}
