/** Client helpers for integration tests. */
import { WebSocket } from '../../src/index';

/**
 * Opens a Qt-face client to `url`; resolves when connected, rejects with its errorString().
 * The client is aborted by the test's cleanups.
 */
export function openClient(url: string, cleanups: Array<() => unknown>): Promise<WebSocket> {
  const c = new WebSocket();
  cleanups.push(() => c.abort());
  return new Promise((resolve, reject) => {
    c.once('connected', () => resolve(c));
    c.once('errorOccurred', () => reject(new Error(c.errorString())));
    c.open(url);
  });
}
