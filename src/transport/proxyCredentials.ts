/**
 * The proxy credentials of one open(), across its connection attempts, with Qt's rule for a
 * refusal: when the proxy refuses credentials (SOCKS5 status ≠ 0, an HTTP 407 to credentials
 * already sent under that scheme), proxyAuthenticationRequired is emitted again with a fresh
 * authenticator and the next attempt uses what the slot fills in (QSocks5SocketEngine's
 * reauthenticate, QHttpSocketEngine's 407 handling). It ends when the slot fills in nothing or
 * the very credentials just refused (where Qt would ask for ever), or after MAX_AUTH_RETRIES
 * asks — the same bounds as the server's 401 (transport/serverAuth).
 * @module
 */
import type { Credentials } from '../protocol/httpAuth';
import type { ProxySpec } from './proxyEnv';
import { MAX_AUTH_RETRIES } from './serverAuth';

/**
 * Asks the user for proxy credentials (Qt's proxyAuthenticationRequired), synchronously.
 * @param realm the realm of the proxy's challenge ('' for SOCKS5)
 * @returns the credentials filled in, or null when none were
 */
export type ProxyCredentialsPrompt = (proxy: ProxySpec, realm: string) => Credentials | null;

const same = (a: Credentials, b: Credentials): boolean => a.user === b.user && a.password === b.password;

/** Credentials for one opener: the setting's, then whatever the slot fills in. */
export class ProxyCredentials {
  readonly #proxy: ProxySpec;
  readonly #prompt: ProxyCredentialsPrompt;
  #current: Credentials | null;
  #refused: Credentials | null = null;
  #asks = 0;

  /**
   * @param proxy the proxy (its `credentials` are the first ones used)
   * @param prompt asks the proxyAuthenticationRequired slot
   */
  constructor(proxy: ProxySpec, prompt: ProxyCredentialsPrompt) {
    this.#proxy = proxy;
    this.#prompt = prompt;
    this.#current = proxy.credentials;
  }

  /** The credentials to send now without asking (null when there are none yet). */
  current(): Credentials | null {
    return this.#current;
  }

  /**
   * The credentials for the next attempt: the current ones, or else what the slot fills in.
   * @param realm the realm to show the slot
   * @returns null to give up (ProxyAuthenticationRequiredError)
   */
  next(realm: string): Credentials | null {
    if (this.#current !== null) return this.#current;
    if (this.#asks >= MAX_AUTH_RETRIES) return null;
    this.#asks++;
    const asked = this.#prompt(this.#proxy, realm);
    if (asked === null || (this.#refused !== null && same(asked, this.#refused))) return null;
    return (this.#current = asked);
  }

  /** The proxy refused the current credentials: the next attempt asks the slot. */
  refuse(): void {
    if (this.#current !== null) this.#refused = this.#current;
    this.#current = null;
  }
}
