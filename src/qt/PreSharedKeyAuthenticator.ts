/**
 * QSslPreSharedKeyAuthenticator: the identity and key of a TLS-PSK handshake, filled in by a slot
 * of preSharedKeyAuthenticationRequired.
 * @module
 */
import { InvalidArgumentError } from '../errors';

/** OpenSSL's PSK_MAX_IDENTITY_LEN and PSK_MAX_PSK_LEN, what it offers the callbacks. */
const MAX_IDENTITY = 256;
const MAX_PSK = 512;

/**
 * Credentials for a pre-shared-key cipher suite (RFC 4279). A client slot sets identity and
 * key (it may read the server's identityHint); a server slot reads the client's identity and
 * sets the key. A key left empty makes the handshake fail.
 */
export class PreSharedKeyAuthenticator {
  #identity: Buffer;
  #identityHint: Buffer;
  #psk: Buffer = Buffer.alloc(0);

  /**
   * @param identityHint the server's hint (client side) or '' ; not in Qt's public constructor
   * @param identity the client's identity (server side) or ''
   */
  constructor(identityHint: string | Buffer = '', identity: string | Buffer = '') {
    this.#identityHint = Buffer.from(identityHint);
    this.#identity = Buffer.from(identity);
  }

  /** The PSK identity (client: to send; server: the one the client sent). */
  identity(): Buffer {
    return Buffer.from(this.#identity);
  }

  /**
   * Sets the identity to send (client side).
   * @throws InvalidArgumentError when longer than maximumIdentityLength()
   */
  setIdentity(identity: string | Uint8Array): void {
    const b = Buffer.from(identity);
    if (b.length > MAX_IDENTITY) throw new InvalidArgumentError(`PSK identity longer than ${MAX_IDENTITY} bytes`);
    this.#identity = b;
  }

  /** The server's identity hint ('' when it sent none; TLS 1.3 has none). */
  identityHint(): Buffer {
    return Buffer.from(this.#identityHint);
  }

  /** The pre-shared key. */
  preSharedKey(): Buffer {
    return Buffer.from(this.#psk);
  }

  /**
   * Sets the pre-shared key.
   * @throws InvalidArgumentError when longer than maximumPreSharedKeyLength()
   */
  setPreSharedKey(key: string | Uint8Array): void {
    const b = Buffer.from(key);
    if (b.length > MAX_PSK) throw new InvalidArgumentError(`Pre-shared key longer than ${MAX_PSK} bytes`);
    this.#psk = b;
  }

  /** Longest identity OpenSSL accepts (bytes). */
  maximumIdentityLength(): number {
    return MAX_IDENTITY;
  }

  /** Longest key OpenSSL accepts (bytes). */
  maximumPreSharedKeyLength(): number {
    return MAX_PSK;
  }
}
