// Types for headless-chromium.mjs (imported by the TypeScript tests).
import type { WebSocket as QtWebSocket } from '../src/index';

/** Arguments for a headless Chromium that loads `url` with a throwaway profile. */
export function headlessChromiumArgs(profile: string, url: string, options?: { devtools?: boolean; width?: number; height?: number }): string[];

/** A DevTools-protocol session with one page of a headless Chromium. */
export class CdpPage {
  static open(WebSocket: typeof QtWebSocket, profile: string, urlPrefix: string, timeoutMs?: number): Promise<CdpPage>;
  send(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  evaluate<T = unknown>(expression: string): Promise<T>;
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  screenshot(): Promise<Buffer>;
  close(): void;
}
