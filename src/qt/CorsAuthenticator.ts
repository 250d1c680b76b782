/**
 * QWebSocketCorsAuthenticator: lets a slot of originAuthenticationRequired accept or refuse an
 * Origin (RFC 6455 §10.2). Allowed unless the slot says otherwise.
 * @module
 */

/** See the module comment. */
export class CorsAuthenticator {
  readonly #origin: string;
  #allowed = true;

  constructor(origin: string) {
    this.#origin = origin;
  }

  /** The Origin header the client sent ('' when none). */
  origin(): string {
    return this.#origin;
  }

  /** Accepts (true) or refuses (false, answered with 403) the connection. */
  setAllowed(allowed: boolean): void {
    this.#allowed = allowed;
  }

  allowed(): boolean {
    return this.#allowed;
  }
}
