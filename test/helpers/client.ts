/** Opening one of our clients in a test. */
import { WebSocket, type HandshakeOptions } from '../../src/index';

/**
 * Opens a WebSocket to `url`; `setup` runs before open() (listeners for what arrives with the 101
 * belong there). The socket is aborted by the test's cleanups. Rejects with the errorString().
 */
export function openSocket(url: string, cleanups: Array<() => unknown>, setup?: (c: WebSocket) => void, options: HandshakeOptions = {}): Promise<WebSocket> {
  const c = new WebSocket();
  setup?.(c);
  cleanups.push(() => c.abort());
  return new Promise((resolve, reject) => {
    c.once('connected', () => resolve(c));
    c.once('errorOccurred', () => reject(new Error(c.errorString())));
    c.open(url, options);
  });
}
