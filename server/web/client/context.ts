/** What every page gets: who is signed in, the route parameters, navigation. */
export type Role = 'submitter' | 'reviewer' | 'admin';
const RANK: Record<Role, number> = { submitter: 1, reviewer: 2, admin: 3 };

export interface Me {
  role: Role;
  name: string;
  /** No tokens configured: everyone who reaches the server is admin. */
  open: boolean;
}

export interface PageContext {
  me: Me;
  params: Record<string, string>;
  query: URLSearchParams;
  navigate(path: string): void;
}

/** A page draws itself into `root` and returns what to stop when it is left (streams, key handlers). */
export type Page = (root: HTMLElement, ctx: PageContext) => void | (() => void);

export function can(me: Me | undefined, role: Role): boolean {
  return !!me && RANK[me.role] >= RANK[role];
}
