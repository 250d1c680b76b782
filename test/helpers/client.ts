/** Opening one of our clients in a test. */
import { WebSocket, type HandshakeOptions, type SocketError } from '../../src/index';

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

/** How one open() ended: connected, or the error it failed with. */
export interface OpenOutcome {
  connected: boolean;
  error: SocketError | null;
  errorString: string;
}

/**
 * Opens `ws` (set up by the caller) to `url` and resolves once it is connected or has failed,
 * never rejecting: for tests about how a connection fails.
 */
export function openSettled(ws: WebSocket, url: string, options: HandshakeOptions = {}): Promise<OpenOutcome> {
  return new Promise((resolve) => {
    ws.once('connected', () => resolve({ connected: true, error: null, errorString: '' }));
    ws.once('errorOccurred', (e) => resolve({ connected: false, error: e, errorString: ws.errorString() }));
    ws.open(url, options);
  });
}
