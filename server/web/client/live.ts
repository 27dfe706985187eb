/**
 * Follows a job over server-sent events (`/v1/jobs/:id/events`). The browser
 * sends the session cookie with the stream; `EventSource` reconnects by
 * itself after a network blip, and the stream ends at a final state.
 */
import { currentLanguage } from './i18n.js';
import { TERMINAL, type JobView } from './types.js';

export function follow(id: string, onView: (view: JobView) => void, onGone?: () => void): () => void {
  // EventSource sends no Accept-Language of its own choosing: the page's language goes in the address.
  const source = new EventSource(`/v1/jobs/${encodeURIComponent(id)}/events?lng=${currentLanguage()}`, { withCredentials: true });
  const handle = (e: MessageEvent<string>) => {
    const view = JSON.parse(e.data) as JobView;
    onView(view);
    if (TERMINAL.includes(view.status)) source.close();
  };
  source.addEventListener('progress', handle as EventListener);
  for (const s of TERMINAL) source.addEventListener(s, handle as EventListener);
  source.addEventListener('error', () => {
    // Closed by the server after the last event, or refused (expired, signed out): nothing to reconnect to.
    if (source.readyState === EventSource.CLOSED) onGone?.();
  });
  return () => source.close();
}
